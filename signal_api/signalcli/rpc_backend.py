"""The daemon backend (modes ``json-rpc`` and ``json-rpc-native``).

Calls go to one ``signal-cli daemon`` in multi-account mode through :class:`JsonRpcClient`.
Incoming ``receive`` notifications are handed to the registered message handlers and kept
per account until a receive takes them, so a plain ``GET /v1/receive`` works in this mode too.
"""
from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Any

from signal_api.signalcli.base import ReceiveOptions, SignalBackend
from signal_api.signalcli.daemon import DaemonSupervisor
from signal_api.signalcli.errors import InvalidRequestError, UserError
from signal_api.signalcli.jsonrpc import JsonRpcClient

log = logging.getLogger(__name__)

UNKNOWN_ACCOUNT = "Specified account does not exist"


class PendingMessages:
    """Messages received from the daemon and not yet taken, per account, in arrival order."""

    def __init__(self) -> None:
        self._queues: dict[str, collections.deque[dict[str, Any]]] = collections.defaultdict(collections.deque)
        self._condition = threading.Condition()

    def put(self, message: dict[str, Any]) -> None:
        """Keep one ``{"envelope", "account"}`` message."""
        with self._condition:
            self._queues[str(message.get("account"))].append(message)
            self._condition.notify_all()

    def take(self, account: str, *, timeout: float, limit: int = 0) -> list[dict[str, Any]]:
        """Take pending messages, waiting up to ``timeout`` seconds for the first one."""
        deadline = time.monotonic() + max(timeout, 0)
        with self._condition:
            queue = self._queues[account]
            while not queue:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._condition.wait(remaining)
            count = len(queue) if limit <= 0 else min(limit, len(queue))
            return [queue.popleft() for _ in range(count)]


class JsonRpcBackend(SignalBackend):
    """Sends every call to the daemon; keeps what it pushes."""

    transport = "json-rpc"

    def __init__(
        self,
        client_factory: Any,
        *,
        supervisor: DaemonSupervisor | None = None,
    ) -> None:
        super().__init__()
        self.pending = PendingMessages()
        self.client: JsonRpcClient = client_factory(self._on_notification)
        self.supervisor = supervisor

    def start(self) -> None:
        if self.supervisor is not None:
            self.supervisor.start()
        self.client.start()

    def stop(self) -> None:
        self.client.close()
        if self.supervisor is not None:
            self.supervisor.stop()

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        account: str | None = None,
        timeout: float | None = None,
    ) -> Any:
        request = dict(params or {})
        if account is not None:
            request["account"] = account
        try:
            return self.client.call(method, request, timeout=timeout)
        except InvalidRequestError as exc:
            if account is not None and exc.message == UNKNOWN_ACCOUNT:
                # Same text as the CLI modes give, and it names the account.
                raise UserError(f"User {account} is not registered.") from exc
            raise

    def fetch_messages(self, account: str, options: ReceiveOptions) -> list[dict[str, Any]]:
        return self.pending.take(account, timeout=options.timeout, limit=options.max_messages)

    def _on_notification(self, method: str, params: Any) -> None:
        if method != "receive" or not isinstance(params, dict):
            return
        # Subscriptions wrap the message as {"subscription": N, "result": {...}}.
        message = params.get("result") if "subscription" in params else params
        if not isinstance(message, dict) or "envelope" not in message:
            log.warning("ignoring a receive notification without envelope: %s", params)
            return
        self.pending.put(message)
        self._publish(message)
