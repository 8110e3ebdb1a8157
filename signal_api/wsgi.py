"""The WSGI application of a server process (gunicorn imports ``signal_api.wsgi:app``).

Imported by the already gevent-patched worker; builds the app from the environment and starts
its background work.
"""
from signal_api.app import create_app, start_background
from signal_api.config import Config
from signal_api.logs import configure_logging

config = Config.from_env()
configure_logging(config.log_level)
app = create_app(config)
start_background(app)
