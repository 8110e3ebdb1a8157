"""One account's pending queue on disk: entries appended, acknowledgements journalled.

``<number>.jsonl`` holds one ``{"qid","envelope"}`` line per queued envelope and
``<number>.acked`` one qid per line for every entry that was handed over.  Acknowledging is an
append to the journal, whatever the queue's length; readers skip journalled entries.  The queue
is rewritten without them (and the journal removed) only when a reader finds at least half of
it acknowledged, so each entry is copied a bounded number of times in total.

Nothing here locks: the caller holds the state lock (``state.locked``) around every call, since
a compaction would otherwise lose lines appended or journalled meanwhile.
"""

from __future__ import annotations

import json
import os
import threading


def journal_path(queue: str) -> str:
    """The acknowledgement journal that belongs to the queue file ``queue``."""
    return queue.removesuffix(".jsonl") + ".acked"


def _append(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        return ""


def json_line(obj: object) -> bytes:
    """``obj`` as one compact JSON line (the format of every ``.jsonl`` file of the simulator)."""
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def acknowledge(queue: str, qids: set[str]) -> None:
    """Journal ``qids`` as handed over: one append, the queue file is left alone."""
    if qids:
        _append(journal_path(queue), "".join(qid + "\n" for qid in qids).encode())


def pending(queue: str) -> list[dict]:
    """Entries not acknowledged yet, oldest first; compacts the queue when mostly acknowledged."""
    entries = [json.loads(line) for line in _read_text(queue).splitlines() if line.strip()]
    acked = set(_read_text(journal_path(queue)).split())
    if not acked:
        return entries
    waiting = [entry for entry in entries if entry["qid"] not in acked]
    if len(entries) - len(waiting) >= len(waiting):
        _rewrite(queue, waiting)
    return waiting


def _rewrite(queue: str, entries: list[dict]) -> None:
    if entries:
        tmp = f"{queue}.tmp{os.getpid()}.{threading.get_ident()}"
        with open(tmp, "wb") as fh:
            fh.write(b"".join(json_line(entry) for entry in entries))
        os.replace(tmp, queue)
    elif os.path.exists(queue):
        os.truncate(queue, 0)  # empty, not gone: pending_numbers() skips it at the cost of a stat
    try:
        os.remove(journal_path(queue))
    except FileNotFoundError:
        pass


def remove(queue: str) -> None:
    """Delete the queue and its journal."""
    for victim in (queue, journal_path(queue)):
        try:
            os.remove(victim)
        except FileNotFoundError:
            pass
