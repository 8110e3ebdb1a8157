"""json-rpc mode, one worker: how the service's cost grows with 1, 10 and 100 accounts on one instance.

* per send: worker CPU ms per ``POST /v2/send`` at 32 connections, the sends taking the accounts in
  turn (each to an outside peer);
* per socket: one WebSocket per account; the worker's RSS per open socket, and its CPU ms per
  delivered frame while every account gets messages (sent from account to account straight on
  the daemon's socket, so the API's own send cost is not in the figure).
"""
from __future__ import annotations

import json
import threading
import time

from simple_websocket import Client

from benchmarks.support import PEER, RawDaemon, process_cpu_seconds, process_rss_mb, run_loadgen, service

CONCURRENCY = 32
FRAME_TEXT = "frame "


def numbers(count: int) -> list[str]:
    return [f"+49151{index:08d}" for index in range(1, count + 1)]


def main(quick: bool) -> dict:
    counts, duration, frames_per_account = ((1, 10), 1.0, 2) if quick else ((1, 10, 100), 4.0, 5)
    rows = {count: _measure(numbers(count), duration, max(frames_per_account * count, 100)) for count in counts}
    for count, row in rows.items():
        print(f"  {count:3d} accounts: {row['send_cpu_ms']:.3f} worker CPU ms/send ({row['send_rps']:.0f} sends/s); "
              f"{row['socket_kb']:.0f} kB RSS per open socket; {row['frame_cpu_ms']:.3f} worker CPU ms/frame "
              f"({row['frames']} frames, {row['lost']} lost)")
    return {"accounts_scaling": {str(count): {key: round(value, 4) if isinstance(value, float) else value
                                              for key, value in row.items()} for count, row in rows.items()}}


def _measure(accounts: list[str], duration: float, messages: int) -> dict:
    with service("json-rpc", accounts=accounts) as api:
        bodies = [{"number": number, "recipients": [PEER], "message": "bench"} for number in accounts]
        send = run_loadgen(["http", "--concurrency", str(CONCURRENCY), "--duration", str(duration),
                            "--cpu-pid", str(api.worker_pid), "--port", str(api.port), "--method", "POST",
                            "--path", "/v2/send", "--body-list", json.dumps(bodies)], timeout=duration + 60)
        time.sleep(0.5)
        rss_before = process_rss_mb(api.worker_pid)
        sockets = [_Socket(f"ws://127.0.0.1:{api.port}/v1/receive/{number}") for number in accounts]
        time.sleep(1.0)
        rss_open = process_rss_mb(api.worker_pid)
        raw = RawDaemon(api.daemon_socket)
        cpu_before = process_cpu_seconds(api.worker_pid)
        try:
            for index in range(messages):
                sender = accounts[index % len(accounts)]
                recipient = accounts[(index + 1) % len(accounts)]
                raw.call("send", {"account": sender, "recipient": [recipient], "message": f"{FRAME_TEXT}{index}"})
            deadline = time.monotonic() + 60
            while len(set().union(*(s.texts for s in sockets))) < messages and time.monotonic() < deadline:
                time.sleep(0.05)
            cpu = process_cpu_seconds(api.worker_pid) - cpu_before
        finally:
            raw.close()
            for socket_client in sockets:
                socket_client.close()
        frames = sum(s.count for s in sockets)
        delivered = len(set().union(*(s.texts for s in sockets)))
    # Frames include the senders' sync transcripts and receipts; "lost": messages no socket got.
    return {"send_cpu_ms": send["cpu_s"] / max(send["count"], 1) * 1000, "send_rps": send["rps"],
            "socket_kb": (rss_open - rss_before) * 1024 / len(accounts),
            "frame_cpu_ms": cpu / max(frames, 1) * 1000, "frames": frames, "lost": messages - delivered}


class _Socket:
    """A WebSocket client counting the frames it gets and collecting the message texts, on its own thread."""

    def __init__(self, url: str) -> None:
        self.client = Client.connect(url)
        self.count = 0
        self.texts: set[str] = set()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            while (text := self.client.receive(timeout=120)) is not None:
                self.count += 1
                envelope = json.loads(text).get("envelope", {})
                # A message to oneself arrives only as the sent transcript of a sync message.
                message = envelope.get("dataMessage") or (envelope.get("syncMessage") or {}).get("sentMessage") or {}
                if str(message.get("message")).startswith(FRAME_TEXT):  # not the earlier sends' transcripts
                    self.texts.add(message["message"])
        except Exception:  # noqa: BLE001 - closed at the end of the measurement
            return

    def close(self) -> None:
        if self.client.connected:
            self.client.close()
