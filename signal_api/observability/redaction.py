"""API tokens never reach a log line: ``?token=`` values and anything shaped like a token are masked.

Used by the service's log filter (:mod:`signal_api.observability.logs`) and by gunicorn's access
log (:mod:`signal_api.observability.access_log`), whose request lines carry the query string.
Dependency-free: gunicorn's master process imports it.
"""
from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

MASK = "[redacted]"
# A query parameter anywhere in a text (request line, Referer, a logged URL). The name is compared
# decoded, as the server reads it (``%74oken=`` is ``token=`` too).
_PARAMETER = re.compile(r"(?P<lead>[?&;])(?P<name>[^=&;#\s\"']*)=(?P<value>[^&;#\s\"']*)")
# The shape of a token made by signal_api.access.tokens, wherever it appears (a Basic user name,
# a header value, a message).
_TOKEN_SHAPE = re.compile(r"sapi_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")
QUERY_PARAMETER = "token"


def redact_tokens(text: str) -> str:
    """``text`` with every ``token=`` query value and every token-shaped string masked."""
    if not text:
        return text
    text = _PARAMETER.sub(_mask_parameter, text)
    return _TOKEN_SHAPE.sub(MASK, text)


def _mask_parameter(match: re.Match[str]) -> str:
    try:
        name = unquote_plus(match.group("name")).strip().lower()
    except ValueError:
        name = ""
    if name != QUERY_PARAMETER:
        return match.group(0)
    return f"{match.group('lead')}{match.group('name')}={MASK}"


class RedactTokens(logging.Filter):
    """Renders each record's message with its args and masks the API tokens in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as logging does
            return True
        record.msg = redact_tokens(message)
        record.args = None
        return True
