"""The API tokens: created, listed and revoked by the operator, checked on every request.

A token is ``sapi_<lookup>_<secret>``: 8 random bytes (hex) that find its row and 32 random
bytes (base64url) that prove it. The database keeps the lookup part and a salted HMAC-SHA256 of
the secret, never the token itself. Each check reads the database, so a revoked token is
refused by a running service at once (there is no cache to go stale).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from signal_api.access.limits import Rate, parse_rate

log = logging.getLogger(__name__)

SCOPES = ("send", "receive", "manage", "admin")
PREFIX = "sapi_"
_LOOKUP_HEX = 16
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_ACCOUNT = re.compile(r"^\+[0-9]{3,20}$")
_TOKEN = re.compile(rf"^{PREFIX}([0-9a-f]{{{_LOOKUP_HEX}}})_([A-Za-z0-9_-]{{43}})$")
# "Last used" is written at most this often per token: a write per request would compete with the
# inbox for the database lock, and a minute is precise enough to tell a live token from a dead one.
TOUCH_INTERVAL_MS = 60_000

Execute = Callable[[str, Sequence[Any]], list[tuple]]


class TokenError(ValueError):
    """A token cannot be created or revoked as asked (the message says why)."""


@dataclass(frozen=True)
class Token:
    """What a token allows; ``accounts`` / ``scopes`` None means every one."""

    name: str
    accounts: tuple[str, ...] | None
    scopes: tuple[str, ...] | None
    rate: Rate | None
    created_at: int
    last_used_at: int | None

    def has_scope(self, scope: str) -> bool:
        """True when the token may use routes of ``scope``."""
        return self.scopes is None or scope in self.scopes

    def has_account(self, account: str) -> bool:
        """True when the token may act for ``account``."""
        return self.accounts is None or account in self.accounts


def _digest(salt: bytes, secret: str) -> bytes:
    # A fast hash is enough here: the secret is 256 random bits, so there is no dictionary or
    # brute force to slow down (a password hash like scrypt would only cost CPU on every request).
    # The per-token salt keeps equal secrets from having equal rows and makes precomputed tables
    # useless; compare_digest keeps the check constant-time.
    return hmac.new(salt, secret.encode("ascii"), hashlib.sha256).digest()


def validate_name(name: str) -> str:
    """A token name: 1-64 letters, digits, ``.``, ``_`` or ``-``, starting with a letter or digit."""
    if not _NAME.match(name or ""):
        raise TokenError(f"invalid token name {name!r}: use 1-64 letters, digits, '.', '_' or '-'")
    return name


def validate_accounts(accounts: Sequence[str]) -> tuple[str, ...] | None:
    """The accounts a token is for (None when none are given: every account)."""
    for account in accounts:
        if not _ACCOUNT.match(account):
            raise TokenError(f"invalid account {account!r}: give the number as +<country code><number>")
    return tuple(dict.fromkeys(accounts)) or None


def validate_scopes(scopes: Sequence[str]) -> tuple[str, ...] | None:
    """The scopes a token has (None when none are given: every scope)."""
    for scope in scopes:
        if scope not in SCOPES:
            raise TokenError(f"invalid scope {scope!r}: use {', '.join(SCOPES)}")
    return tuple(dict.fromkeys(scopes)) or None


class TokenStore:
    """The ``api_tokens`` table, through an ``execute(sql, params)`` of the service's database."""

    def __init__(self, execute: Execute, *, clock: Callable[[], float] = time.time) -> None:
        self._execute = execute
        self._clock = clock

    def create(self, name: str, *, accounts: Sequence[str] = (), scopes: Sequence[str] = (),
               rate: str | None = None) -> str:
        """Store a new token and return it (the only time it is ever shown)."""
        name = validate_name(name)
        account_list = validate_accounts(accounts)
        scope_list = validate_scopes(scopes)
        try:
            parsed_rate = parse_rate(rate) if rate is not None else None
        except ValueError as exc:
            raise TokenError(f"invalid rate: {exc}") from None
        lookup = secrets.token_hex(_LOOKUP_HEX // 2)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        try:
            self._execute(
                "INSERT INTO api_tokens (name, lookup, salt, digest, accounts, scopes, rate, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (name, lookup, salt, _digest(salt, secret), _json_or_null(account_list), _json_or_null(scope_list),
                 str(parsed_rate) if parsed_rate else None, self._now()),
            )
        except sqlite3.IntegrityError:
            raise TokenError(f"a token named {name!r} exists already (revoke it first)") from None
        return f"{PREFIX}{lookup}_{secret}"

    def revoke(self, name: str) -> None:
        """Delete token ``name``; TokenError when there is none."""
        if not self._execute("DELETE FROM api_tokens WHERE name = ? RETURNING name", (name,)):
            raise TokenError(f"no token named {name!r}")

    def list(self) -> list[Token]:
        """Every token, by name."""
        rows = self._execute(f"SELECT {_COLUMNS} FROM api_tokens ORDER BY name", ())
        return [_token(row) for row in rows]

    def authenticate(self, presented: str) -> Token | None:
        """The token ``presented`` is, or None when it is malformed, unknown or revoked."""
        match = _TOKEN.match(presented or "")
        if not match:
            return None
        lookup, secret = match.groups()
        rows = self._execute(f"SELECT {_COLUMNS}, salt, digest FROM api_tokens WHERE lookup = ?", (lookup,))
        if not rows:
            return None
        *columns, salt, digest = rows[0]
        if not hmac.compare_digest(_digest(salt, secret), digest):
            return None
        token = _token(tuple(columns))
        self._touch(token)
        return token

    def _touch(self, token: Token) -> None:
        now = self._now()
        if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL_MS:
            return
        try:
            self._execute("UPDATE api_tokens SET last_used_at = ? WHERE name = ?", (now, token.name))
        except sqlite3.Error as exc:
            # Only bookkeeping: a database that refuses writes must not refuse a valid token.
            log.warning("could not record the use of token %s: %s", token.name, exc)

    def _now(self) -> int:
        return int(self._clock() * 1000)


_COLUMNS = "name, accounts, scopes, rate, created_at, last_used_at"


def _json_or_null(values: tuple[str, ...] | None) -> str | None:
    return None if values is None else json.dumps(list(values))


def _token(row: tuple) -> Token:
    name, accounts, scopes, rate, created_at, last_used_at = row
    return Token(
        name=name,
        accounts=tuple(json.loads(accounts)) if accounts is not None else None,
        scopes=tuple(json.loads(scopes)) if scopes is not None else None,
        rate=parse_rate(rate) if rate is not None else None,
        created_at=created_at,
        last_used_at=last_used_at,
    )
