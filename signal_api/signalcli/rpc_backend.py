"""The daemon backend (modes ``json-rpc`` and ``json-rpc-native``).

Calls go to one ``signal-cli daemon`` in multi-account mode through :class:`JsonRpcClient`.
Incoming ``receive`` notifications are handed, batch by batch, to the registered message
handlers (the durable inbox).

A ``shared`` backend is one of several workers' (``WORKERS`` > 1): each connects for its calls,
but only after :meth:`JsonRpcBackend.take_lead` does it run the daemon and subscribe to what it
receives.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from signal_api.signalcli.base import Probe, SignalBackend
from signal_api.signalcli.daemon import DaemonSupervisor
from signal_api.errors.backend import SignalCliError, UnexpectedError
from signal_api.signalcli.jsonrpc import JsonRpcClient
from signal_api.signalcli.linking import DEFAULT_LIMIT as DEFAULT_LINK_LIMIT
from signal_api.signalcli.linking import PendingLink, PendingLinks

log = logging.getLogger(__name__)

HOLD_REASON = "not connected to signal-cli while received messages cannot be stored (see GET /v1/health)"
# Params the original's daemon requests leave out when empty (Go's omitempty), where its CLI
# passes them as an (empty) argument: signal-cli then answers each in its own words.
LEFT_OUT_WHEN_EMPTY = ("recipient",)
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
        link_limit: int = DEFAULT_LINK_LIMIT,
        shared: bool = False,
    ) -> None:
        super().__init__()
        self.shared = shared
        #: True when this process runs the daemon and takes what it receives.
        self.leading = not shared
        #: How long a background finishLink waits for the phone to scan.
        self.link_timeout = link_timeout
        #: The startLinks whose finishLink is still waiting, by device name.
        self.pending_links = PendingLinks(link_limit, deadline=link_timeout)
        self.client: JsonRpcClient = client_factory(self._on_notifications)
        self.supervisor = supervisor

    def start(self) -> None:
        if self.leading and self.supervisor is not None:
            self.supervisor.start()
        self.client.start()

    def take_lead(self) -> None:
        if self.leading:
            return
        self.leading = True
        if self.supervisor is not None:
            self.supervisor.start()
        self.client.subscribe_on_connect()

    def stop(self) -> None:
        self.client.close()
        if self.leading and self.supervisor is not None:
            self.supervisor.stop()

    def hold_intake(self) -> None:
        # The service's daemon runs with --receive-mode on-connection (manual with several workers,
        # where only the leader subscribes): without our connection it fetches nothing from
        # Signal, which keeps the messages until we come back. A worker that does not lead
        # receives nothing: pausing would only fail its calls.
        if self.leading:
            self.client.pause(HOLD_REASON)

    def resume_intake(self) -> None:
        self.client.resume()

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        account: str | None = None,
        timeout: float | None = None,
    ) -> Any:
        request = {key: value for key, value in (params or {}).items()
                   if not (key in LEFT_OUT_WHEN_EMPTY and value == "")}
        if account is not None:
            request["account"] = account
        trust = self.trust_mode_for(account)
        if trust and method not in TYPED_PARAM_METHODS:
            request["trustNewIdentities"] = trust
        # The daemon's own words, as the original passes them on ("Specified account does not
        # exist" for an account it does not serve, where the CLI says "User X is not registered.").
        return self.client.call(method, request, timeout=timeout)

    def malformed_account_message(self, opens_account: bool) -> str | None:
        # The daemon looks the number up among its accounts; its registration methods check it first.
        return "Method requires valid account parameter" if opens_account else "Specified account does not exist"

    def probe(self, timeout: float) -> Probe:
        # A daemon of ours that is not running (restarting with backoff) answers no call: say so
        # at once instead of waiting for the connection.
        if self.leading and self.supervisor is not None and self.supervisor.pid is None:
            return Probe(False, "signal-cli daemon is not running")
        return super().probe(timeout)

    def start_link(self, device_name: str) -> str:
        return self.pending_links.open(device_name, lambda link: self._start_link(link, device_name),
                                       timeout=self.link_timeout)

    def _start_link(self, link: PendingLink, device_name: str) -> str:
        result = self.call("startLink")
        uri = result.get("deviceLinkUri") if isinstance(result, dict) else None
        if not isinstance(uri, str) or not uri:
            raise UnexpectedError(f"Couldn't parse startLink response: {result!r}")
        thread = threading.Thread(target=self._finish_link, args=(link, uri, device_name), daemon=True,
                                  name="finishLink")
        thread.start()
        return uri

    def _finish_link(self, link: PendingLink, uri: str, device_name: str) -> None:
        # finishLink blocks until the phone scans; the daemon then serves the new account at once.
        try:
            result = self.call("finishLink", {"deviceLinkUri": uri, "deviceName": device_name},
                               timeout=self.link_timeout)
        except SignalCliError as exc:
            log.warning("linking %r did not complete: %s", device_name, exc.message)
            return
        finally:
            self.pending_links.close(link)
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
