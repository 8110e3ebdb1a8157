"""jsonRpc and daemon: option specs here, implementations in ``daemon.py`` (imported lazily)."""

from __future__ import annotations

import os
import tempfile
from typing import Any

from .base import Context, Opt, command
from .receiving import RECEIVE_FLAG_OPTIONS

RECEIVE_MODES = ("on-start", "on-connection", "manual")


def default_socket_path() -> str:
    runtime = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return os.path.join(runtime, "signal-cli", "socket")


@command("jsonRpc", scope="daemon", output_types=("json",), rpc=False, options=RECEIVE_FLAG_OPTIONS + (
    Opt(("--receive-mode",), choices=RECEIVE_MODES, help="Specify when to start receiving messages."),
))
def json_rpc(ctx: Context, params: dict) -> Any:
    from ..daemon import run_stdio
    return run_stdio(ctx, params)


@command("daemon", scope="daemon", rpc=False, options=(
    Opt(("--socket",), "optional", "Expose a JSON-RPC interface on a UNIX socket.", const=default_socket_path()),
    Opt(("--tcp",), "optional", "Expose a JSON-RPC interface on a TCP socket.", const="localhost:7583"),
    Opt(("--http",), "optional", "Expose a JSON-RPC interface as http endpoint.", const="localhost:8080"),
    Opt(("--dbus",), "flag", "Expose a DBus interface on the user bus."),
    Opt(("--dbus-system", "--system"), "flag", "Expose a DBus interface on the system bus."),
    Opt(("--bus-name",), help="Specify the D-Bus bus name to connect to."),
    Opt(("--no-receive-stdout",), "flag", "Don’t print received messages to stdout."),
    Opt(("--receive-mode",), choices=RECEIVE_MODES, help="Specify when to start receiving messages."),
) + RECEIVE_FLAG_OPTIONS)
def daemon(ctx: Context, params: dict) -> Any:
    from ..daemon import run_daemon
    return run_daemon(ctx, params)
