"""``RECEIVE_WEBHOOK_URL``: POST every stored message to a webhook, durably, in order, with retries.

The original POSTs each JSON-RPC ``receive`` notification synchronously inside its single reader
loop, with no timeout, no retry and no signature, so a slow webhook stalls every API call and a
failed POST loses the message. Here the pending deliveries live in the ``webhook_deliveries``
table (written in the same transaction as the message), a worker thread sends them with a
per-attempt timeout and exponential backoff, and a restart carries on where it stopped.

The body is the original's notification, ``{"jsonrpc":"2.0","method":"receive","params":{...}}``,
its params what every client gets (:meth:`StoredMessage.client_payload`: with REST group ids).
Account events never go to ``RECEIVE_WEBHOOK_URL``; a subscription of kind ``rate_limit`` (or of
every kind) gets each as ``{"jsonrpc":"2.0","method":"<event name>","params":{<the event>}}``.
Extra headers: ``X-Signal-Api-Delivery`` (the message cursor, an idempotency key: a message can
arrive twice when a response is lost) and, with a secret, ``X-Signal-Api-Timestamp`` plus
``X-Signal-Api-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``.

The same engine serves the subscriptions of ``/v1/webhooks`` (:class:`SubscriptionDispatchers`):
each subscription has its own queue (``webhook_deliveries.subscription_id``), its own worker and
its own failure state, so an endpoint that fails or hangs holds back only its own messages. Their
POSTs also carry ``X-Signal-Api-Subscription`` (the subscription's id) and are signed with the
subscription's secret; where they may connect is checked on the address actually connected to
(:mod:`signal_api.receive.webhook_urls`).
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from signal_api.receive.scheduler import BackgroundLoop
from signal_api.storage.inbox import Inbox, StoredMessage, stored_message
from signal_api.storage.webhook_subscriptions import ENV_WEBHOOK, Subscription, SubscriptionStore

log = logging.getLogger(__name__)

DELIVERY_HEADER = "X-Signal-Api-Delivery"
TIMESTAMP_HEADER = "X-Signal-Api-Timestamp"
SIGNATURE_HEADER = "X-Signal-Api-Signature"
SUBSCRIPTION_HEADER = "X-Signal-Api-Subscription"
SIGNATURE_PREFIX = "sha256="

# Re-check the table at least this often, even without a wake-up.
MAX_IDLE_SECONDS = 1.0
MAX_ERROR_LENGTH = 500
# Keeps base_delay * 2**n a float however large max_attempts is; max_delay caps it anyway.
MAX_BACKOFF_EXPONENT = 32


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-Signal-Api-Signature`` value: ``sha256=`` + hex HMAC-SHA256 of ``"<timestamp>.<body>"``."""
    message = f"{timestamp}.".encode() + body
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(secret: str, timestamp: int | str, body: bytes, header: str | None) -> bool:
    """True when ``header`` is the signature of ``body`` at ``timestamp`` (constant-time compare).

    Receivers should also reject old timestamps and de-duplicate on ``X-Signal-Api-Delivery``.
    """
    if not header:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), header.strip().encode())


