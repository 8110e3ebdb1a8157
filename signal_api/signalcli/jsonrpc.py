"""JSON-RPC client for a ``signal-cli daemon`` (newline-delimited JSON over TCP or a unix socket).

One connection, one reader thread. Each call registers its waiter *before* writing the request,
so even an instant reply is matched by id; replies may arrive in any order, interleaved with
``receive`` notifications. Every call has a timeout. When the connection drops, every waiting
call fails at once and the client reconnects with exponential backoff.

``pause`` ends the connection without losing what is on its way: the client closes its sending
side and reads until the daemon closes the connection, so every notification the daemon already
wrote is handed over. It does not reconnect (and calls fail at once) until ``resume``. A daemon
started with ``--receive-mode on-connection`` fetches nothing from Signal while nobody is connected.
With several workers the daemon runs with ``--receive-mode manual``: only the leader's client
(after :meth:`JsonRpcClient.subscribe_on_connect`) subscribes, on every connection it opens.

Written against the stdlib ``threading``/``socket``: under gunicorn's gevent worker these are
monkey-patched into greenlets, and tests run them as plain threads.
"""
from __future__ import annotations

import itertools
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from signal_api.errors import backend as errors

log = logging.getLogger(__name__)

# Called with the notifications of one read, as (method, params) pairs, so they can be stored
# in one transaction.
NotificationHandler = Callable[[list[tuple[str, Any]]], None]


@dataclass(frozen=True)
class Address:
    """Where the daemon listens: ``tcp://host:port`` or ``unix:/path``."""

    family: str
    target: str | tuple[str, int]

    @classmethod
    def parse(cls, text: str) -> Address:
        """Parse the ``SIGNAL_CLI_JSON_RPC_ADDRESS`` syntax."""
        if text.startswith("unix:"):
            return cls("unix", text[len("unix:"):])
        if text.startswith("tcp://"):
            host, _, port = text[len("tcp://"):].rpartition(":")
            return cls("tcp", (host.strip("[]"), int(port)))
        raise ValueError(f"unsupported JSON-RPC address {text!r}")

    def __str__(self) -> str:
        if self.family == "unix":
            return f"unix:{self.target}"
        host, port = self.target  # type: ignore[misc]
        return f"tcp://{host}:{port}"

    def connect(self, timeout: float) -> socket.socket:
        """Open a connected socket, tuned for request/response traffic."""
        if self.family == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(self.target)
            except OSError:
                sock.close()
                raise
        else:
            sock = socket.create_connection(self.target, timeout=timeout)  # type: ignore[arg-type]
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        return sock


class _Waiter:
    """One pending call: set once with either a reply object or an exception."""

    __slots__ = ("event", "reply", "error")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.reply: dict[str, Any] | None = None
        self.error: BaseException | None = None


