"""Fan-out of stored messages to live subscribers (WebSocket clients).

Publishing never blocks: each subscriber has a bounded queue, and a subscriber whose queue is
full is marked as overflowed (its socket is then closed and can resume with ``since``), so one
slow client never delays the others or the storing of messages.
"""
from __future__ import annotations

import queue
import threading
from collections import defaultdict

from signal_api.storage.inbox import StoredMessage


class Subscription:
    """One subscriber's view of an account's messages."""

    def __init__(self, account: str, maxsize: int) -> None:
        self.account = account
        self.overflowed = False
        self._queue: queue.Queue[StoredMessage] = queue.Queue(maxsize)

    def get(self, timeout: float) -> StoredMessage | None:
        """The next message, or None after ``timeout`` seconds."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def offer(self, message: StoredMessage) -> None:
        """Queue a message without blocking; mark the subscription overflowed when full."""
        if self.overflowed:
            return
        try:
            self._queue.put_nowait(message)
        except queue.Full:
            self.overflowed = True


class ReceiveHub:
    """Subscriptions per account."""

    def __init__(self, queue_size: int = 1000) -> None:
        self.queue_size = queue_size
        self._lock = threading.Lock()
        self._subscriptions: dict[str, list[Subscription]] = defaultdict(list)

    def subscribe(self, account: str) -> Subscription:
        """Start receiving ``account``'s messages published from now on."""
        subscription = Subscription(account, self.queue_size)
        with self._lock:
            self._subscriptions[account].append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Stop a subscription (idempotent)."""
        with self._lock:
            subscriptions = self._subscriptions.get(subscription.account, [])
            if subscription in subscriptions:
                subscriptions.remove(subscription)
            if not subscriptions:
                self._subscriptions.pop(subscription.account, None)

    def subscriber_count(self, account: str) -> int:
        """How many subscriptions ``account`` has."""
        with self._lock:
            return len(self._subscriptions.get(account, []))

    def publish(self, messages: list[StoredMessage]) -> None:
        """Offer each message to every subscription of its account."""
        with self._lock:
            targets = {account: list(subs) for account, subs in self._subscriptions.items()}
        for message in messages:
            for subscription in targets.get(message.account, []):
                subscription.offer(message)
