"""The service objects a running app uses, kept in ``app.extensions["signal_api"]``.

Views reach them through :func:`get_services` instead of module-level singletons, so every
app built in a test has its own backend, inbox and subscribers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import flask

from signal_api.config import Config
from signal_api.receive.account_events import AccountEvents
from signal_api.receive.hub import ReceiveHub
from signal_api.receive.receiver import Receiver
from signal_api.receive.reserve import FILE_NAME as RESERVE_FILE, KeptReserve
from signal_api.signalcli import SignalBackend
from signal_api.storage.inbox import Inbox
from signal_api.storage.webhook_subscriptions import SubscriptionStore

EXTENSION_KEY = "signal_api"


@dataclass
class Services:
    """Everything a request may need besides the request itself."""

    config: Config
    backend: SignalBackend
    inbox: Inbox
    hub: ReceiveHub
    receiver: Receiver
    webhooks: SubscriptionStore
    background: list[Any] = field(default_factory=list)
    #: The subscriptions' workers (signal_api.receive.webhooks.SubscriptionDispatchers) once started.
    subscription_dispatchers: Any = None
    started: bool = False
    #: The app's metrics (signal_api.observability.metrics.Metrics), set when the app is built.
    metrics: Any = None
    #: With several workers: the inbox tail (storage.inbox_tail.InboxTail) and the leader lock
    #: (receive.leadership.Leadership), once started.
    tail: Any = None
    leadership: Any = None

    @classmethod
    def build(cls, config: Config, backend: SignalBackend) -> Services:
        """Wire backend -> inbox -> subscribers (nothing is started)."""
        inbox = Inbox(config.database_path, track_webhook_deliveries=bool(config.receive_webhook_url),
                      shared=config.shares_workers)
        hub = ReceiveHub(config.ws_queue_size)
        reserve = KeptReserve(config.data_dir / RESERVE_FILE, config.kept_reserve_bytes)
        receiver = Receiver(backend, inbox, hub, kept_limit=config.kept_messages_max, reserve=reserve)
        backend.outcome_observer = AccountEvents(receiver.intake).observe
        return cls(config=config, backend=backend, inbox=inbox, hub=hub, receiver=receiver,
                   webhooks=SubscriptionStore(inbox))


def get_services(app: flask.Flask | None = None) -> Services:
    """The services of ``app`` (default: the current app)."""
    return (app or flask.current_app).extensions[EXTENSION_KEY]
