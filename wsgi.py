"""gunicorn entry point from a checkout: ``gunicorn -c docker/gunicorn.conf.py wsgi:app``."""
from signal_api.wsgi import app  # noqa: F401
