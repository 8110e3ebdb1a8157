"""Log level handling shared by start-up and ``POST /v1/configuration``."""
from __future__ import annotations

import logging

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING, "error": logging.ERROR}
_NAMES = {value: key for key, value in LEVELS.items()}
LOGGER_NAME = "signal_api"


def set_log_level(level: str) -> None:
    """Apply one of the API's level names (debug, info, warn, error) to the service's loggers."""
    logging.getLogger(LOGGER_NAME).setLevel(LEVELS[level])


def current_log_level() -> str:
    """The API name of the service's effective log level."""
    return _NAMES.get(logging.getLogger(LOGGER_NAME).getEffectiveLevel(), "info")


def configure_logging(level: str) -> None:
    """Send log records to stderr in one readable format (server processes only)."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    set_log_level(level)
