"""The service objects a running app uses, kept in ``app.extensions["signal_api"]``.

Views reach them through :func:`get_services` instead of module-level singletons, so every
app built in a test has its own backend.
"""
from __future__ import annotations

from dataclasses import dataclass

import flask

from signal_api.config import Config
from signal_api.signalcli import SignalBackend

EXTENSION_KEY = "signal_api"


@dataclass
class Services:
    """Everything a request may need besides the request itself."""

    config: Config
    backend: SignalBackend
    started: bool = False


def get_services(app: flask.Flask | None = None) -> Services:
    """The services of ``app`` (default: the current app)."""
    return (app or flask.current_app).extensions[EXTENSION_KEY]
