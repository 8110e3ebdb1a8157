"""Request problems found by the service itself (not by signal-cli)."""
from __future__ import annotations


class RequestError(ValueError):
    """A request the API refuses; ``str(exc)`` is the message the client sees (HTTP 400)."""
