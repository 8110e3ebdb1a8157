"""The routes of signal-cli's ``daemon --http`` API: ``/api/v1/rpc``, ``/api/v1/events``, ``/api/v1/check``.

Statuses and bodies are signal-cli 0.13.19's (signal-cli.md §5.1): its bare 405/415/400 answers
have empty bodies, like the daemon's, so a client written for signal-cli sees no difference.
"""
from __future__ import annotations

from typing import Any

import flask

from signal_api import jsonrpc_wire as wire
from signal_api.access.accounts import AccountSource, visible_accounts
from signal_api.access.scopes import open_route, scope, scope_per_request
from signal_api.access.tokens import Token
from signal_api.schemas.receive import query_flag
from signal_api.services import get_services
from signal_api.signalcli_http import events
from signal_api.signalcli_http.methods import MULTI, method_of
from signal_api.signalcli_http.rpc import RpcHandler
from signal_api.translate.identifiers import restore_plus

bp = flask.Blueprint("signalcli_http", __name__)

# signal-cli answers 405 for every other method of a path, HEAD and OPTIONS included.
_ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


_PARSED = "signal_api.signalcli_http.requests"


def _requests(request: flask.Request) -> list[dict[str, Any]]:
    """The request objects of an RPC body (none when it does not parse: the view answers that).

    Parsed once per request: the gate asks for scopes and accounts, each from the same body.
    """
    parsed = request.environ.get(_PARSED)
    if parsed is None:
        value, error = wire.decode_body(request.get_data(cache=True).decode("utf-8", "replace"))
        items = [] if error is not None else value if isinstance(value, list) else [value]
        parsed = request.environ[_PARSED] = [item for item in items if isinstance(item, dict)]
    return parsed


def rpc_scopes(request: flask.Request) -> set[str]:
    """Every scope the methods of the body need (per method: ``methods.METHODS``)."""
    needed = set()
    for item in _requests(request):
        method = method_of(item.get("method"))
        if method is not None and method.scope is not None:
            needed.add(method.scope)
    return needed


class RpcAccounts(AccountSource):
    """The ``params.account`` of each call of the body.

    A token limited to some accounts may call only methods that name one of them, plus
    ``version``; one that names no account, or a method about every account, needs a token for
    every account.
    """

    kind = "params"

    def accounts(self, request: flask.Request) -> list[str] | None:
        values = [(item.get("params") or {}).get("account") for item in _requests(request)
                  if isinstance(item.get("params") or {}, dict)]
        return list(dict.fromkeys(value for value in values if isinstance(value, str))) or None

    def permits(self, token: Token, request: flask.Request) -> bool:
        if token.accounts is None:
            return True
        for item in _requests(request):
            method = method_of(item.get("method"))
            if method is None or item.get("method") == "version":
                continue
            params = item.get("params") or {}
            account = params.get("account") if isinstance(params, dict) else None
            if method.kind == MULTI or not isinstance(account, str) or not token.has_account(account):
                return False
        return True

    def refusal(self, token: Token, request: flask.Request) -> str | None:
        return (f"Token {token.name} is limited to some accounts: every call must name one of them in "
                "params.account (and methods about every account need a token for every account)")


class EventsAccount(AccountSource):
    """The ``account`` query parameter; without it, the stream has the token's accounts only."""

    kind = "query"

    def accounts(self, request: flask.Request) -> list[str] | None:
        account = _query_account(request)
        return [account] if account else None

    def permits(self, token: Token, request: flask.Request) -> bool:
        account = _query_account(request)
        return account is None or token.has_account(account)


def _query_account(request: flask.Request) -> str | None:
    value = request.args.get("account")
    return restore_plus(value) if value else None


def _empty(status: int) -> flask.Response:
    response = flask.Response(b"", status=status)
    del response.headers["Content-Type"]  # signal-cli sends none with an empty body
    return response


@bp.route("/api/v1/rpc", methods=_ANY_METHOD)
@scope_per_request(rpc_scopes, account=RpcAccounts(),
                   description="each method's scope (signal_api/signalcli_http/methods.py); all of a batch's")
def rpc() -> flask.Response:
    """signal-cli's JSON-RPC over HTTP: one request or a batch per POST."""
    request = flask.request
    if request.method != "POST":
        return _empty(405)
    if not (request.headers.get("Content-Type") or "").startswith("application/json"):
        return _empty(415)
    handler = RpcHandler(get_services().backend)
    reply = handler.handle_text(request.get_data(cache=True).decode("utf-8", "replace"))
    if reply is None:
        return _empty(201)
    return flask.Response(wire.dumps(reply).encode("utf-8"), status=200, content_type="application/json")


@bp.route("/api/v1/events", methods=_ANY_METHOD)
@scope("receive", account=EventsAccount())
def events_stream() -> flask.Response:
    """Server-Sent Events: every incoming message of one account (``?account=``) or of all.

    ``?events=true`` adds the account events (``rate_limit_challenge``, ``rate_limit_cleared``).
    """
    request = flask.request
    if request.method != "GET":
        return _empty(405)
    since_text = request.headers.get("Last-Event-ID") or request.args.get("since")
    if since_text is not None and not since_text.isdigit():
        return _refuse("Couldn't process request - since (or Last-Event-ID) needs to be a non-negative "
                       "integer cursor")
    with_events = query_flag(request.args, "events")
    if with_events is None:
        return _refuse("Couldn't process request - events needs to be true or false")
    services = get_services()
    registered = services.backend.list_accounts()
    account = _query_account(request)
    if account is not None:
        if account not in registered:
            return _empty(400)
        accounts = [account]
    else:
        accounts = visible_accounts(registered)
    since = int(since_text) if since_text is not None else None
    response = flask.Response(events.stream(services, accounts, since, events=with_events), status=200,
                              content_type="text/event-stream")
    # Proxies must pass each event on at once (nginx buffers a response unless told not to).
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


@bp.route("/api/v1/check", methods=_ANY_METHOD)
@open_route
def check() -> flask.Response:
    """signal-cli's health check: 200 with an empty body."""
    return _empty(200 if flask.request.method == "GET" else 405)


def _refuse(message: str) -> flask.Response:
    response = flask.jsonify({"error": message})
    response.status_code = 400
    return response
