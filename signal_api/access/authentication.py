"""Authentication: the token a request presents, and who it is once checked.

A token is accepted as ``Authorization: Bearer <token>``, as HTTP Basic with the token as the
password (any user name), or as ``?token=<token>`` for clients that can only take a URL. An
``Authorization`` header with one of those schemes wins over the query. The request gate
(:mod:`signal_api.access.gate`) checks the token and records it for :func:`identity`.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import flask

from signal_api.access.tokens import Token

BEARER = "bearer"
BASIC = "basic"
QUERY = "query"
QUERY_PARAMETER = "token"
CHALLENGE = 'Bearer realm="signal-api", Basic realm="signal-api", charset="UTF-8"'
_G_TOKEN = "signal_api_access_token"


@dataclass(frozen=True)
class Credentials:
    """A presented token and how it came (``bearer``, ``basic`` or ``query``)."""

    token: str
    via: str


def presented_credentials(request: flask.Request) -> Credentials | None:
    """The token the request carries, unchecked; None when it carries none."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == BEARER and value:
        return Credentials(value, BEARER)
    if scheme.lower() == BASIC and value:
        password = _basic_password(value)
        if password:
            return Credentials(password, BASIC)
    query = request.args.get(QUERY_PARAMETER)
    if query:
        return Credentials(query, QUERY)
    return None


def _basic_password(value: str) -> str | None:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    _, colon, password = decoded.partition(":")
    return password if colon else None


def remember(token: Token) -> None:
    """Record the checked token of the current request."""
    setattr(flask.g, _G_TOKEN, token)


def current_token() -> Token | None:
    """The checked token of the current request; None when auth is off or outside a request."""
    if not flask.has_app_context():
        return None
    return getattr(flask.g, _G_TOKEN, None)


def identity() -> str | None:
    """The name of the token that authenticated the current request.

    None when auth is off (``SIGNAL_API_AUTH=none``), on the open routes and outside a request.
    Set before any view runs; never raises.
    """
    token = current_token()
    return token.name if token is not None else None
