"""Which account a request acts for, so a token limited to some accounts is held to them.

Each route declares where its account is (see :func:`signal_api.access.scopes.scope`):

* ``path``: the ``{number}`` path parameter (the default; most routes);
* ``body``: the JSON body's ``number`` (``/v1/send``, ``/v2/send``); every key that the body parser
  may take for it (keys match ignoring case) must name an account of the token;
* ``query``: the ``number`` query parameter (``/v1/search``); without it, the route may use any
  account, so it needs a token for every account;
* ``attachment``: the accounts whose stored messages name the attachment (attachments are one
  folder for every account, so this is what tells them apart);
* ``accounts``: the JSON body's ``accounts`` list (``POST /v1/webhooks``): a token limited to some
  accounts must list accounts, all of them its own (an empty list would mean every account);
* ``webhook``: the accounts of the webhook subscription ``{webhook_id}``: a token limited to some
  accounts may only touch a subscription for accounts it has;
* ``every``: a route that is not about one account (linking a new device, the service's log level)
  needs a token for every account;
* ``listed``: the route answers for the token's accounts only (``/v1/accounts`` filters its list).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import flask

from signal_api.access.tokens import Token
from signal_api.translate.identifiers import restore_plus


class AccountSource:
    """Where a route's account is; ``kind`` is what the OpenAPI spec shows as ``x-account``."""

    kind = "every"
    needs_number_in_path = False

    def accounts(self, request: flask.Request) -> list[str] | None:
        """The accounts the request names (one, unless it names the same field twice); None when it names none."""
        return None

    def permits(self, token: Token, request: flask.Request) -> bool:
        """True when ``token`` may make ``request`` (a token for every account always may)."""
        if token.accounts is None:
            return True
        accounts = self.accounts(request)
        return bool(accounts) and all(token.has_account(account) for account in accounts)

    def refusal(self, token: Token, request: flask.Request) -> str | None:
        """This source's own words for a refused request, when the generic ones do not fit."""
        return None


class PathNumber(AccountSource):
    """The ``{number}`` path parameter (unescaped as the views get it)."""

    kind = "path"
    needs_number_in_path = True

    def accounts(self, request: flask.Request) -> list[str] | None:
        number = (request.view_args or {}).get("number")
        return [number] if isinstance(number, str) and number else None


class BodyNumber(AccountSource):
    """The ``number`` of the JSON body.

    Its keys match case-insensitively (Go's encoding/json rule), so a body may name the field more
    than once (``number`` and ``Number``): every such value must be an account the token is for,
    whichever of them the body parser keeps, and a value that is not a string is refused.
    """

    kind = "body"

    def accounts(self, request: flask.Request) -> list[str] | None:
        values = body_values(_json_body(request), "number")
        if not values or not all(isinstance(value, str) for value in values):
            return None
        return list(dict.fromkeys(values))


class BodyAccountList(AccountSource):
    """The JSON body's ``accounts`` list; every key matching it ignoring case counts, as for ``number``."""

    kind = "accounts"

    def accounts(self, request: flask.Request) -> list[str] | None:
        lists = body_values(_json_body(request), "accounts")
        if not lists or not all(isinstance(value, list) for value in lists):
            return None
        items = [item for value in lists for item in value]
        if not items or not all(isinstance(item, str) for item in items):
            return None
        return list(dict.fromkeys(items))


class WebhookOwner(AccountSource):
    """The accounts of the webhook subscription ``{webhook_id}`` (an unknown one is nobody's)."""

    kind = "webhook"

    def permits(self, token: Token, request: flask.Request) -> bool:
        if token.accounts is None:
            return True
        from signal_api.services import get_services
        from signal_api.storage.webhook_subscriptions import parse_subscription_id

        subscription_id = parse_subscription_id((request.view_args or {}).get("webhook_id"))
        subscription = get_services().webhooks.get(subscription_id) if subscription_id is not None else None
        return subscription is not None and token_covers(token, subscription.accounts)


class QueryNumber(AccountSource):
    """The ``number`` query parameter (an unencoded ``+`` arrives as a space)."""

    kind = "query"

    def accounts(self, request: flask.Request) -> list[str] | None:
        values = [restore_plus(value) for value in request.args.getlist("number") if value]
        return list(dict.fromkeys(values)) or None


class EveryAccount(AccountSource):
    """Not one account's business: only a token for every account may."""


class ListedAccounts(AccountSource):
    """Any token may; the view answers only for the token's accounts (:func:`visible_accounts`)."""

    kind = "listed"

    def permits(self, token: Token, request: flask.Request) -> bool:
        return True


class AttachmentOwner(AccountSource):
    """The accounts whose stored messages name the attachment ``{attachment}``."""

    kind = "attachment"

    def permits(self, token: Token, request: flask.Request) -> bool:
        if token.accounts is None:
            return True
        name = (request.view_args or {}).get("attachment") or ""
        return bool(name) and attachment_named_for(token.accounts, name)


def token_covers(token: Token | None, accounts: Iterable[str]) -> bool:
    """True when ``token`` may act for all of ``accounts``; an empty ``accounts`` means every account."""
    if token is None or token.accounts is None:
        return True
    accounts = list(accounts)
    return bool(accounts) and all(token.has_account(account) for account in accounts)


def _json_body(request: flask.Request) -> Any:
    try:
        return json.loads(request.get_data(cache=True).decode("utf-8", "replace") or "null")
    except (ValueError, RecursionError):  # RecursionError: hostile nesting depth
        return None


def body_values(data: Any, name: str) -> list[Any]:
    """The non-null values of the keys of ``data`` that are ``name`` ignoring case, in order."""
    if not isinstance(data, Mapping):
        return []
    return [value for key, value in data.items() if str(key).lower() == name and value is not None]


def attachment_named_for(accounts: Iterable[str], name: str) -> bool:
    """True when a stored message of one of ``accounts`` carries an attachment (or any part) with id ``name``."""
    from signal_api.services import get_services

    accounts = list(accounts)
    sql = f"SELECT payload FROM messages WHERE account IN ({','.join('?' * len(accounts))})"
    params: tuple[str, ...] = tuple(accounts)
    if name.isascii() and name.isprintable() and '"' not in name and "\\" not in name:
        # Such a name is stored as is: instr() narrows the scan cheaply; the JSON walk decides.
        sql += " AND instr(payload, ?) > 0"
        params += (name,)
    rows = get_services().inbox.execute(sql, params)
    return any(_names_id(json.loads(payload), name) for (payload,) in rows)


def _names_id(value: Any, name: str) -> bool:
    if isinstance(value, Mapping):
        if value.get("id") == name:
            return True
        return any(_names_id(item, name) for item in value.values())
    if isinstance(value, list):
        return any(_names_id(item, name) for item in value)
    return False


def visible_accounts(accounts: Iterable[str]) -> list[str]:
    """``accounts`` as the current request's token may see them (all of them when auth is off)."""
    from signal_api.access.authentication import current_token

    token = current_token()
    return [account for account in accounts if token is None or token.has_account(account)]
