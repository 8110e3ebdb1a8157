"""``daemon --http``: POST /api/v1/rpc, GET /api/v1/check and the SSE stream GET /api/v1/events."""

from __future__ import annotations

import queue
import sys
import threading
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import state
from .jsonrpc import RpcServer, RpcSession, dumps, error_response

KEEPALIVE_SECONDS = 15
_NOT_FOUND = b"<h1>404 Not Found</h1>No context found for request"


def start_http(server: RpcServer, host: str, port: int) -> ThreadingHTTPServer:
    """Bind, then serve in a background thread; return the server (``shutdown()`` stops it)."""
    handler = type("Handler", (_Handler,), {"rpc": server})
    httpd = ThreadingHTTPServer((host, port), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    rpc: RpcServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence access logs
        return

    def _reply(self, status: int, body: bytes = b"", content_type: str | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _route(self) -> None:
        path, _, query = self.path.partition("?")
        if path == "/api/v1/rpc":
            self._rpc()
        elif path == "/api/v1/check":
            self._reply(200)
        elif path == "/api/v1/events":
            self._events(query)
        else:
            self._reply(404, _NOT_FOUND, "text/html")

    do_GET = do_POST = do_PUT = do_DELETE = _route

    def _rpc(self) -> None:
        if self.command != "POST":
            self._reply(405)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            self._reply(415)
            return
        try:
            reply = RpcSession(self.rpc, lambda text: None, http=True).handle_text(body)
        except Exception:  # noqa: BLE001
            traceback.print_exc(file=sys.stderr)
            reply = error_response(-32603, "An internal server error has occurred.")
        if reply is None:
            self._reply(201)
        else:
            self._reply(200, dumps(reply).encode("utf-8"), "application/json")

    def _events(self, query: str) -> None:
        if self.command != "GET":
            self._reply(405)
            return
        # a literal "+" in the query is kept (not decoded to a space), like the real daemon
        params = urllib.parse.parse_qs(query.replace("+", "%2B"))
        account = (params.get("account") or [None])[0]
        if account is not None:
            found = state.find_account(self.rpc.config_dir, account)
            if not found or not found.get("registered") or (self.rpc.account and found["number"] != self.rpc.account):
                self._reply(400)
                return
            account = found["number"]
        elif self.rpc.account:
            account = self.rpc.account
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        items: queue.Queue = queue.Queue()
        listener = self.rpc.hub.add_listener(account, items.put)
        try:
            while True:
                try:
                    item = items.get(timeout=KEEPALIVE_SECONDS)
                    chunk = f"event:receive\ndata:{dumps(item)}\n\n".encode()
                except queue.Empty:
                    chunk = b":\n"
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.flush()
        except OSError:
            pass
        finally:
            self.rpc.hub.remove_listener(listener)
            self.close_connection = True
