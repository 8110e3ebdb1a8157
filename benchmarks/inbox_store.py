"""How fast the durable inbox stores envelopes: one commit per message vs batched commits."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from signal_api.storage.inbox import Inbox

COUNT = 5000


def _envelope(i: int) -> dict:
    return {"envelope": {"source": "+4915100000001", "sourceNumber": "+4915100000001", "timestamp": 1700000000000 + i,
                         "dataMessage": {"timestamp": 1700000000000 + i, "message": f"message {i}" * 4,
                                         "expiresInSeconds": 0, "viewOnce": False}},
            "account": "+4915100000002"}


def _rate(batch: int) -> float:
    with tempfile.TemporaryDirectory() as root:
        inbox = Inbox(Path(root) / "bench.db")
        payloads = [_envelope(i) for i in range(COUNT)]
        started = time.perf_counter()
        for start in range(0, COUNT, batch):
            inbox.store(payloads[start:start + batch])
        elapsed = time.perf_counter() - started
        inbox.close()
    return COUNT / elapsed


def main() -> None:
    single = _rate(1)
    batched = _rate(100)
    print(f"storing {COUNT} envelopes (WAL, synchronous=NORMAL):")
    print(f"  one commit per envelope : {single:10.0f} envelopes/s")
    print(f"  100 per commit          : {batched:10.0f} envelopes/s")
    print(f"  batched / single        : {batched / single:10.1f}x")
