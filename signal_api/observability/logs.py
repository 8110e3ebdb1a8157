"""Log level handling shared by start-up and ``POST /v1/configuration``, and the one log format.

Every record is written as one line: control characters in its rendered message (CR/LF from a
request path, ANSI escapes, a multi-line stderr dump) are escaped by :class:`EscapeControlCharacters`,
so no request value can forge a log line; API tokens are masked (:mod:`signal_api.observability.redaction`).

``LOG_FORMAT=json`` writes each record as one JSON object instead (:class:`JsonFormatter`):
``time``, ``level``, ``logger``, ``message``, the request id while a request is handled, the
request line's fields, and ``exception`` when there is one.
"""
from __future__ import annotations

import datetime
import json
import logging
import re

from signal_api.observability.redaction import redact_tokens

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING, "error": logging.ERROR}
_NAMES = {value: key for key, value in LEVELS.items()}
LOGGER_NAME = "signal_api"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_control_characters(text: str) -> str:
    """``text`` with each control character written as its Python escape (``\\r``, ``\\x1b``...)."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


class EscapeControlCharacters(logging.Filter):
    """Renders each record's message with its args and escapes the control characters in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as logging does
            return True
        record.msg = redact_tokens(escape_control_characters(message))
        record.args = None
        return True


def set_log_level(level: str) -> None:
    """Apply one of the API's level names (debug, info, warn, error) to the service's loggers."""
    logging.getLogger(LOGGER_NAME).setLevel(LEVELS[level])


def current_log_level() -> str:
    """The API name of the service's effective log level."""
    return _NAMES.get(logging.getLogger(LOGGER_NAME).getEffectiveLevel(), "info")


# Attributes every LogRecord has; anything else on a record was passed with ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record (``LOG_FORMAT=json``)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and value is not None and key not in entry:
                entry[key] = value if isinstance(value, (str, int, float, bool)) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        # ensure_ascii: every control character becomes an escape, so one record stays one line.
        return json.dumps(entry, ensure_ascii=True)


def formatter_for(log_format: str) -> logging.Formatter:
    """The formatter of ``LOG_FORMAT`` (``text`` or ``json``)."""
    return JsonFormatter() if log_format == "json" else logging.Formatter(FORMAT)


def configure_logging(level: str, log_format: str = "text") -> None:
    """Send log records to stderr in one format, one line each (server processes only)."""
    from signal_api.observability.request_id import RequestIdFilter

    logging.basicConfig(format=FORMAT)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, EscapeControlCharacters) for f in handler.filters):
            handler.addFilter(EscapeControlCharacters())
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
        handler.setFormatter(formatter_for(log_format))
    set_log_level(level)
