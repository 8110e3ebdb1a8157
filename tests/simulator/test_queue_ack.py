"""Acknowledging a delivered envelope costs the same whatever the backlog: the queue is not rewritten."""
from __future__ import annotations

import os

from signal_api.simulator import queues, state

BOB = "+4915100000002"


def _fill(cfg: str, count: int) -> list[dict]:
    for index in range(count):
        state.enqueue(cfg, BOB, {"timestamp": index, "dataMessage": {"message": "x" * 200}})
    return state.peek_queue(cfg, BOB)


def _size(path: str) -> int:
    return os.path.getsize(path) if os.path.exists(path) else 0


def test_an_acknowledgement_appends_one_journal_line_and_leaves_the_queue_file_alone(tmp_path):
    cfg = str(tmp_path)
    entries = _fill(cfg, 3000)
    queue = state.queue_path(cfg, BOB)
    journal = queues.journal_path(queue)
    before = os.stat(queue)
    for entry in entries[:2000]:
        journal_size = _size(journal)
        state.remove_from_queue(cfg, BOB, {entry["qid"]})
        assert _size(journal) - journal_size == len(entry["qid"]) + 1  # one line, backlog or not
    after = os.stat(queue)
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)


def test_readers_skip_acknowledged_entries_without_compacting_a_mostly_pending_queue(tmp_path):
    cfg = str(tmp_path)
    entries = _fill(cfg, 10)
    state.remove_from_queue(cfg, BOB, {entries[0]["qid"], entries[3]["qid"]})
    size = os.path.getsize(state.queue_path(cfg, BOB))
    assert state.peek_queue(cfg, BOB) == [e for i, e in enumerate(entries) if i not in (0, 3)]
    assert os.path.getsize(state.queue_path(cfg, BOB)) == size


def test_a_mostly_acknowledged_queue_is_compacted_by_the_next_reader(tmp_path):
    cfg = str(tmp_path)
    entries = _fill(cfg, 10)
    state.remove_from_queue(cfg, BOB, {e["qid"] for e in entries[:6]})
    assert state.peek_queue(cfg, BOB) == entries[6:]
    queue = state.queue_path(cfg, BOB)
    assert state.read_lines(queue) == entries[6:]
    assert not os.path.exists(queues.journal_path(queue))
    state.enqueue(cfg, BOB, {"timestamp": 10})
    assert [e["envelope"]["timestamp"] for e in state.peek_queue(cfg, BOB)] == [6, 7, 8, 9, 10]


def test_a_fully_acknowledged_queue_ends_up_empty_and_not_pending(tmp_path):
    cfg = str(tmp_path)
    entries = _fill(cfg, 5)
    state.remove_from_queue(cfg, BOB, {e["qid"] for e in entries})
    assert state.peek_queue(cfg, BOB) == []
    assert not state.has_pending(cfg, BOB) and state.pending_numbers(cfg) == []
