"""gunicorn's own log lines (and its access log) as JSON objects when ``LOG_FORMAT=json``.

Selected by ``gunicorn_conf.py`` as its ``logger_class``, so that with JSON logs every line the
server writes parses, gunicorn's start and stop lines included.
"""
from __future__ import annotations

import logging

from signal_api.observability.access_log import RedactingLogger
from signal_api.observability.logs import JsonFormatter


class JsonLogger(RedactingLogger):
    """gunicorn's logger (API tokens masked) with :class:`JsonFormatter` on its handlers."""

    def _set_handler(self, log: logging.Logger, output: str | None, fmt: logging.Formatter,  # noqa: ARG002
                     stream=None) -> None:  # noqa: ANN001
        super()._set_handler(log, output, JsonFormatter(), stream=stream)
