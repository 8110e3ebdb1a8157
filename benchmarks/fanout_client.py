"""WebSocket clients for the fan-out benchmark (``python -m benchmarks.fanout_client URL SOCKETS MESSAGES``).

Runs in its own process: one thread and one ``selectors`` loop over every socket, reading frames
with a few lines of its own (:class:`FrameReader`) rather than a WebSocket library. With
simple_websocket's client (a thread, an event and wsproto per socket, on gevent) the clients
spent 0.09 ms of CPU per frame, more than the worker's 0.06 ms, so on two cores they, not the
service, set the latency measured. It connects every socket, prints ``{"connected": ...}``,
counts the frames each socket gets, and when every socket has every message (or ``--wait``
seconds passed) prints the figures: per-frame latency from the send time written in the message
text, sockets complete, frames lost and duplicated. Then it waits for a line on stdin and closes
the sockets.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import selectors
import socket
import struct
import sys
import time
import urllib.parse

from benchmarks.support import percentile


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fanout_client")
    parser.add_argument("url")
    parser.add_argument("sockets", type=int)
    parser.add_argument("messages", type=int)
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait for every frame")
    parser.add_argument("--tag", default="", help="count only messages whose text starts with this word")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    clients = [FrameReader.connect(args.url) for _ in range(args.sockets)]
    _say({"connected": len(clients), "connect_s": time.perf_counter() - started})
    tally = Tally(len(clients), args.messages, args.tag)
    _drain(clients, tally, deadline=time.time() + args.wait)
    _say(tally.figures())
    sys.stdin.readline()
    for client in clients:
        try:
            client.close()
        except OSError:
            pass  # the server may have closed it first
    _say({"closed": len(clients)})
    return 0


class Tally:
    """What each socket got: message numbers seen, duplicates, others' messages, latencies."""

    def __init__(self, sockets: int, messages: int, tag: str) -> None:
        self.messages, self.tag = messages, tag
        self.seen: list[set[int]] = [set() for _ in range(sockets)]
        self.latencies: list[float] = []
        self.duplicates = self.others = 0
        self.incomplete = sockets

    def count(self, index: int, text: str, arrived: float) -> None:
        words = json.loads(text)["envelope"]["dataMessage"]["message"].split()
        if self.tag and words[0] != self.tag:
            self.others += 1  # e.g. an earlier round's message replayed
            return
        number, seen = int(words[1]), self.seen[index]
        if number in seen:
            self.duplicates += 1
        seen.add(number)
        if len(seen) == self.messages:
            self.incomplete -= 1
        self.latencies.append(arrived - float(words[2]))

    def figures(self) -> dict:
        received, latencies = sum(len(s) for s in self.seen), self.latencies
        return {"complete": sum(1 for s in self.seen if len(s) >= self.messages), "received": received,
                "lost": len(self.seen) * self.messages - received, "duplicates": self.duplicates,
                "others": self.others,
                "p50_ms": percentile(latencies, 0.5) * 1000 if latencies else None,
                "p99_ms": percentile(latencies, 0.99) * 1000 if latencies else None,
                "max_ms": max(latencies) * 1000 if latencies else None}


def _drain(clients: list[FrameReader], tally: Tally, *, deadline: float) -> None:
    selector = selectors.DefaultSelector()
    for index, client in enumerate(clients):
        client.sock.setblocking(False)
        selector.register(client.sock, selectors.EVENT_READ, (index, client))
    try:
        while tally.incomplete > 0 and time.time() < deadline:
            for key, _ in selector.select(timeout=0.5):
                index, client = key.data
                arrived = time.time()
                try:
                    texts = client.read_available()
                except (OSError, EOFError):
                    selector.unregister(client.sock)
                    continue
                for text in texts:
                    tally.count(index, text, arrived)
    finally:
        selector.close()


class FrameReader:
    """The client side of one WebSocket: text frames in, pongs out, nothing else."""

    def __init__(self, sock: socket.socket, buffered: bytes) -> None:
        self.sock = sock
        self._buffer = bytearray(buffered)

    @classmethod
    def connect(cls, url: str) -> FrameReader:
        parts = urllib.parse.urlsplit(url)
        sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        target = f"{parts.path}?{parts.query}" if parts.query else parts.path
        sock.sendall((f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = sock.recv(4096)
            if not chunk:
                raise EOFError("the server closed the connection during the handshake")
            response += chunk
        head, _, rest = response.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise OSError(f"handshake refused: {head.splitlines()[0]!r}")
        return cls(sock, rest)

    def read_available(self) -> list[str]:
        """Read what the socket has and return the text frames completed by it (answering pings)."""
        chunk = self.sock.recv(262144)
        if not chunk:
            raise EOFError("the server closed the connection")
        self._buffer += chunk
        texts = []
        while (frame := self._take_frame()) is not None:
            opcode, payload = frame
            if opcode == 0x1:
                texts.append(payload.decode())
            elif opcode == 0x8:
                raise EOFError("the server closed the WebSocket")
            elif opcode == 0x9:
                self._send(0xA, payload)
        return texts

    def close(self) -> None:
        self.sock.setblocking(True)
        self._send(0x8, struct.pack("!H", 1000))
        self.sock.close()

    def _take_frame(self) -> tuple[int, bytes] | None:
        buffer = self._buffer
        if len(buffer) < 2:
            return None
        length, start = buffer[1] & 0x7F, 2
        if length == 126:
            if len(buffer) < 4:
                return None
            length, start = struct.unpack_from("!H", buffer, 2)[0], 4
        elif length == 127:
            if len(buffer) < 10:
                return None
            length, start = struct.unpack_from("!Q", buffer, 2)[0], 10
        if len(buffer) < start + length:
            return None
        opcode, payload = buffer[0] & 0x0F, bytes(buffer[start:start + length])
        del buffer[:start + length]
        return opcode, payload

    def _send(self, opcode: int, payload: bytes) -> None:
        # Client frames are masked (RFC 6455 5.3); a zero mask leaves the payload as it is.
        self.sock.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)


def _say(figures: dict) -> None:
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
