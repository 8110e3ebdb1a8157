"""A scriptable JSON-RPC peer for client tests: each test decides what the "daemon" writes."""
from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
from collections.abc import Callable
from typing import Any

Handler = Callable[["FakeConnection", dict[str, Any]], None]


class FakeConnection:
    """One accepted client connection."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.lock = threading.Lock()

    def write(self, obj: Any) -> None:
        """Write one JSON line."""
        data = (json.dumps(obj) + "\n").encode()
        with self.lock:
            self.sock.sendall(data)

    def reply(self, request: dict[str, Any], result: Any) -> None:
        """Answer ``request`` with ``result``."""
        self.write({"jsonrpc": "2.0", "result": result, "id": request["id"]})

    def close(self) -> None:
        """Drop the connection (the daemon "dies")."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class FakeDaemon:
    """Listens on a unix socket; hands every request line to ``handler`` in the reader thread."""

    def __init__(self, handler: Handler, *, on_eof: Callable[[FakeConnection], None] | None = None) -> None:
        self.handler = handler
        # Called when a client closes its sending side (the connection is still writable).
        self.on_eof = on_eof
        self.dir = tempfile.mkdtemp(prefix="fake-daemon-")
        self.path = os.path.join(self.dir, "sock")
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen()
        self.connections: list[FakeConnection] = []
        self.requests: list[dict[str, Any]] = []
        self.accepted = threading.Semaphore(0)
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def address(self) -> str:
        """The client-side address string."""
        return f"unix:{self.path}"

    def _accept(self) -> None:
        while not self._stop:
            try:
                sock, _ = self.server.accept()
            except OSError:
                return
            connection = FakeConnection(sock)
            self.connections.append(connection)
            self.accepted.release()
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: FakeConnection) -> None:
        buffer = b""
        while True:
            try:
                chunk = connection.sock.recv(65536)
            except OSError:
                return
            if not chunk:
                if self.on_eof is not None:
                    self.on_eof(connection)
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                self.requests.append(request)
                self.handler(connection, request)

    def close(self) -> None:
        """Stop listening and drop every connection."""
        self._stop = True
        self.server.close()
        for connection in self.connections:
            connection.close()
