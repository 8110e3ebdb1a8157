"""The durable inbox: cursors, consuming once, waiting, retention, surviving a reopen."""
from __future__ import annotations

import threading
import time

from signal_api.storage.inbox import HTTP_CONSUMER, Inbox

A = "+4915100000001"
B = "+4915100000002"


def message(account, text):
    return {"envelope": {"timestamp": 1, "dataMessage": {"message": text}}, "account": account}


def texts(stored):
    return [m.payload["envelope"]["dataMessage"]["message"] for m in stored]


def test_cursors_grow_and_after_pages_without_gaps(tmp_path):
    inbox = Inbox(tmp_path / "db")
    stored = inbox.store([message(A, f"m{i}") for i in range(5)] + [message(B, "other")])
    cursors = [m.cursor for m in stored]
    assert cursors == sorted(cursors) and len(set(cursors)) == 6
    assert texts(inbox.after(A, 0, limit=2)) == ["m0", "m1"]
    assert texts(inbox.after(A, stored[1].cursor)) == ["m2", "m3", "m4"]
    assert inbox.latest_cursor(A) == stored[4].cursor
    assert stored[0].frame()["cursor"] == stored[0].cursor


def test_take_returns_each_message_once_and_survives_a_reopen(tmp_path):
    inbox = Inbox(tmp_path / "db")
    inbox.store([message(A, "one"), message(A, "two")])
    assert texts(inbox.take(HTTP_CONSUMER, A, limit=1)) == ["one"]
    inbox.close()
    inbox = Inbox(tmp_path / "db")
    assert texts(inbox.take(HTTP_CONSUMER, A)) == ["two"]
    assert inbox.take(HTTP_CONSUMER, A) == []
    inbox.store([message(A, "three")])
    assert texts(inbox.take(HTTP_CONSUMER, A)) == ["three"]


def test_take_waits_for_the_first_message(tmp_path):
    inbox = Inbox(tmp_path / "db")
    threading.Timer(0.2, lambda: inbox.store([message(A, "late")])).start()
    started = time.monotonic()
    assert texts(inbox.take(HTTP_CONSUMER, A, timeout=5)) == ["late"]
    assert time.monotonic() - started < 4


def test_cursors_are_never_reused_after_pruning(tmp_path):
    now = [1000.0]
    inbox = Inbox(tmp_path / "db", clock=lambda: now[0])
    first = inbox.store([message(A, "old")])[0].cursor
    now[0] += 3600
    inbox.store([message(A, "new1"), message(A, "new2"), message(A, "new3")])
    assert inbox.prune(max_age_seconds=60, max_per_account=2) == 2
    assert texts(inbox.after(A, 0)) == ["new2", "new3"]
    assert inbox.store([message(A, "next")])[0].cursor > first + 3


def test_listeners_hear_after_commit(tmp_path):
    inbox = Inbox(tmp_path / "db")
    seen = []
    inbox.add_listener(lambda batch: seen.append([(m.cursor, inbox.count(A)) for m in batch]))
    inbox.store([message(A, "x")])
    assert seen == [[(1, 1)]]


def test_an_envelope_handed_over_twice_is_stored_once(tmp_path):
    inbox = Inbox(tmp_path / "db")
    envelope = {"sourceUuid": "5705ee1a-6e86-4de2-930a-d70e0d001749", "sourceDevice": 1, "timestamp": 1700000000000,
                "dataMessage": {"message": "once"}}
    first = inbox.store([{"envelope": envelope, "account": A}])
    again = inbox.store([{"envelope": dict(envelope), "account": A}, message(A, "new")])
    assert len(first) == 1 and texts(again) == ["new"]
    assert texts(inbox.after(A, 0)) == ["once", "new"]
    # The same envelope for another account is that account's own copy.
    assert len(inbox.store([{"envelope": envelope, "account": B}])) == 1


def test_frame_text_is_the_frame_as_json_serialised_once(tmp_path):
    import json

    inbox = Inbox(tmp_path / "inbox.db")
    inbox.store([message("+49151", "grüße ✓")])
    [stored] = inbox.after("+49151", 0, 10)
    assert json.loads(stored.frame_text) == stored.frame() == {**stored.payload, "cursor": stored.cursor}
    assert "grüße ✓" in stored.frame_text  # UTF-8 as it is, like the HTTP answers
    assert stored.frame_text is stored.frame_text  # every socket sending this message shares one text
    inbox.close()
