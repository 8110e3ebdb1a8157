"""Fan-out of stored messages to live subscribers (WebSocket clients).

Publishing never blocks: each subscriber has a bounded queue, and a subscriber whose queue is
full is marked as overflowed (its socket is then closed and can resume with ``since``), so one
slow client never delays the others or the storing of messages. When the server stops,
``close_all`` marks every subscription closed and wakes its reader (its socket is then closed
with 1001, going away).
"""
from __future__ import annotations

import queue
import threading
from collections import defaultdict
from collections.abc import Sequence

from signal_api.storage.inbox import StoredMessage


class Subscription:
    """One subscriber's view of an account's (or several accounts') messages."""

    def __init__(self, account: str, maxsize: int, accounts: tuple[str, ...] | None = None) -> None:
        self.account = account
        #: Every account whose messages this subscription gets.
        self.accounts = accounts or (account,)
        self.overflowed = False
        #: The server is stopping: the subscriber should hang up.
        self.closed = False
        self._queue: queue.Queue[StoredMessage | None] = queue.Queue(maxsize)

    def get(self, timeout: float) -> StoredMessage | None:
        """The next message, or None after ``timeout`` seconds (or at once when closed)."""
        if self.closed:
            return None
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        """Mark the subscription closed and wake a reader waiting in ``get``."""
        self.closed = True
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass  # a full queue has no reader waiting

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
        self._closed = False

    def subscribe(self, account: str) -> Subscription:
        """Start receiving ``account``'s messages published from now on (closed at once after ``close_all``)."""
        subscription = Subscription(account, self.queue_size)
        with self._lock:
            self._subscriptions[account].append(subscription)
            if self._closed:
                subscription.close()
        return subscription

    def subscribe_many(self, accounts: Sequence[str]) -> Subscription:
        """One subscription to the messages of every account of ``accounts`` (in one queue, in order)."""
        # With no account it is still registered (under ""), so that close_all reaches it.
        accounts = tuple(dict.fromkeys(accounts)) or ("",)
        subscription = Subscription(accounts[0], self.queue_size, accounts)
        with self._lock:
            for account in accounts:
                self._subscriptions[account].append(subscription)
            if self._closed:
                subscription.close()
        return subscription

    def close_all(self) -> None:
        """The server is stopping: close every subscription, now and from now on."""
        with self._lock:
            self._closed = True
            subscriptions = list({id(s): s for subs in self._subscriptions.values() for s in subs}.values())
        for subscription in subscriptions:
            subscription.close()

    def unsubscribe(self, subscription: Subscription) -> None:
        """Stop a subscription (idempotent)."""
        with self._lock:
            for account in subscription.accounts:
                subscriptions = self._subscriptions.get(account, [])
                if subscription in subscriptions:
                    subscriptions.remove(subscription)
                if not subscriptions:
                    self._subscriptions.pop(account, None)

    def open_subscriptions(self) -> int:
        """How many subscriptions there are, over all accounts (to wait for them at shutdown)."""
        with self._lock:
            return len({id(s) for subs in self._subscriptions.values() for s in subs})

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
