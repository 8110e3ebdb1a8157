"""The simulator's queues lose nothing while envelopes are queued and acknowledged at the same time."""
from __future__ import annotations

import threading

from signal_api.simulator import state

BOB = "+4915100000002"


def test_envelopes_queued_while_others_are_acknowledged_are_all_kept(tmp_path):
    cfg = str(tmp_path)
    total = 600
    acknowledged: set[str] = set()
    done = threading.Event()

    def acknowledge() -> None:
        while not done.is_set() or state.peek_queue(cfg, BOB):
            pending = {entry["qid"] for entry in state.peek_queue(cfg, BOB)}
            if pending:
                state.remove_from_queue(cfg, BOB, pending)
                acknowledged.update(pending)

    acker = threading.Thread(target=acknowledge)
    acker.start()
    for index in range(total):
        state.enqueue(cfg, BOB, {"timestamp": index})
    done.set()
    acker.join(timeout=60)
    # Every envelope was either handed over (acknowledged) or is still queued: none vanished.
    assert len(acknowledged) == total and state.peek_queue(cfg, BOB) == []
