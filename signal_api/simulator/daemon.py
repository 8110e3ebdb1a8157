"""Transports for JSON-RPC: ``jsonRpc`` (stdin/stdout) and ``daemon`` (unix socket, TCP, HTTP)."""

from __future__ import annotations

import itertools
import os
import selectors
import signal
import socket
import sys
import threading
import time
from typing import Any

from . import faults, log, output
from .commands import Context
from .errors import UnexpectedError
from .httpserver import start_http
from .jsonrpc import RpcServer, RpcSession, run_quick
from .receiver import ReceiveHub

FLAG_KEYS = ("ignoreAttachments", "ignoreStories", "ignoreAvatars", "ignoreStickers", "sendReadReceipts")

_DBUS_TRACE = (
    "org.freedesktop.dbus.exceptions.AddressResolvingException: Cannot Resolve Session Bus Address: "
    "DISPLAY variable not set\n"
    "\tat org.freedesktop.dbus.connections.BusAddress.resolveSessionBusAddress(BusAddress.java:123)\n"
    "\tat org.asamk.signal.commands.DaemonCommand.runDbus(DaemonCommand.java:295)\n"
    "\tat org.asamk.signal.commands.DaemonCommand.handleCommand(DaemonCommand.java:142)\n"
    "\tat org.asamk.signal.App.init(App.java:211)\n"
    "\tat org.asamk.signal.Main.main(Main.java:57)"
)


def _make_server(ctx: Context, params: dict, printer: Any) -> RpcServer:
    single = ctx.account["number"] if ctx.account else None
    mode = params.get("receiveMode") or "on-start"
    flags = {k: True for k in FLAG_KEYS if params.get(k)}
    hub = ReceiveHub(ctx.config_dir, mode, single, flags, printer)
    return RpcServer(ctx.config_dir, single, mode, flags, ctx.trust, hub)


def run_stdio(ctx: Context, params: dict) -> None:
    """JSON-RPC over stdin/stdout until EOF (then wait for in-flight requests)."""
    server = _make_server(ctx, params, printer=None)
    out = sys.stdout.buffer

    def write(text: str) -> None:
        out.write(text.encode("utf-8") + b"\n")
        out.flush()

    session = RpcSession(server, write)
    server.hub.start()
    try:
        for raw in sys.stdin.buffer:
            session.feed_line(raw.decode("utf-8", "replace").rstrip("\n"))
        session.wait_idle()
    finally:
        session.close()
        server.hub.stop()


# ---------------------------------------------------------------- daemon

def _parse_host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host.strip("[]") or "localhost", int(port)


def _addr_text(addr: Any) -> str:
    return f"/{addr[0]}:{addr[1]}" if isinstance(addr, tuple) else str(addr)


class _Connection:
    """One accepted socket: its session and the bytes read after its last complete line."""

    def __init__(self, server: RpcServer, conn: socket.socket, number: int, label: str) -> None:
        self.conn = conn
        self.number = number
        self.label = label
        self.buffer = b""
        self.session = RpcSession(server, self._write)
        self._cfg = server.config_dir

    def _write(self, text: str) -> None:
        data = text.encode("utf-8") + b"\n"
        if faults.split_replies(self._cfg):
            # Two writes with a pause: the second one waits for the ACK of the first (Nagle).
            self.conn.sendall(data[:4])
            time.sleep(0.002)
            self.conn.sendall(data[4:])
        else:
            self.conn.sendall(data)

    def lines(self, chunk: bytes) -> list[str]:
        self.buffer += chunk
        *complete, self.buffer = self.buffer.split(b"\n")
        return [line.decode("utf-8", "replace") for line in complete]

    def finish(self) -> None:
        """After the peer closed: answer what is still in flight, then close."""
        try:
            self.session.wait_idle()
        finally:
            self.session.close()
            try:
                self.conn.close()
            except OSError:
                pass
            log.info("SocketHandler", f"Connection {self.number} closed: {self.label}")


