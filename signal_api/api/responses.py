"""Small response helpers shared by the route modules."""
from __future__ import annotations

import flask


def empty(status: int) -> flask.Response:
    """A success with no body at all (the original sends e.g. an empty 201)."""
    return flask.Response(b"", status=status)
