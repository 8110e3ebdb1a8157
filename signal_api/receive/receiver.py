"""Receiving without loss: the path from signal-cli to the inbox, and from the inbox to clients.

Every message the backend hands over is stored first (through the :class:`Intake`, which keeps
it in memory while the inbox cannot be written), then published to live subscribers. Clients
read from the inbox: ``GET /v1/receive`` takes each message once, WebSocket clients get every
message live and may replay from a cursor. When the backend does not push
messages by itself (subprocess modes), the receiver runs ``receive`` for an account: once per
GET, and in a loop while WebSocket clients are attached to it (one loop per account). While
storage fails no new ``receive`` starts, so what Signal still holds stays there.
"""
from __future__ import annotations

import logging
import threading
from collections import defaultdict
from typing import Any

from signal_api.receive.hub import ReceiveHub
from signal_api.receive.intake import DEFAULT_LIMIT, Intake
from signal_api.receive.reserve import KeptReserve
from signal_api.signalcli import ReceiveOptions, SignalBackend
from signal_api.errors.backend import SignalCliError
from signal_api.storage.inbox import HTTP_CONSUMER, Inbox, StoredMessage

log = logging.getLogger(__name__)

LOOP_RECEIVE_TIMEOUT = 5.0
LOOP_ERROR_PAUSE = 5.0
# How often a receive loop held off by failing storage looks again (and notices a stop).
HOLD_CHECK = 1.0


def complete_envelope(payload: dict[str, Any]) -> None:
    """Add the fields clients require that signal-cli 0.13 does not print, in place.

    signalbot 2.2.1 validates every frame against the schema of signal-cli-rest-api ≥ 0.101,
    where an attachment's ``isVoiceNote`` is required: without it the whole message is rejected.
    """
    envelope = payload.get("envelope")
    if not isinstance(envelope, dict):
        return
    sync = envelope.get("syncMessage")
    edit = envelope.get("editMessage")
    for message in (envelope.get("dataMessage"),
                    edit.get("dataMessage") if isinstance(edit, dict) else None,
                    sync.get("sentMessage") if isinstance(sync, dict) else None):
        if isinstance(message, dict):
            for attachment in message.get("attachments") or ():
                if isinstance(attachment, dict):
                    attachment.setdefault("isVoiceNote", False)


class Receiver:
    """Connects the backend, the inbox and the live subscribers."""

    def __init__(self, backend: SignalBackend, inbox: Inbox, hub: ReceiveHub, *,
                 kept_limit: int = DEFAULT_LIMIT, reserve: KeptReserve | None = None) -> None:
        self.backend = backend
        self.inbox = inbox
        self.hub = hub
        # A subprocess backend is held at the first failure: a receive still running would go on
        # taking what Signal could keep instead. A daemon pushes anyway: it is held at the limit.
        self.intake = Intake(inbox, limit=kept_limit if backend.pushes_messages else 1, reserve=reserve)
        self.intake.on_hold(backend.hold_intake)
        self.intake.on_resume(backend.resume_intake)
        self._lock = threading.Lock()
        self._receiving: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._attached: dict[str, int] = defaultdict(int)
        self._loops: dict[str, threading.Thread] = {}
        self._stopping = threading.Event()
        backend.add_message_handler(self.store)
        inbox.add_listener(hub.publish)

    def store(self, payloads: list[dict[str, Any]]) -> None:
        """Store messages from the backend, or keep them until they can be (the inbox publishes them)."""
        for payload in payloads:
            complete_envelope(payload)
        self.intake.accept(payloads)

    @property
    def storage_failure(self) -> str | None:
        """Why received messages cannot be stored now (None while they can)."""
        return self.intake.failure

    def stop(self) -> None:
        """Ask the receive loops to end and cancel the receives they are running."""
        self._stopping.set()
        self.backend.cancel_polls()

    def join(self) -> None:
        """Wait for the receive loops to end, then store what is kept (after ``stop`` and the backend's)."""
        for thread in list(self._loops.values()):
            thread.join(timeout=LOOP_RECEIVE_TIMEOUT + 5)
        self.intake.close()

    # GET /v1/receive

    def take(self, account: str, options: ReceiveOptions) -> list[StoredMessage]:
        """Messages of ``account`` no GET consumer has taken yet (fetching them first if needed)."""
        if not self.backend.pushes_messages:
            lock = self._receiving[account]
            # While a loop (or another GET) is already receiving for this account, wait for
            # what it stores instead of starting a second signal-cli on the same account.
            if self.intake.healthy and lock.acquire(blocking=False):
                try:
                    self.backend.poll(account, options)
                finally:
                    lock.release()
                return self.inbox.take(HTTP_CONSUMER, account, limit=options.max_messages)
        return self.inbox.take(HTTP_CONSUMER, account, limit=options.max_messages, timeout=max(options.timeout, 0))

    # WebSocket clients

    def attach(self, account: str) -> None:
        """A live client wants ``account``'s messages: make sure someone receives them."""
        if self.backend.pushes_messages:
            return
        with self._lock:
            self._attached[account] += 1
            loop = self._loops.get(account)
            if loop is None or not loop.is_alive():
                loop = threading.Thread(target=self._loop, args=(account,), name=f"receive-{account}", daemon=True)
                self._loops[account] = loop
                loop.start()

    def detach(self, account: str) -> None:
        """A live client left."""
        if self.backend.pushes_messages:
            return
        with self._lock:
            self._attached[account] = max(0, self._attached[account] - 1)

    def _wanted(self, account: str) -> bool:
        with self._lock:
            if self._attached[account] > 0 and not self._stopping.is_set():
                return True
            if self._loops.get(account) is threading.current_thread():
                del self._loops[account]
            return False

    def _loop(self, account: str) -> None:
        options = ReceiveOptions(timeout=LOOP_RECEIVE_TIMEOUT)
        while self._wanted(account):
            if not self.intake.wait_healthy(HOLD_CHECK):
                continue
            try:
                with self._receiving[account]:
                    self.backend.poll(account, options)
            except SignalCliError as exc:
                log.warning("receive loop for %s: %s", account, exc.message)
                self._stopping.wait(LOOP_ERROR_PAUSE)
            except Exception:  # the loop must outlive any single failure
                log.exception("receive loop for %s failed", account)
                self._stopping.wait(LOOP_ERROR_PAUSE)

    # Scheduled receive

    def receive_account(self, account: str, options: ReceiveOptions) -> int:
        """Fetch ``account``'s messages into the inbox now (scheduled receive)."""
        if self.backend.pushes_messages:
            return 0  # the daemon receives continuously
        if not self.intake.healthy:
            log.warning("scheduled receive for %s held off: %s", account, self.intake.failure)
            return 0
        with self._receiving[account]:
            return self.backend.poll(account, options)
