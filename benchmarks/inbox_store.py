"""How fast the durable inbox stores envelopes: one commit per message vs the intake's batches."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from signal_api.receive.intake import BATCH
from signal_api.storage.inbox import Inbox


def _envelope(i: int) -> dict:
    return {"envelope": {"source": "+4915100000001", "sourceNumber": "+4915100000001", "timestamp": 1700000000000 + i,
                         "dataMessage": {"timestamp": 1700000000000 + i, "message": f"message {i}" * 4,
                                         "expiresInSeconds": 0, "viewOnce": False}},
            "account": "+4915100000002"}


def _rate(count: int, batch: int) -> float:
    with tempfile.TemporaryDirectory() as root:
        inbox = Inbox(Path(root) / "bench.db")
        payloads = [_envelope(i) for i in range(count)]
        started = time.perf_counter()
        for start in range(0, count, batch):
            inbox.store(payloads[start:start + batch])
        elapsed = time.perf_counter() - started
        inbox.close()
    return count / elapsed


def main(quick: bool) -> dict:
    count = 300 if quick else 5000
    single = _rate(count, 1)
    batched = _rate(count, BATCH)
    print(f"  storing {count} envelopes (WAL, synchronous=NORMAL): one commit each {single:8.0f}/s; "
          f"{BATCH} per commit (the intake's largest batch) {batched:8.0f}/s ({batched / single:.1f}x)")
    # The headline is one commit per message: what the intake does while messages arrive one by one.
    return {"inbox_store_msgs_per_s": single, "inbox_store_batched_msgs_per_s": batched}
