"""Request ids: taken from ``X-Request-ID`` when it is sane, else made; returned in that header.

A sane id is 1-128 visible ASCII characters (no blanks, no controls): anything else from the
client is replaced, so an id can be logged and echoed as it is. Every log record written while a
request is handled carries its id (``RequestIdFilter``).
"""
from __future__ import annotations

import logging
import os
import re

import flask

HEADER = "X-Request-ID"
MAX_LENGTH = 128
_SANE = re.compile(rf"[!-~]{{1,{MAX_LENGTH}}}")


def sane(value: str | None) -> str | None:
    """``value`` when it can serve as a request id as it is, else None."""
    if value is None or not _SANE.fullmatch(value):
        return None
    return value


def new_request_id() -> str:
    """A fresh id (32 hex digits)."""
    return os.urandom(16).hex()


def assign() -> str:
    """Give the current request its id (the client's when sane) and return it."""
    request_id = sane(flask.request.headers.get(HEADER)) or new_request_id()
    flask.g.request_id = request_id
    return request_id


def current() -> str | None:
    """The id of the request being handled, or None outside a request."""
    if not flask.has_request_context():
        return None
    return getattr(flask.g, "request_id", None)


class RequestIdFilter(logging.Filter):
    """Sets ``record.request_id`` (None outside a request) for the formatters."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            try:
                record.request_id = current()
            except RuntimeError:  # no app context in this thread
                record.request_id = None
        return True
