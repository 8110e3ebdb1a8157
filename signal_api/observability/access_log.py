"""gunicorn's logger with API tokens masked in its logs (``logger_class`` in gunicorn_conf.py).

Every value an access-log format can print (request line, query string, Referer, headers,
environment, the Basic user name) goes through :func:`redact_tokens`; the Authorization header
is never printed at all.
"""
from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from signal_api.observability.redaction import MASK, RedactTokens, redact_tokens

_SECRET_HEADER_ATOMS = frozenset({"{authorization}i", "{http_authorization}e"})


class RedactingLogger(Logger):
    """A gunicorn Logger whose access-log atoms and error-log lines carry no API token."""

    def setup(self, cfg: Any) -> None:
        """gunicorn's setup, plus the mask on its error log (it reports bad request lines verbatim)."""
        super().setup(cfg)
        if not any(isinstance(f, RedactTokens) for f in self.error_log.filters):
            self.error_log.addFilter(RedactTokens())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        """gunicorn's atoms, each string value redacted."""
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if key in _SECRET_HEADER_ATOMS:
                atoms[key] = MASK
            elif isinstance(value, str):
                atoms[key] = redact_tokens(value)
        return atoms
