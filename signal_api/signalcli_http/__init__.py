"""signal-cli's own HTTP API (``signal-cli daemon --http``), served by signal-api in every mode.

A client written for signal-cli 0.13.19's HTTP daemon can point at signal-api instead:
``POST /api/v1/rpc`` (JSON-RPC, through the backend), ``GET /api/v1/events`` (Server-Sent
Events from the durable inbox, resumable with ``Last-Event-ID``) and ``GET /api/v1/check``.
"""
from __future__ import annotations

from signal_api.signalcli_http.views import bp

__all__ = ["bp"]