class JsonRpcClient:
    """A reconnecting JSON-RPC 2.0 client; ``call`` is safe from many threads/greenlets."""

    def __init__(
        self,
        address: Address,
        *,
        call_timeout: float,
        on_notification: NotificationHandler | None = None,
        connect_timeout: float = 5.0,
        connect_wait: float = 15.0,
        max_backoff: float = 2.0,
        drain_timeout: float = 10.0,
    ) -> None:
        self.address = address
        self.call_timeout = call_timeout
        self.connect_timeout = connect_timeout
        self.connect_wait = connect_wait
        self.max_backoff = max_backoff
        self.drain_timeout = drain_timeout
        self._on_notification = on_notification
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._waiters: dict[str, _Waiter] = {}
        # Ids only need to be unique among this client's calls; a counter costs less than uuid4
        # (1% of the worker's time per send). next() on a count is atomic under the GIL.
        self._ids = itertools.count(1)
        self._sock: socket.socket | None = None
        self._connected = threading.Event()
        self._closed = threading.Event()
        self._may_connect = threading.Event()
        self._may_connect.set()
        self._paused_reason: str | None = None
        self._thread: threading.Thread | None = None
        self._subscribes = False
        self.connections = 0  # how many times a connection was established (for tests and logs)

    # Lifecycle

    def start(self) -> None:
        """Start the connect/read loop in the background."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="signal-cli-jsonrpc", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop reconnecting, close the socket and fail every waiting call."""
        self._closed.set()
        self._may_connect.set()
        self._drop_connection(errors.BackendUnavailableError("JSON-RPC client closed"))
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wait_connected(self, timeout: float) -> bool:
        """Block until connected (or ``timeout``); True when connected."""
        return self._connected.wait(timeout)

    @property
    def connected(self) -> bool:
        """True while a connection to the daemon is open."""
        return self._connected.is_set()

    def subscribe_on_connect(self) -> None:
        """Subscribe to every account's messages on the open connection and on each one after it."""
        with self._lock:
            self._subscribes = True
            sock = self._sock if self._paused_reason is None else None
        if sock is not None:
            self._subscribe_in_background(sock)

    def _subscribe_in_background(self, sock: socket.socket) -> None:
        # Not on the reader thread: the reply is read there.
        threading.Thread(target=self._subscribe, args=(sock,), name="signal-cli-subscribe", daemon=True).start()

    def _subscribe(self, sock: socket.socket) -> None:
        try:
            subscription = self.call("subscribeReceive")
        except errors.SignalCliError as exc:
            with self._lock:
                current = self._sock is sock
            if current:
                # A connection that does not receive would leave messages with the daemon for
                # good: start again on a new one.
                log.warning("subscribing to received messages failed (%s); reconnecting", exc.message)
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            return
        log.info("receiving messages from signal-cli daemon (subscription %s)", subscription)

    def pause(self, reason: str) -> None:
        """Leave the daemon after reading what it already sent; calls fail with ``reason`` until ``resume``."""
        with self._lock:
            if self._paused_reason is not None:
                return
            self._paused_reason = reason
            self._may_connect.clear()
            sock = self._sock
        log.warning("disconnecting from signal-cli daemon: %s", reason)
        if sock is not None:
            self._start_drain(sock)

    def resume(self) -> None:
        """Connect to the daemon again after ``pause``."""
        with self._lock:
            if self._paused_reason is None:
                return
            self._paused_reason = None
        log.info("reconnecting to signal-cli daemon")
        self._may_connect.set()

    def _start_drain(self, sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        # A daemon that never closes its side must not keep the reader (and its pushes) forever.
        timer = threading.Timer(self.drain_timeout, self._end_drain, args=(sock,))
        timer.daemon = True
        timer.start()

    def _end_drain(self, sock: socket.socket) -> None:
        with self._lock:
            still_open = self._sock is sock
        if still_open:
            log.warning("signal-cli daemon did not close the connection within %g s; closing it", self.drain_timeout)
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # Calls

    def call(self, method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None) -> Any:
        """Send one request and wait for its reply; raise a typed error on failure."""
        limit = self.call_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        paused = self._paused_reason
        if paused is not None:
            raise errors.BackendUnavailableError(paused)
        # A daemon that is (re)starting gets a grace period; one that stays away fails the call.
        if not self._connected.wait(min(limit, self.connect_wait)):
            raise self._unreachable()
        request_id = str(next(self._ids))
        request: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": request_id}
        if params:
            request["params"] = params
        line = (json.dumps(request, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        waiter = _Waiter()
        with self._lock:
            sock = self._sock
            if sock is None:
                raise self._unreachable()
            self._waiters[request_id] = waiter
        try:
            with self._write_lock:
                sock.sendall(line)
        except OSError as exc:
            self._forget(request_id)
            raise errors.BackendUnavailableError(f"lost the connection to signal-cli daemon: {exc}") from exc
        if not waiter.event.wait(max(0.0, deadline - time.monotonic())):
            self._forget(request_id)
            raise errors.BackendTimeoutError(f"signal-cli daemon did not answer {method} within {limit:g} s")
        if waiter.error is not None:
            raise waiter.error
        reply = waiter.reply or {}
        if reply.get("error") is not None:
            # The client reads the message line only; the operator may want all of it.
            log.debug("signal-cli daemon answered %s with the error %s", method, reply["error"])
            raise errors.from_jsonrpc_error(reply["error"])
        return reply.get("result")

    # Internals

    def _unreachable(self) -> errors.BackendUnavailableError:
        # The address (a path in the service's data dir) is for the log, not for clients.
        log.debug("signal-cli daemon at %s is not reachable", self.address)
        return errors.BackendUnavailableError("signal-cli daemon is not reachable")

    def _forget(self, request_id: str) -> None:
        with self._lock:
            self._waiters.pop(request_id, None)

    def _run(self) -> None:
        backoff = 0.05
        while not self._closed.is_set():
            self._may_connect.wait()
            if self._closed.is_set():
                break
            try:
                sock = self.address.connect(self.connect_timeout)
            except OSError as exc:
                log.debug("connecting to signal-cli daemon at %s failed: %s", self.address, exc)
                self._closed.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            backoff = 0.05
            with self._lock:
                if self._closed.is_set():
                    # close() ran while we were connecting: it could not shut this socket down.
                    sock.close()
                    break
                self._sock = sock
                self.connections += 1
                # pause() ran while we were connecting: the daemon may already push on this socket.
                drain = self._paused_reason is not None
                subscribe = self._subscribes and not drain
            if drain:
                self._start_drain(sock)
            self._connected.set()
            log.info("connected to signal-cli daemon at %s", self.address)
            if subscribe:
                self._subscribe_in_background(sock)
            reason = self._read_until_closed(sock)
            if self._paused_reason is not None:
                log.info("left signal-cli daemon at %s after reading everything it sent", self.address)
            elif not self._closed.is_set():
                log.warning("connection to signal-cli daemon at %s lost: %s", self.address, reason)
            self._drop_connection(errors.BackendUnavailableError(f"connection to signal-cli daemon lost: {reason}"))

    def _drop_connection(self, error: errors.SignalCliError) -> None:
        with self._lock:
            sock, self._sock = self._sock, None
            waiters, self._waiters = self._waiters, {}
            self._connected.clear()
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        for waiter in waiters.values():
            waiter.error = error
            waiter.event.set()

    def _read_until_closed(self, sock: socket.socket) -> str:
        buffer = b""
        quickack = getattr(socket, "TCP_QUICKACK", None) if self.address.family == "tcp" else None
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError as exc:
                return str(exc)
            if not chunk:
                return "closed by the daemon"
            if quickack is not None:
                # Linux clears QUICKACK after each ACK; re-arm it so the daemon's next reply
                # (written in two pieces) is not held back by Nagle waiting for a delayed ACK.
                try:
                    sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)
                except OSError:
                    pass
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            notifications: list[tuple[str, Any]] = []
            for line in lines:
                if line.strip():
                    self._dispatch(line, notifications)
            self._notify(notifications)

    def _dispatch(self, line: bytes, notifications: list[tuple[str, Any]]) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            log.warning("ignoring a non-JSON line from signal-cli daemon: %r", line[:200])
            return
        for item in message if isinstance(message, list) else [message]:
            if not isinstance(item, dict):
                continue
            if "method" in item and "id" not in item:
                notifications.append((str(item.get("method")), item.get("params")))
            elif "result" in item or "error" in item:
                self._resolve(item)

    def _resolve(self, reply: dict[str, Any]) -> None:
        with self._lock:
            waiter = self._waiters.pop(str(reply.get("id")), None)
        if waiter is None:
            if reply.get("error") is not None:
                log.warning("signal-cli daemon error without a waiting call: %s", reply["error"])
            return
        waiter.reply = reply
        waiter.event.set()

    def _notify(self, notifications: list[tuple[str, Any]]) -> None:
        if self._on_notification is None or not notifications:
            return
        try:
            self._on_notification(notifications)
        except Exception:  # a consumer's bug must never kill the reader
            log.exception("notification handler failed")
