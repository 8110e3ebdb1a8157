"""Sequential JSON-RPC calls to a daemon that writes replies in two pieces (like signal-cli).

Compares our client over a unix socket and over TCP (TCP_NODELAY + QUICKACK re-armed after each
read) with a plain TCP client, which pays Nagle + delayed ACK (~40 ms) on every call.
"""
from __future__ import annotations

import socket

from benchmarks.support import median_seconds, simulator_daemon
from signal_api.signalcli.jsonrpc import Address, JsonRpcClient

CALLS = 200


def _ours(address: str) -> float:
    client = JsonRpcClient(Address.parse(address), call_timeout=10)
    client.start()
    client.wait_connected(10)
    try:
        return median_seconds(lambda: client.call("version"), CALLS)
    finally:
        client.close()


def _plain_tcp(port: int) -> float:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = sock.makefile("rb")

    def call() -> None:
        sock.sendall(b'{"jsonrpc":"2.0","method":"version","id":1}\n')
        reader.readline()

    try:
        return median_seconds(call, 25)
    finally:
        sock.close()


def main() -> None:
    with simulator_daemon(split_replies=True) as (_, port, path):
        unix = _ours(f"unix:{path}")
        tcp = _ours(f"tcp://127.0.0.1:{port}")
        plain = _plain_tcp(port)
    print(f"median per sequential call ({CALLS} calls; the simulator pauses 2 ms between the two pieces):")
    print(f"  signal-api client, unix socket : {unix * 1000:8.3f} ms")
    print(f"  signal-api client, TCP         : {tcp * 1000:8.3f} ms")
    print(f"  plain TCP client (no QUICKACK) : {plain * 1000:8.3f} ms")
    print(f"  plain TCP / signal-api TCP     : {plain / tcp:8.1f}x")
