"""Request problems found by the service itself (not by signal-cli)."""
from __future__ import annotations

from werkzeug.exceptions import RequestEntityTooLarge


class RequestError(ValueError):
    """A request the API refuses; ``str(exc)`` is the message the client sees (HTTP 400)."""


class RetryLaterError(RequestError):
    """A limit of the service is reached for now (HTTP 429); it may succeed after ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class RequestTooLarge(RequestEntityTooLarge):
    """A part of a request over a configured size limit: HTTP 413, ``description`` is the error."""

    def __init__(self, message: str) -> None:
        super().__init__(description=message)


def naming_field(message: str, field: str) -> str:
    """``message`` (often signal-cli's or the original's exact text) followed by the field it concerns."""
    return f"{message} (field: {field})"