class SocketTransport:
    """Accepts connections on one listening socket and reads all of them on one thread.

    The quick requests of all lines read in one round are run right there, their appends written
    in one go (group commit), then answered; every other request goes to a worker thread.  One
    reader instead of one per connection keeps the threads from taking turns at the GIL.
    """

    _numbers = itertools.count(0)

    def __init__(self, server: RpcServer, listener: socket.socket) -> None:
        self.server = server
        self.listener = listener
        self._selector = selectors.DefaultSelector()

    def start(self) -> None:
        self._selector.register(self.listener, selectors.EVENT_READ)
        threading.Thread(target=self._loop, name="rpc-reader", daemon=True).start()

    def _loop(self) -> None:
        while True:
            quick: list[tuple[RpcSession, dict]] = []
            for key, _ in self._selector.select():
                if key.data is None:
                    if not self._accept():
                        return
                else:
                    quick.extend(self._read(key.data))
            if quick:
                run_quick(quick)

    def _accept(self) -> bool:
        try:
            conn, addr = self.listener.accept()
        except OSError:
            return False
        number = next(self._numbers)
        label = _addr_text(addr) if addr else "unix socket"
        log.info("SocketHandler", f"Accepted new client connection {number}: {label}")
        self._selector.register(conn, selectors.EVENT_READ, _Connection(self.server, conn, number, label))
        return True

    def _read(self, connection: _Connection) -> list[tuple[RpcSession, dict]]:
        try:
            chunk = connection.conn.recv(65536)
        except OSError:
            chunk = b""
        if not chunk:
            self._selector.unregister(connection.conn)
            threading.Thread(target=connection.finish, daemon=True).start()
            return []
        session = connection.session
        return [(session, request) for line in connection.lines(chunk)
                if (request := session.take_line(line)) is not None]


def _unix_listener(path: str) -> socket.socket:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if os.path.exists(path):
        os.remove(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    sock.listen(64)
    return sock


def _tcp_listener(text: str) -> socket.socket:
    host, port = _parse_host_port(text)
    info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(info[0], socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # TCP_NODELAY deliberately left off, as in the real daemon.
    sock.bind(info[4])
    sock.listen(64)
    return sock


def run_daemon(ctx: Context, params: dict) -> None:
    """Serve JSON-RPC on the requested channels until SIGTERM/SIGINT."""
    if params.get("dbus") or params.get("dbusSystem") or not any(
            params.get(k) for k in ("socket", "tcp", "http")):
        # 0.13.19 falls back to D-Bus, which is not available here.
        raise UnexpectedError("Cannot Resolve Session Bus Address", trace=_DBUS_TRACE)
    if ctx.account:
        log.info("DaemonCommand", f"Starting daemon in single-account mode for {ctx.account['number']}")
    else:
        log.info("DaemonCommand", "Starting daemon in multi-account mode")
    printer = None if params.get("noReceiveStdout") else output.envelope_printer(ctx.output)
    server = _make_server(ctx, params, printer)

    stop = threading.Event()
    received: list[str] = []

    def on_signal(signum: int, _frame: Any) -> None:
        received.append(signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    closers = []
    socket_path = params.get("socket")
    if socket_path:
        listener = _unix_listener(socket_path)
        closers.append(listener.close)
        SocketTransport(server, listener).start()
        log.info("SocketHandler", f"Started JSON-RPC server on {socket_path}")
    if params.get("tcp"):
        listener = _tcp_listener(params["tcp"])
        closers.append(listener.close)
        SocketTransport(server, listener).start()
        log.info("SocketHandler", f"Started JSON-RPC server on {_addr_text(listener.getsockname()[:2])}")
    if params.get("http"):
        host, port = _parse_host_port(params["http"])
        httpd = start_http(server, host, port)
        closers.append(httpd.shutdown)
        log.info("HttpServerHandler", f"Started HTTP server on {_addr_text(httpd.server_address[:2])}")
    server.hub.start()

    while not stop.wait(0.5):
        pass
    log.info("Shutdown", f"Received {received[0] if received else 'SIGTERM'} signal, shutting down ...")
    for close in closers:
        try:
            close()
        except OSError:
            pass
    if socket_path and os.path.exists(socket_path):
        os.remove(socket_path)
    server.hub.stop()
