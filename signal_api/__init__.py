"""signal-api: a drop-in HTTP API for Signal Messenger that drives signal-cli."""
from __future__ import annotations

__version__ = "0.101.0"


def create_app(config=None):  # noqa: ANN001, ANN201 - thin re-export, see signal_api.app
    """Build the Flask application (see :func:`signal_api.app.create_app`)."""
    from signal_api.app import create_app as _create_app

    return _create_app(config)
