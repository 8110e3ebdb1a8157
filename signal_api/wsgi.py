"""The WSGI application of a server process (gunicorn imports ``signal_api.wsgi:app``).

Imported by the already gevent-patched worker; builds the app from the environment and starts
its background work.
"""
import gc
import logging
import sys

# What start-up allocates lives as long as the worker: collecting it while importing and
# building the app only costs time (~0.05 s), and freezing it afterwards keeps later collections
# from walking it again.
gc.disable()

from signal_api.app import create_app, start_background  # noqa: E402 - after gc.disable()
from signal_api.config import Config, ConfigError  # noqa: E402 - after gc.disable()
from signal_api.observability.logs import configure_logging  # noqa: E402 - after gc.disable()

try:
    config = Config.from_env()
    configure_logging(config.log_level, config.log_format)
    app = create_app(config)
    start_background(app)
except ConfigError as exc:
    # A clear line naming the variable instead of a traceback; gunicorn's boot-error exit code
    # (3) makes the master stop instead of starting the worker again and again.
    for problem in getattr(exc, "problems", [exc]):
        logging.getLogger("signal_api").critical("cannot start: %s", problem)
    sys.exit(3)
finally:
    gc.freeze()
    gc.enable()
