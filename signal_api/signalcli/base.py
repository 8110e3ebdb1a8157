"""The one interface every signal-cli backend implements.

A backend knows one primitive, ``call(method, params, account=...)``, named and shaped like
signal-cli's JSON-RPC methods, and one way to fetch incoming messages. Typed helpers used by
the views are written once here on top of those, so neither implementation repeats them.
"""
from __future__ import annotations

import abc
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from signal_api.signalcli.errors import UnexpectedError

log = logging.getLogger(__name__)

MessageHandler = Callable[[list[dict[str, Any]]], None]


@dataclass(frozen=True)
class ReceiveOptions:
    """Options of one receive (the query parameters of ``GET /v1/receive``)."""

    timeout: float = 1.0
    max_messages: int = 0
    ignore_attachments: bool = False
    ignore_stories: bool = False
    ignore_avatars: bool = False
    ignore_stickers: bool = False
    send_read_receipts: bool = False

    def as_params(self) -> dict[str, Any]:
        """The signal-cli ``receive`` options these settings stand for."""
        params: dict[str, Any] = {"timeout": _number(self.timeout)}
        for name in ("ignore_attachments", "ignore_stories", "ignore_avatars", "ignore_stickers"):
            if getattr(self, name):
                params[_camel(name)] = True
        if self.max_messages > 0:
            params["maxMessages"] = self.max_messages
        if self.send_read_receipts:
            params["sendReadReceipts"] = True
        return params


@dataclass(frozen=True)
class RecipientFailure:
    """One recipient a send did not reach (an entry of ``errors.recipients``)."""

    reason: str
    number: str | None = None
    uuid: str | None = None
    username: str | None = None

    def as_dict(self) -> dict[str, str]:
        """The original's JSON shape: keys present only when set."""
        out = {k: v for k, v in (("number", self.number), ("uuid", self.uuid), ("username", self.username)) if v}
        out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class SendResult:
    """What signal-cli answered to a send-like command."""

    timestamp: int
    failures: list[RecipientFailure] = field(default_factory=list)

    @classmethod
    def parse(cls, result: Any) -> SendResult:
        """Read signal-cli's ``{"timestamp", "results": [...]}``."""
        if not isinstance(result, dict) or not isinstance(result.get("timestamp"), int):
            raise UnexpectedError(f"unexpected signal-cli send result: {result!r}")
        failures = []
        for entry in result.get("results") or []:
            if not isinstance(entry, dict) or entry.get("type") in (None, "SUCCESS"):
                continue
            address = entry.get("recipientAddress") or {}
            failures.append(
                RecipientFailure(
                    reason=str(entry["type"]),
                    number=address.get("number"),
                    uuid=address.get("uuid"),
                    username=address.get("username"),
                )
            )
        return cls(timestamp=result["timestamp"], failures=failures)


class SignalBackend(abc.ABC):
    """A way to run signal-cli commands; chosen once at start-up by ``make_backend``."""

    #: Short name shown in logs ("cli" or "json-rpc").
    transport: str = ""
    #: True when messages arrive by themselves (a daemon pushes them); False when someone must
    #: run ``poll`` for an account to fetch them.
    pushes_messages: bool = False

    def __init__(self) -> None:
        self._message_handlers: list[MessageHandler] = []
        #: Returns the trust mode configured for an account (``on-first-use``, ``always``,
        #: ``never``) or None; set by the app, applied by each implementation to every call.
        self.trust_mode_lookup: Callable[[str], str | None] | None = None

    def trust_mode_for(self, account: str | None) -> str | None:
        """The configured trust mode of ``account``, if any."""
        if account is None or self.trust_mode_lookup is None:
            return None
        return self.trust_mode_lookup(account)

    def start(self) -> None:
        """Start background work (daemon, reader). Called once by the server, never by views."""

    def stop(self) -> None:
        """Stop background work and release processes and sockets."""

    def add_message_handler(self, handler: MessageHandler) -> None:
        """Register a callable that gets each batch of ``{"envelope", "account"}`` messages received."""
        self._message_handlers.append(handler)

    def _publish(self, messages: list[dict[str, Any]]) -> None:
        if not messages:
            return
        for handler in list(self._message_handlers):
            try:
                handler(messages)
            except Exception:  # one faulty consumer must not stop delivery to the others
                log.exception("message handler failed")

    @abc.abstractmethod
    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        account: str | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Run one signal-cli command and return its JSON result (``None`` when it prints nothing).

        Raises:
            SignalCliError: a subclass naming what went wrong.
        """

    def cancel_polls(self) -> None:
        """End every ``poll`` in progress (at shutdown)."""

    def start_link(self, device_name: str) -> str:
        """Begin linking this service as a new device; return the ``sgnl://linkdevice`` URI.

        The link completes in the background once the phone scans the URI; the new account then
        appears in ``listAccounts``. Raises SignalCliError when no URI could be obtained.
        """
        raise UnexpectedError(f"the {self.transport or 'current'} backend cannot link devices")

    def poll(self, account: str, options: ReceiveOptions) -> int:
        """Fetch ``account``'s waiting messages from Signal into the handlers; return how many.

        Only needed when ``pushes_messages`` is False; a pushing backend has nothing to do.
        """
        return 0

    # Typed helpers shared by both implementations.

    def list_accounts(self) -> list[str]:
        """The numbers of the registered local accounts."""
        result = self.call("listAccounts") or []
        return [entry["number"] for entry in result if isinstance(entry, dict) and entry.get("number")]

    def send_message(self, account: str, params: dict[str, Any]) -> SendResult:
        """Run ``send`` and read its result."""
        return SendResult.parse(self.call("send", params, account=account))


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
