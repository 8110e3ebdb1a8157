"""The daemon backend (modes ``json-rpc`` and ``json-rpc-native``).

Calls go to one ``signal-cli daemon`` in multi-account mode through :class:`JsonRpcClient`.
Incoming ``receive`` notifications are handed, batch by batch, to the registered message
handlers (the durable inbox).
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from signal_api.signalcli.base import SignalBackend
from signal_api.signalcli.daemon import DaemonSupervisor
from signal_api.signalcli.errors import InvalidRequestError, SignalCliError, UnexpectedError, UserError
from signal_api.signalcli.jsonrpc import JsonRpcClient

log = logging.getLogger(__name__)

UNKNOWN_ACCOUNT = "Specified account does not exist"
# Methods whose params are a typed record: signal-cli rejects any key it does not know.
TYPED_PARAM_METHODS = frozenset({"register", "verify", "receive", "finishLink", "unsubscribeReceive"})


class JsonRpcBackend(SignalBackend):
    """Sends every call to the daemon; keeps what it pushes."""

    transport = "json-rpc"
    pushes_messages = True

    def __init__(
        self,
        client_factory: Any,
        *,
        supervisor: DaemonSupervisor | None = None,
        link_timeout: float = 120.0,
    ) -> None:
        super().__init__()
        #: How long a background finishLink waits for the phone to scan.
        self.link_timeout = link_timeout
        self.client: JsonRpcClient = client_factory(self._on_notifications)
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
        trust = self.trust_mode_for(account)
        if trust and method not in TYPED_PARAM_METHODS:
            request["trustNewIdentities"] = trust
        try:
            return self.client.call(method, request, timeout=timeout)
        except InvalidRequestError as exc:
            if account is not None and exc.message == UNKNOWN_ACCOUNT:
                # Same text as the CLI modes give, and it names the account.
                raise UserError(f"User {account} is not registered.") from exc
            raise

    def start_link(self, device_name: str) -> str:
        result = self.call("startLink")
        uri = result.get("deviceLinkUri") if isinstance(result, dict) else None
        if not isinstance(uri, str) or not uri:
            raise UnexpectedError(f"Couldn't parse startLink response: {result!r}")
        thread = threading.Thread(target=self._finish_link, args=(uri, device_name), daemon=True,
                                  name="finishLink")
        thread.start()
        return uri

    def _finish_link(self, uri: str, device_name: str) -> None:
        # finishLink blocks until the phone scans; the daemon then serves the new account at once.
        try:
            result = self.call("finishLink", {"deviceLinkUri": uri, "deviceName": device_name},
                               timeout=self.link_timeout)
        except SignalCliError as exc:
            log.warning("linking %r did not complete: %s", device_name, exc.message)
            return
        log.info("device %r linked as %s", device_name, (result or {}).get("number"))

    def _on_notifications(self, notifications: list[tuple[str, Any]]) -> None:
        messages = []
        for method, params in notifications:
            if method != "receive" or not isinstance(params, dict):
                continue
            # Subscriptions wrap the message as {"subscription": N, "result": {...}}.
            message = params.get("result") if "subscription" in params else params
            if not isinstance(message, dict) or "envelope" not in message:
                log.warning("ignoring a receive notification without envelope: %s", params)
                continue
            messages.append(message)
        self._publish(messages)
