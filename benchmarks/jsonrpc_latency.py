"""Sequential JSON-RPC calls to a daemon that writes replies in two pieces (like signal-cli).

Compares our client over a unix socket and over TCP (TCP_NODELAY + QUICKACK re-armed after each
read) with a plain TCP client, which pays Nagle + delayed ACK (~40 ms) on every call.
"""
from __future__ import annotations

import socket

from benchmarks.support import median_seconds, simulator_daemon
from signal_api.signalcli.jsonrpc import Address, JsonRpcClient


def _ours(address: str, calls: int) -> float:
    client = JsonRpcClient(Address.parse(address), call_timeout=10)
    client.start()
    client.wait_connected(10)
    try:
        return median_seconds(lambda: client.call("version"), calls)
    finally:
        client.close()


def _plain_tcp(port: int, calls: int) -> float:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = sock.makefile("rb")

    def call() -> None:
        sock.sendall(b'{"jsonrpc":"2.0","method":"version","id":1}\n')
        reader.readline()

    try:
        return median_seconds(call, calls)
    finally:
        sock.close()


def main(quick: bool) -> dict:
    calls = 10 if quick else 200
    with simulator_daemon(split_replies=True) as (_, port, path):
        unix = _ours(f"unix:{path}", calls)
        tcp = _ours(f"tcp://127.0.0.1:{port}", calls)
        plain = _plain_tcp(port, min(calls, 25))  # ~40 ms each
    print(f"  median per sequential call ({calls} calls; the simulator pauses 2 ms between the two pieces): "
          f"signal-api client unix {unix * 1000:.2f} ms, TCP {tcp * 1000:.2f} ms; plain TCP client (no QUICKACK) "
          f"{plain * 1000:.2f} ms ({plain / tcp:.1f}x)")
    return {"split_reply_call_ms": tcp * 1000, "split_reply_plain_tcp_ms": plain * 1000}
