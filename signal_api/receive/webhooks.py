"""``RECEIVE_WEBHOOK_URL``: POST every stored message to a webhook, durably, in order, with retries.

The original POSTs each JSON-RPC ``receive`` notification synchronously inside its single reader
loop, with no timeout, no retry and no signature, so a slow webhook stalls every API call and a
failed POST loses the message. Here the pending deliveries live in the ``webhook_deliveries``
table (written in the same transaction as the message), a worker thread sends them with a
per-attempt timeout and exponential backoff, and a restart carries on where it stopped.

The body is the original's notification, ``{"jsonrpc":"2.0","method":"receive","params":{...}}``.
Extra headers: ``X-Signal-Api-Delivery`` (the message cursor, an idempotency key: a message can
arrive twice when a response is lost) and, with a secret, ``X-Signal-Api-Timestamp`` plus
``X-Signal-Api-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``.
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

from signal_api.scheduler import BackgroundLoop
from signal_api.storage.inbox import Inbox

log = logging.getLogger(__name__)

DELIVERY_HEADER = "X-Signal-Api-Delivery"
TIMESTAMP_HEADER = "X-Signal-Api-Timestamp"
SIGNATURE_HEADER = "X-Signal-Api-Signature"
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


def notification_body(payload: dict[str, Any]) -> bytes:
    """The original's webhook body: the JSON-RPC ``receive`` notification as compact JSON."""
    notification = {"jsonrpc": "2.0", "method": "receive", "params": payload}
    return json.dumps(notification, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class _Delivery:
    cursor: int
    attempts: int
    next_attempt_ms: int
    payload: dict[str, Any]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """urllib would follow a 30x by re-sending the POST as a bodyless GET; count it as a failure."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WebhookDispatcher:
    """Delivers the inbox's pending webhook deliveries from its own thread.

    Deliveries go out one at a time, oldest message first, and a failure ends the pass: the
    receiver sees messages in the order they were stored, and an unreachable receiver costs one
    attempt per backoff step instead of one per queued message. A message that keeps failing holds
    the later ones back until it reaches ``max_attempts`` and is marked ``failed``.
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
    ) -> None:
        self.inbox = inbox
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._clock = clock
        self._opener = urllib.request.build_opener(_NoRedirect)
        # deliver_due() may be called while the worker runs; two passes at once would double-send.
        self._pass_lock = threading.Lock()
        self._listening = False
        self._loop = BackgroundLoop("webhook dispatcher", self._step, join_timeout=timeout + 1.0)

    def start(self) -> None:
        """Start the worker thread and have new messages wake it."""
        if not self._listening:
            self.inbox.add_listener(lambda batch: self.wake())
            self._listening = True
        self._loop.start()

    def stop(self) -> None:
        """Stop the worker; an attempt in flight ends within ``timeout``. Pending rows stay for later."""
        self._loop.stop()

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
            "SELECT d.message_id, d.attempts, d.next_attempt, m.payload FROM webhook_deliveries d "
            "JOIN messages m ON m.id = d.message_id WHERE d.state = 'pending' ORDER BY d.message_id LIMIT 1"
        )
        if not rows:
            return None
        cursor, attempts, next_attempt, payload = rows[0]
        return _Delivery(cursor, attempts, next_attempt, json.loads(payload))

    # One attempt

    def _attempt(self, delivery: _Delivery) -> bool:
        error = self._post(delivery)
        if error is None:
            self._mark_delivered(delivery)
            return True
        self._mark_failed_attempt(delivery, error)
        return False

    def _post(self, delivery: _Delivery) -> str | None:
        """Send one delivery; None on a 2xx, else the reason it failed."""
        body = notification_body(delivery.payload)
        request = urllib.request.Request(self.url, data=body, headers=self._headers(delivery, body), method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            return f"HTTP {exc.code}"
        except urllib.error.URLError as exc:
            return _describe(exc.reason)
        except (OSError, ValueError, http.client.HTTPException) as exc:  # timeouts, resets, bad replies
            return _describe(exc)
        return None if 200 <= status < 300 else f"HTTP {status}"

    def _headers(self, delivery: _Delivery, body: bytes) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "signal-api-webhook",
            DELIVERY_HEADER: str(delivery.cursor),
        }
        if self.secret:
            timestamp = str(int(self._clock()))
            headers[TIMESTAMP_HEADER] = timestamp
            headers[SIGNATURE_HEADER] = sign(self.secret, timestamp, body)
        return headers

    def _mark_delivered(self, delivery: _Delivery) -> None:
        self.inbox.execute(
            "UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, last_error = NULL "
            "WHERE message_id = ? AND state = 'pending'",
            (delivery.cursor,),
        )

    def _mark_failed_attempt(self, delivery: _Delivery, error: str) -> None:
        attempts = delivery.attempts + 1
        if attempts >= self.max_attempts:
            state, next_attempt = "failed", self._now_ms()
            log.error("webhook delivery of message %s failed for good after %d attempts: %s",
                      delivery.cursor, attempts, error)
        else:
            state, next_attempt = "pending", self._now_ms() + int(self._backoff(attempts) * 1000)
            log.warning("webhook delivery of message %s failed (attempt %d of %d): %s",
                        delivery.cursor, attempts, self.max_attempts, error)
        self.inbox.execute(
            "UPDATE webhook_deliveries SET attempts = ?, last_error = ?, next_attempt = ?, state = ? "
            "WHERE message_id = ? AND state = 'pending'",
            (attempts, error[:MAX_ERROR_LENGTH], next_attempt, state, delivery.cursor),
        )

    def _backoff(self, attempts: int) -> float:
        """Seconds before the next attempt: exponential, capped, with jitter so retries do not align."""
        exponent = min(attempts - 1, MAX_BACKOFF_EXPONENT)
        return min(self.max_delay, self.base_delay * 2**exponent) * random.uniform(0.5, 1.0)

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)


def _describe(error: object) -> str:
    return str(error) or type(error).__name__
