"""The one interface every signal-cli backend implements.

A backend knows one primitive, ``call(method, params, account=...)``, named and shaped like
signal-cli's JSON-RPC methods, and one way to fetch incoming messages. Typed helpers used by
the views are written once here on top of those, so neither implementation repeats them.
"""
from __future__ import annotations

import abc
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from signal_api.errors.backend import SignalCliError, UnexpectedError

log = logging.getLogger(__name__)

MessageHandler = Callable[[list[dict[str, Any]]], None]
#: Told of every signal-cli call: (command, seconds, the error it raised or None).
CallObserver = Callable[[str, float, BaseException | None], None]
#: Told of every finished ``call``: (command, account, the error it raised or None). Must not raise.
OutcomeObserver = Callable[[str, "str | None", "BaseException | None"], None]


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


@dataclass(frozen=True)
class Probe:
    """What a quick look at signal-cli found (:meth:`SignalBackend.probe`)."""

    ok: bool
    #: What answered, or why nothing did (the error's message).
    detail: str
    #: The registered local accounts signal-cli listed (empty when it did not answer).
    registered: tuple[str, ...] = ()


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
        #: Set by the app (metrics): told of every ``call`` and ``poll``, whichever backend.
        self.call_observer: CallObserver | None = None
        #: Set by the app (account events): told how every ``call`` ended, for which account.
        self.outcome_observer: OutcomeObserver | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The one instrumentation point of every backend, present and future: each
        # implementation's own call() and poll() are timed here, so none can forget it.
        super().__init_subclass__(**kwargs)
        for name, command in (("call", None), ("poll", "receive")):
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "_observed", False):
                setattr(cls, name, _observed(method, command))

    def trust_mode_for(self, account: str | None) -> str | None:
        """The configured trust mode of ``account``, if any."""
        if account is None or self.trust_mode_lookup is None:
            return None
        return self.trust_mode_lookup(account)

    def start(self) -> None:
        """Start background work (daemon, reader). Called once by the server, never by views."""

    def take_lead(self) -> None:
        """This worker now leads (``WORKERS`` > 1): run the daemon and take what it receives."""

    def stop(self) -> None:
        """Stop background work and release processes and sockets."""

    def add_message_handler(self, handler: MessageHandler) -> None:
        """Register a callable that gets each batch of ``{"envelope", "account"}`` messages received.

        The handler owns the messages from then on (signal-cli has acknowledged them): it must
        keep what it cannot store rather than raise.
        """
        self._message_handlers.append(handler)

    def hold_intake(self) -> None:
        """Take no more messages from signal-cli until ``resume_intake`` (the kept ones reached their limit)."""

    def resume_intake(self) -> None:
        """Take messages from signal-cli again."""

    def _publish(self, messages: list[dict[str, Any]]) -> None:
        # No exception is swallowed here: a handler that raised has not kept the messages, and
        # the caller must stop taking more (the CLI stream ends its process, the JSON-RPC
        # reader logs it loudly).
        if not messages:
            return
        for handler in list(self._message_handlers):
            handler(messages)

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

    def malformed_account_message(self, opens_account: bool) -> str | None:
        """signal-cli's words for an account number that can name no account, when they are not the CLI's.

        ``opens_account`` is True for the commands that open an account themselves (register,
        verify, deleteLocalAccountData). None means the CLI's ``Invalid account (phone number)…``.
        """
        return None

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

    def probe(self, timeout: float) -> Probe:
        """Ask signal-cli, within ``timeout`` seconds, whether it answers and which accounts are registered.

        One ``listAccounts``: the cheapest call that needs a working signal-cli (or daemon) and
        tells the registered accounts too. Never raises for signal-cli's failures: they are the answer.
        """
        started = time.monotonic()
        try:
            registered = self.list_accounts(timeout=timeout)
        except SignalCliError as exc:
            return Probe(False, exc.message)
        return Probe(True, f"listAccounts answered in {time.monotonic() - started:.2f} s", tuple(registered))

    # Typed helpers shared by both implementations.

    def list_accounts(self, *, timeout: float | None = None) -> list[str]:
        """The numbers of the registered local accounts."""
        result = self.call("listAccounts", timeout=timeout) or []
        return [entry["number"] for entry in result if isinstance(entry, dict) and entry.get("number")]

    def send_message(self, account: str, params: dict[str, Any]) -> SendResult:
        """Run ``send`` and read its result."""
        return SendResult.parse(self.call("send", params, account=account))


def _observed(method: Callable[..., Any], command: str | None) -> Callable[..., Any]:
    """``method`` reporting each call to the backend's ``call_observer`` (``command`` or its first argument)."""

    @functools.wraps(method)
    def observed(self: SignalBackend, *args: Any, **kwargs: Any) -> Any:
        observer = self.call_observer
        # poll() names its account positionally and is no command of a client: only call() is an outcome.
        outcome = self.outcome_observer if command is None else None
        if observer is None and outcome is None:
            return method(self, *args, **kwargs)
        name = command or (args[0] if args else kwargs.get("method", "?"))
        started = time.perf_counter()
        try:
            result = method(self, *args, **kwargs)
        except BaseException as exc:
            _report(observer, outcome, name, kwargs.get("account"), time.perf_counter() - started, exc)
            raise
        _report(observer, outcome, name, kwargs.get("account"), time.perf_counter() - started, None)
        return result

    observed._observed = True  # type: ignore[attr-defined]
    return observed


def _report(observer: CallObserver | None, outcome: OutcomeObserver | None, name: str, account: Any,
            seconds: float, error: BaseException | None) -> None:
    if observer is not None:
        observer(name, seconds, error)
    if outcome is not None:
        try:
            outcome(str(name), account if isinstance(account, str) else None, error)
        except Exception:  # what the call did stands, whatever its observer makes of it
            log.exception("outcome observer failed for %s", name)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
