"""Scopes: each route declares, next to its ``@blp.route``, the one scope a token needs for it.

* ``send``: send, reactions, receipts, typing, remote delete, polls, pins, stickers sent;
* ``receive``: receive (GET and WebSocket), message history, attachments read and deleted;
* ``manage``: groups, contacts, profiles, identities, search, configuration;
* ``admin``: register, verify, unregister, link, devices, accounts, rate-limit challenges, webhook
  subscriptions.

``@scope("send")`` goes right under ``@blp.route`` (before smorest reads the view's docs) and
also documents the operation: its ``security`` requirement, ``x-scope``, ``x-account`` and the
401/403/429 answers. ``@open_route`` marks the few routes anyone may call. A route with neither
cannot exist: :func:`check_every_route_declared` refuses to build such an app.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, TypeVar

import flask
from flask_smorest.utils import deepupdate

from signal_api.access.accounts import AccountSource, PathNumber
from signal_api.access.tokens import SCOPES

F = TypeVar("F", bound=Callable[..., Any])

SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <token>"},
    "basicAuth": {"type": "http", "scheme": "basic", "description": "Any user name, the token as password"},
    "queryToken": {"type": "apiKey", "in": "query", "name": "token",
                   "description": "?token=<token>, for clients that can only take a URL"},
}
SECURITY = [{name: []} for name in SECURITY_SCHEMES]
# Endpoints that are not views of ours: the spec, Swagger UI and its assets, Flask's static files.
OPEN_ENDPOINTS = frozenset({"static"})
OPEN_BLUEPRINTS = frozenset({"api-docs", "swagger_assets"})

# flask-smorest's component responses; RATE_LIMITED is the 429 signal-cli's own limits answer too.
_RESPONSES = {"401": "UNAUTHORIZED", "403": "FORBIDDEN", "429": "RATE_LIMITED"}


@dataclass(frozen=True)
class RouteAccess:
    """What a route requires: a scope and an account source, or nothing (``scope`` None: open)."""

    scope: str | None
    account: AccountSource
    #: For a route whose request says what it does (``POST /api/v1/rpc``): the scopes it needs.
    per_request: Callable[[flask.Request], Collection[str]] | None = None

    @property
    def is_open(self) -> bool:
        return self.scope is None

    def scopes_for(self, request: flask.Request) -> Collection[str]:
        """The scopes a token needs for ``request`` (every one of them)."""
        if self.per_request is not None:
            return self.per_request(request)
        return () if self.scope is None else (self.scope,)


_OPEN = RouteAccess(None, AccountSource())


def scope(name: str, *, account: AccountSource | None = None) -> Callable[[F], F]:
    """Declare the scope of a view (and where its account is; default the ``{number}`` path parameter)."""
    if name not in SCOPES:
        raise ValueError(f"unknown scope {name!r}; scopes are {', '.join(SCOPES)}")
    access = RouteAccess(name, account or PathNumber())

    def declare(view: F) -> F:
        _document(view, {"security": SECURITY, "x-scope": name, "x-account": access.account.kind,
                         "responses": _RESPONSES})
        view._route_access = access  # type: ignore[attr-defined]
        return view

    return declare


PER_REQUEST = "per-request"


def scope_per_request(needs: Callable[[flask.Request], Collection[str]], *, account: AccountSource,
                      description: str) -> Callable[[F], F]:
    """Declare a view whose scopes depend on the request (``needs`` reads them from it; none: any token)."""
    access = RouteAccess(PER_REQUEST, account, per_request=needs)

    def declare(view: F) -> F:
        _document(view, {"security": SECURITY, "x-scope": PER_REQUEST, "x-scope-rule": description,
                         "x-account": account.kind, "responses": _RESPONSES})
        view._route_access = access  # type: ignore[attr-defined]
        return view

    return declare


def open_route(view: F) -> F:
    """Declare a view anyone may call, with or without a token (health, about)."""
    _document(view, {"security": []})
    view._route_access = _OPEN  # type: ignore[attr-defined]
    return view


def route_access(endpoint: str | None) -> RouteAccess | None:
    """What the route of ``endpoint`` requires; None for an undeclared one (which is refused)."""
    if endpoint is None:
        return None
    if endpoint in OPEN_ENDPOINTS or endpoint.split(".", 1)[0] in OPEN_BLUEPRINTS:
        return _OPEN
    view = flask.current_app.view_functions.get(endpoint)
    return getattr(view, "_route_access", None)


def check_every_route_declared(app: flask.Flask) -> None:
    """Refuse an app with a route that declares no scope, or a ``path`` account it does not have."""
    problems = []
    with app.app_context():
        for rule in app.url_map.iter_rules():
            access = route_access(rule.endpoint)
            if access is None:
                problems.append(f"{rule.rule} ({rule.endpoint}) declares no scope (@scope or @open_route)")
            elif access.account.needs_number_in_path and "number" not in rule.arguments:
                problems.append(f"{rule.rule} ({rule.endpoint}) has no {{number}}: say where its account is")
    if problems:
        raise RuntimeError("routes without access rules: " + "; ".join(problems))


def _document(view: Callable[..., Any], doc: dict[str, Any]) -> None:
    # The same place flask-smorest's own @blp.doc writes to; smorest reads it when @blp.route runs.
    apidoc = getattr(view, "_apidoc", {})
    view._apidoc = deepupdate(apidoc, {"manual_doc": doc})  # type: ignore[attr-defined]
