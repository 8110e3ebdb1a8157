"""The service objects a running app uses, kept in ``app.extensions["signal_api"]``.

Views reach them through :func:`get_services` instead of module-level singletons, so every
app built in a test has its own backend, inbox and subscribers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import flask

from signal_api.config import Config
from signal_api.receive_hub import ReceiveHub
from signal_api.receiver import Receiver
from signal_api.signalcli import SignalBackend
from signal_api.storage.inbox import Inbox

EXTENSION_KEY = "signal_api"


@dataclass
class Services:
    """Everything a request may need besides the request itself."""

    config: Config
    backend: SignalBackend
    inbox: Inbox
    hub: ReceiveHub
    receiver: Receiver
    background: list[Any] = field(default_factory=list)
    started: bool = False

    @classmethod
    def build(cls, config: Config, backend: SignalBackend) -> Services:
        """Wire backend -> inbox -> subscribers (nothing is started)."""
        inbox = Inbox(config.database_path, track_webhook_deliveries=bool(config.receive_webhook_url))
        hub = ReceiveHub(config.ws_queue_size)
        return cls(config=config, backend=backend, inbox=inbox, hub=hub, receiver=Receiver(backend, inbox, hub))


def get_services(app: flask.Flask | None = None) -> Services:
    """The services of ``app`` (default: the current app)."""
    return (app or flask.current_app).extensions[EXTENSION_KEY]
