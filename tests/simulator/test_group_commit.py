"""The daemon writes the appends of concurrent requests together, and only then replies."""
from __future__ import annotations

import json
import socket
import threading

from signal_api.simulator import batching, state

from .conftest import ALICE, BOB

PEER = "+4915100000099"  # on Signal, not a local account: sends to it go to outbox.jsonl


def test_appends_handed_over_while_one_write_runs_are_written_together_by_the_next():
    writes: list[list] = []
    first_started, release_first = threading.Event(), threading.Event()

    def write_all(appends: list) -> None:
        writes.append(appends)
        if len(writes) == 1:
            first_started.set()
            release_first.wait(10)

    group = batching.GroupCommit(write_all)

    def request(index: int) -> None:
        with group.collected():
            group.add(("cfg", f"file{index % 2}", b"%d\n" % index))

    first = threading.Thread(target=request, args=(0,))
    first.start()
    assert first_started.wait(10)
    others = [threading.Thread(target=request, args=(i,)) for i in range(1, 9)]
    for thread in others:
        thread.start()
    while len(group._queued) < len(others):  # all handed over, waiting behind the first write
        threading.Event().wait(0.01)
    release_first.set()
    for thread in [first, *others]:
        thread.join(10)
    assert len(writes) == 2 and sorted(data for _, _, data in writes[1]) == sorted(b"%d\n" % i for i in range(1, 9))


def test_appends_outside_a_collected_block_are_written_at_once(tmp_path):
    state.append_outbox(str(tmp_path), {"to": PEER})
    assert state.read_outbox(str(tmp_path)) == [{"to": PEER}]


def _burst(socket_path: str, connection: int, count: int) -> list[dict]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(30)
        sock.connect(socket_path)
        requests = [{"jsonrpc": "2.0", "method": "send", "id": f"{connection}-{i}",
                     "params": {"account": ALICE, "recipient": [BOB, PEER], "message": f"m {connection} {i}"}}
                    for i in range(count)]
        sock.sendall(b"".join(json.dumps(r).encode() + b"\n" for r in requests))
        reader = sock.makefile("rb")
        return [json.loads(reader.readline()) for _ in range(count)]


def test_every_acknowledged_send_survives_a_kill_9_of_the_daemon(pair, start_daemon):
    daemon = start_daemon("--receive-mode", "manual")
    replies: list[dict] = []
    lock = threading.Lock()

    def connection(index: int) -> None:
        answered = _burst(daemon.socket_path, index, 40)
        with lock:
            replies.extend(answered)

    threads = [threading.Thread(target=connection, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    daemon.proc.kill()  # SIGKILL right after the last reply: no chance to flush anything
    daemon.proc.wait(10)

    assert len(replies) == 240 and all("result" in r for r in replies), replies[:3]
    sent = {r["result"]["timestamp"] for r in replies}
    received = {item["envelope"]["dataMessage"]["timestamp"] for item in pair.receive(BOB)}
    assert sent <= received
    assert sent <= {record["timestamp"] for record in state.read_outbox(pair.config_dir) if record["to"] == PEER}
    assert len([c for c in state.read_calls(pair.config_dir) if c["command"] == "send"]) == 240
