"""The receive loop of a jsonRpc/daemon process: poll the shared queues and fan envelopes out.

Other processes (CLI ``send``/``simulateReceive``) append to the queues, so the hub polls the
state every ``POLL_INTERVAL`` seconds.  Which accounts it drains depends on the receive mode:
``on-start`` drains every local registered account all the time; ``on-connection`` and
``manual`` only drain accounts somebody listens to (a connection's auto-subscription, a
``subscribeReceive`` subscription or an SSE client), so nothing is consumed while nobody listens.
"""

from __future__ import annotations

import itertools
import sys
import threading
import traceback
from collections.abc import Callable

from . import inbox, state

POLL_INTERVAL = 0.025

Listener = Callable[[dict], None]


class ReceiveHub:
    """Delivers ``{"envelope","account"}`` items to listeners (and optionally a stdout printer)."""

    def __init__(self, config_dir: str, mode: str, single_account: str | None, flags: dict,
                 printer: Listener | None = None) -> None:
        self.config_dir = config_dir
        self.mode = mode
        self.single_account = single_account
        self.flags = flags
        self.printer = printer
        self._listeners: dict[int, tuple[str | None, Listener]] = {}
        self._lock = threading.Lock()
        self._listener_ids = itertools.count(1)
        self._subscription_ids = itertools.count(0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def next_subscription_id(self) -> int:
        return next(self._subscription_ids)

    def add_listener(self, account: str | None, callback: Listener) -> int:
        """Listen to one account's envelopes (``None``: all accounts)."""
        with self._lock:
            listener_id = next(self._listener_ids)
            self._listeners[listener_id] = (account, callback)
            return listener_id

    def remove_listener(self, listener_id: int) -> None:
        with self._lock:
            self._listeners.pop(listener_id, None)

    def has_listener(self, number: str) -> bool:
        with self._lock:
            return any(acc in (None, number) for acc, _ in self._listeners.values())

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="receive-hub", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _run(self) -> None:
        while not self._stop.wait(POLL_INTERVAL):
            try:
                self.poll_once()
            except Exception:  # noqa: BLE001 - keep receiving even if one envelope is broken
                traceback.print_exc(file=sys.stderr)

    def _wanted(self, number: str) -> bool:
        if self.single_account and number != self.single_account:
            return False
        return self.mode == "on-start" or self.has_listener(number)

    def poll_once(self) -> None:
        cfg = self.config_dir
        numbers = [n for n in state.pending_numbers(cfg) if self._wanted(n)]
        if not numbers:
            return
        registered = {a["number"] for a in state.registered_accounts(cfg)}
        for number in numbers:
            if number not in registered:
                continue
            for entry in inbox.pending(cfg, number):
                if self._stop.is_set() or not self._wanted(number):
                    return
                self._dispatch(inbox.prepare(cfg, number, entry, self.flags))
                inbox.ack(cfg, number, entry)

    def _dispatch(self, item: dict) -> None:
        if self.printer is not None:
            self.printer(item)
        with self._lock:
            callbacks = [cb for acc, cb in self._listeners.values() if acc in (None, item["account"])]
        for callback in callbacks:
            try:
                callback(item)
            except Exception:  # noqa: BLE001 - a broken connection must not stop delivery to others
                traceback.print_exc(file=sys.stderr)