def notification_body(payload: dict[str, Any], method: str = "receive") -> bytes:
    """The original's webhook body: the JSON-RPC ``receive`` notification as compact JSON.

    An account event (only for subscriptions) is a notification whose method is the event's name.
    """
    notification = {"jsonrpc": "2.0", "method": method, "params": payload}
    return json.dumps(notification, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class _Delivery:
    message: StoredMessage
    attempts: int
    next_attempt_ms: int

    @property
    def cursor(self) -> int:
        return self.message.cursor


@dataclass(frozen=True)
class _Outcome:
    status: int | None  # the HTTP status, None when there was no answer
    error: str | None  # None: delivered


#: Told the peer address of each connection; returns why it must not be used (None: it may).
AddressCheck = Callable[[str], "str | None"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """urllib would follow a 30x by re-sending the POST as a bodyless GET; count it as a failure."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _checked_connection(base: type[http.client.HTTPConnection], check: AddressCheck) -> Any:
    class CheckedConnection(base):  # type: ignore[valid-type, misc]
        # After connecting, before any byte of the request: the address is the one really used,
        # whatever the host name resolved to when the subscription was made.
        def connect(self) -> None:
            super().connect()
            peer = str(self.sock.getpeername()[0])
            reason = check(peer)
            if reason:
                self.close()
                raise OSError(f"refused to connect to {peer}: {reason}")

    return CheckedConnection


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, check: AddressCheck) -> None:
        super().__init__()
        self._connection = _checked_connection(http.client.HTTPConnection, check)

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(self._connection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, check: AddressCheck) -> None:
        super().__init__()
        self._connection = _checked_connection(http.client.HTTPSConnection, check)

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(self._connection, req, context=self._context)


def _opener(address_check: AddressCheck | None) -> urllib.request.OpenerDirector:
    if address_check is None:
        return urllib.request.build_opener(_NoRedirect)
    return urllib.request.build_opener(_NoRedirect, _CheckedHTTPHandler(address_check),
                                       _CheckedHTTPSHandler(address_check))


class WebhookDispatcher:
    """Delivers one webhook's pending deliveries from its own thread.

    Deliveries go out one at a time, oldest message first, and a failure ends the pass: the
    receiver sees messages in the order they were stored, and an unreachable receiver costs one
    attempt per backoff step instead of one per queued message. A message that keeps failing holds
    the later ones back until it reaches ``max_attempts`` and is marked ``failed``.

    ``subscription_id`` picks the queue: :data:`ENV_WEBHOOK` is ``RECEIVE_WEBHOOK_URL``'s, any other
    a subscription's, whose row then also records how the last attempt went. ``listen`` False
    leaves waking the worker for new messages to the caller (:class:`SubscriptionDispatchers`).
    """

    def __init__(
        self,
        inbox: Inbox,
        url: str,
        *,
        secret: str | None,
        timeout: float,
        max_attempts: int,
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        clock: Callable[[], float] = time.time,
        on_attempt: Callable[[bool], None] | None = None,
        subscription_id: int = ENV_WEBHOOK,
        address_check: AddressCheck | None = None,
        listen: bool = True,
    ) -> None:
        self.inbox = inbox
        self.subscription_id = subscription_id
        #: Told whether each POST was delivered (metrics).
        self.on_attempt = on_attempt
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._clock = clock
        self._opener = _opener(address_check)
        # deliver_due() may be called while the worker runs; two passes at once would double-send.
        self._pass_lock = threading.Lock()
        self._listening = not listen
        name = "webhook dispatcher" if subscription_id == ENV_WEBHOOK else f"webhook dispatcher {subscription_id}"
        self._loop = BackgroundLoop(name, self._step, join_timeout=timeout + 1.0)

    def start(self) -> None:
        """Start the worker thread and have new messages wake it."""
        if not self._listening:
            self.inbox.add_listener(lambda batch: self.wake())
            self._listening = True
        self._loop.start()

    def stop(self, *, wait: bool = True) -> None:
        """Stop the worker; an attempt in flight ends within ``timeout`` (waited for unless not ``wait``).

        Pending rows stay for later.
        """
        self._loop.stop(wait=wait)

    def join(self) -> None:
        """Wait (bounded) for a worker stopped without waiting to finish its attempt."""
        self._loop.join()

    def wake(self) -> None:
        """Look for due deliveries now (called for each stored batch)."""
        self._loop.wake()

    def deliver_due(self) -> int:
        """One pass over the due deliveries, oldest first; returns how many were delivered."""
        return self._deliver_pass(lambda: False)

    # The worker

    def _step(self) -> float:
        self._deliver_pass(lambda: self._loop.stopping)
        return self._seconds_until_due()

    def _deliver_pass(self, should_stop: Callable[[], bool]) -> int:
        delivered = 0
        with self._pass_lock:
            while not should_stop():
                delivery = self._oldest_pending()
                if delivery is None or delivery.next_attempt_ms > self._now_ms():
                    break
                if not self._attempt(delivery):
                    break
                delivered += 1
        return delivered

    def _seconds_until_due(self) -> float:
        delivery = self._oldest_pending()
        if delivery is None:
            return MAX_IDLE_SECONDS
        return min(MAX_IDLE_SECONDS, max(0.0, (delivery.next_attempt_ms - self._now_ms()) / 1000))

    def _oldest_pending(self) -> _Delivery | None:
        rows = self.inbox.execute(
            "SELECT d.message_id, m.account, m.received_at, m.payload, d.attempts, d.next_attempt "
            "FROM webhook_deliveries d JOIN messages m ON m.id = d.message_id "
            "WHERE d.subscription_id = ? AND d.state = 'pending' ORDER BY d.message_id LIMIT 1",
            (self.subscription_id,),
        )
        if not rows:
            return None
        *message, attempts, next_attempt = rows[0]
        return _Delivery(stored_message(tuple(message)), attempts, next_attempt)

    # One attempt

    def _attempt(self, delivery: _Delivery) -> bool:
        outcome = self._post(delivery)
        if self.on_attempt is not None:
            self.on_attempt(outcome.error is None)
        if outcome.error is None:
            self._mark_delivered(delivery, outcome)
            return True
        self._mark_failed_attempt(delivery, outcome)
        return False

    def _post(self, delivery: _Delivery) -> _Outcome:
        """Send one delivery; its outcome (``error`` None on a 2xx)."""
        body = notification_body(delivery.message.client_payload(), delivery.message.event or "receive")
        request = urllib.request.Request(self.url, data=body, headers=self._headers(delivery, body), method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            return _Outcome(exc.code, f"HTTP {exc.code}")
        except urllib.error.URLError as exc:
            return _Outcome(None, _describe(exc.reason))
        except (OSError, ValueError, http.client.HTTPException) as exc:  # timeouts, resets, bad replies
            return _Outcome(None, _describe(exc))
        return _Outcome(status, None if 200 <= status < 300 else f"HTTP {status}")

    def _headers(self, delivery: _Delivery, body: bytes) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "signal-api-webhook",
            DELIVERY_HEADER: str(delivery.cursor),
        }
        if self.subscription_id != ENV_WEBHOOK:
            headers[SUBSCRIPTION_HEADER] = str(self.subscription_id)
        if self.secret:
            timestamp = str(int(self._clock()))
            headers[TIMESTAMP_HEADER] = timestamp
            headers[SIGNATURE_HEADER] = sign(self.secret, timestamp, body)
        return headers

    def _mark_delivered(self, delivery: _Delivery, outcome: _Outcome) -> None:
        now = self._now_ms()
        self._record(
            ("UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, last_error = NULL "
             "WHERE subscription_id = ? AND message_id = ? AND state = 'pending'",
             (self.subscription_id, delivery.cursor)),
            ("UPDATE webhook_subscriptions SET last_attempt_at = ?, last_delivered_at = ?, last_status = ?, "
             "last_error = NULL, consecutive_failures = 0 WHERE id = ?",
             (now, now, outcome.status, self.subscription_id)),
        )

    def _mark_failed_attempt(self, delivery: _Delivery, outcome: _Outcome) -> None:
        error = outcome.error or ""
        attempts = delivery.attempts + 1
        if attempts >= self.max_attempts:
            state, next_attempt = "failed", self._now_ms()
            log.error("%s: delivery of message %s failed for good after %d attempts: %s",
                      self._loop.name, delivery.cursor, attempts, error)
        else:
            state, next_attempt = "pending", self._now_ms() + int(self._backoff(attempts) * 1000)
            log.warning("%s: delivery of message %s failed (attempt %d of %d): %s",
                        self._loop.name, delivery.cursor, attempts, self.max_attempts, error)
        self._record(
            ("UPDATE webhook_deliveries SET attempts = ?, last_error = ?, next_attempt = ?, state = ? "
             "WHERE subscription_id = ? AND message_id = ? AND state = 'pending'",
             (attempts, error[:MAX_ERROR_LENGTH], next_attempt, state, self.subscription_id, delivery.cursor)),
            ("UPDATE webhook_subscriptions SET last_attempt_at = ?, last_status = ?, last_error = ?, "
             "consecutive_failures = consecutive_failures + 1 WHERE id = ?",
             (self._now_ms(), outcome.status, error[:MAX_ERROR_LENGTH], self.subscription_id)),
        )

    def _record(self, delivery_update: tuple[str, tuple], subscription_update: tuple[str, tuple]) -> None:
        # One transaction: the subscription's state always matches its queue. A deleted
        # subscription's rows are gone, so an attempt that was in flight changes nothing.
        if self.subscription_id == ENV_WEBHOOK:
            self.inbox.transaction([delivery_update])
        else:
            self.inbox.transaction([delivery_update, subscription_update])

    def _backoff(self, attempts: int) -> float:
        """Seconds before the next attempt: exponential, capped, with jitter so retries do not align."""
        exponent = min(attempts - 1, MAX_BACKOFF_EXPONENT)
        return min(self.max_delay, self.base_delay * 2**exponent) * random.uniform(0.5, 1.0)

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)


class SubscriptionDispatchers:
    """One :class:`WebhookDispatcher` per subscription, started and stopped as subscriptions come and go.

    Each has its own worker, so a hanging endpoint holds back only its own deliveries. A new
    message wakes all of them; each looks at its own queue only.
    """

    def __init__(self, store: SubscriptionStore, make: Callable[[Subscription], WebhookDispatcher]) -> None:
        self.store = store
        self._make = make
        self._running: dict[int, WebhookDispatcher] = {}
        self._lock = threading.Lock()
        self._started = False
        self._listening = False

    def start(self) -> None:
        """Start a worker for every stored subscription (their pending deliveries carry on)."""
        if not self._listening:
            self.store.inbox.add_listener(lambda batch: self.wake())
            self._listening = True
        self._started = True
        self.sync()

    def stop(self) -> None:
        """Stop every worker (pending rows stay for the next start)."""
        with self._lock:
            self._started = False
            running, self._running = list(self._running.values()), {}
        # All told first, then waited for: hanging endpoints cost one timeout, not one each.
        for dispatcher in running:
            dispatcher.stop(wait=False)
        for dispatcher in running:
            dispatcher.join()

    def wake(self) -> None:
        """Have every worker look at its queue now (after picking up subscriptions made by other workers)."""
        self.sync()
        for dispatcher in list(self._running.values()):
            dispatcher.wake()

    def sync(self) -> None:
        """Start workers for new subscriptions; stop, without waiting, those of deleted ones."""
        with self._lock:
            if not self._started:
                return
            wanted = {subscription.id: subscription for subscription in self.store.list()}
            for gone in set(self._running) - set(wanted):
                self._running.pop(gone).stop(wait=False)
            for subscription_id, subscription in wanted.items():
                if subscription_id not in self._running:
                    dispatcher = self._running[subscription_id] = self._make(subscription)
                    dispatcher.start()


def _describe(error: object) -> str:
    return str(error) or type(error).__name__
