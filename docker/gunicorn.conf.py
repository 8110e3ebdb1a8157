"""gunicorn settings for the Docker image: the same as ``make run`` and ``signal-api serve``."""
from signal_api.gunicorn_conf import *  # noqa: F401,F403
