"""The request gate: one ``before_request`` hook that lets a request through or answers it.

In order: a CORS preflight is answered; open routes pass; a foreign ``Origin`` is refused; with
``SIGNAL_API_AUTH=token`` the token is checked (401), its rate taken (429), its scope and account
checked (403); a send takes from its account's ``SIGNAL_API_SEND_RATE`` (429). Every refusal is the
usual ``{"error": "..."}``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import flask

from signal_api.access import authentication
from signal_api.access.authentication import BASIC, CHALLENGE
from signal_api.access.limits import MemoryRateLimiter, Rate, RateLimiter, retry_after_header
from signal_api.access.origins import OriginPolicy
from signal_api.access.scopes import RouteAccess, route_access
from signal_api.access.tokens import Token, TokenStore

log = logging.getLogger(__name__)

AUTH_NONE = "none"
AUTH_TOKEN = "token"
EXTENSION_KEY = "signal_api.access"
SEND_SCOPE = "send"


@dataclass
class Gate:
    """The access settings and state of one app."""

    auth: str
    tokens: TokenStore
    origins: OriginPolicy
    send_rate: Rate | None = None
    limiter: RateLimiter = field(default_factory=MemoryRateLimiter)

    def check(self) -> flask.Response | None:
        """Answer the current request when it may not proceed; None lets it through."""
        request = flask.request
        preflight = self.origins.preflight(request)
        if preflight is not None:
            return preflight
        if request.endpoint is None:
            return None  # no such route: Flask's own 404 / 405
        access = route_access(request.endpoint)
        if access is None:
            return _refuse(403, "This route declares no scope; it is refused")
        if access.is_open:
            return None
        websocket = bool(request.url_rule and request.url_rule.websocket)
        refusal = self.origins.refusal(request, websocket=websocket)
        if refusal is not None:
            return _refuse(403, refusal)
        if self.auth == AUTH_TOKEN:
            answer = self._authorize(request, access)
            if answer is not None:
                return answer
        return self._take_send_rate(request, access)

    def _authorize(self, request: flask.Request, access: RouteAccess) -> flask.Response | None:
        credentials = authentication.presented_credentials(request)
        if credentials is None:
            return _refuse(401, "An API token is required: Authorization: Bearer <token>, HTTP Basic "
                                "with the token as password, or ?token=<token>", {"WWW-Authenticate": CHALLENGE})
        token = self.tokens.authenticate(credentials.token)
        if token is None:
            return _refuse(401, "The API token is not valid (unknown or revoked)", {"WWW-Authenticate": CHALLENGE})
        authentication.remember(token)
        if credentials.via == BASIC and _has_body(request) and not request.is_json:
            # A browser replays Basic credentials by itself, so a cross-site page could POST a
            # text/plain "form" with them; no page can send application/json without a preflight.
            return _refuse(415, "With HTTP Basic credentials a request body must be sent as "
                                "Content-Type: application/json (or use a Bearer token)")
        if token.rate is not None:
            wait = self.limiter.take(f"token:{token.name}", token.rate)
            if wait is not None:
                return _refuse(429, f"Token {token.name} is over its rate of {token.rate}",
                               {"Retry-After": retry_after_header(wait)})
        missing = [name for name in access.scopes_for(request) if not token.has_scope(name)]
        if missing:
            return _refuse(403, f"Token {token.name} lacks the {missing[0]!r} scope this route needs")
        if not access.account.permits(token, request):
            return _refuse(403, _account_refusal(token, access, request))
        return None

    def _take_send_rate(self, request: flask.Request, access: RouteAccess) -> flask.Response | None:
        if self.send_rate is None or SEND_SCOPE not in access.scopes_for(request):
            return None
        # Every account the request names is charged: whichever the view acts for has paid.
        for account in access.account.accounts(request) or ():  # none: the view refuses the send
            wait = self.limiter.take(f"send:{account}", self.send_rate)
            if wait is not None:
                return _refuse(429, f"{account} is over its send rate of {self.send_rate} (SIGNAL_API_SEND_RATE)",
                               {"Retry-After": retry_after_header(wait)})
        return None


def _account_refusal(token: Token, access: RouteAccess, request: flask.Request) -> str:
    kind = access.account.kind
    accounts = access.account.accounts(request)
    if kind == "every" or (kind == "query" and accounts is None):
        return f"Token {token.name} is not for every account, which this route needs"
    if kind == "attachment":
        return f"Token {token.name} is not for an account that received this attachment"
    if kind == "webhook":
        return f"Token {token.name} is not for every account of this webhook subscription (or there is none)"
    if kind == "accounts" and accounts is None:
        return (f"Token {token.name} is limited to some accounts: the request must list them in 'accounts' "
                "(an empty list means every account)")
    refusal = access.account.refusal(token, request)
    if refusal:
        return refusal
    if accounts is None:
        return f"Token {token.name} is limited to some accounts: the request must name one ('number')"
    others = [account for account in accounts if not token.has_account(account)]
    return f"Token {token.name} is not for account {', '.join(others)}"


def _has_body(request: flask.Request) -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower() \
        or "Content-Type" in request.headers


def _refuse(status: int, message: str, headers: dict[str, str] | None = None) -> flask.Response:
    response = flask.jsonify({"error": message})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def get_gate(app: flask.Flask | None = None) -> Gate:
    """The gate of ``app`` (default: the current app)."""
    return (app or flask.current_app).extensions[EXTENSION_KEY]
