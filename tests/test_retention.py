"""Retention: age and per-account limits, pending webhook deliveries kept, the periodic thread."""
from __future__ import annotations

import logging

from signal_api.receive.retention import RetentionJob
from signal_api.storage.inbox import Inbox
from tests.test_webhooks import A, B, message, wait_until

DAY = 86400.0


def texts(stored):
    return [m.payload["envelope"]["dataMessage"]["message"] for m in stored]


def make_inbox(tmp_path, now, **options):
    return Inbox(tmp_path / "db", clock=lambda: now[0], **options)


def test_old_messages_are_removed_and_recent_ones_kept(tmp_path, caplog):
    now = [1_000_000.0]
    inbox = make_inbox(tmp_path, now)
    inbox.store([message(A, "old"), message(B, "old b")])
    now[0] += 2 * DAY
    inbox.store([message(A, "recent")])
    job = RetentionJob(inbox, max_age_seconds=DAY, max_per_account=100)

    with caplog.at_level(logging.INFO, logger="signal_api.receive.retention"):
        assert job.run_once() == 2
    assert "removed 2" in caplog.text
    assert texts(inbox.after(A, 0)) == ["recent"]
    assert inbox.count(B) == 0
    assert job.run_once() == 0


def test_count_limit_keeps_the_newest_per_account(tmp_path):
    now = [1_000_000.0]
    inbox = make_inbox(tmp_path, now)
    inbox.store([message(A, f"a{i}") for i in range(5)] + [message(B, "b0"), message(B, "b1")])
    job = RetentionJob(inbox, max_age_seconds=DAY, max_per_account=2)

    assert job.run_once() == 3
    assert texts(inbox.after(A, 0)) == ["a3", "a4"]
    assert texts(inbox.after(B, 0)) == ["b0", "b1"]


def test_messages_with_a_pending_webhook_delivery_are_kept(tmp_path):
    now = [1_000_000.0]
    inbox = make_inbox(tmp_path, now, track_webhook_deliveries=True)
    delivered, failed, pending = inbox.store([message(A, "delivered"), message(A, "failed"), message(A, "pending")])
    inbox.execute("UPDATE webhook_deliveries SET state = 'delivered' WHERE message_id = ?", (delivered.cursor,))
    inbox.execute("UPDATE webhook_deliveries SET state = 'failed' WHERE message_id = ?", (failed.cursor,))
    now[0] += 2 * DAY

    assert RetentionJob(inbox, max_age_seconds=DAY, max_per_account=100).run_once() == 2
    assert texts(inbox.after(A, 0)) == ["pending"]
    assert inbox.execute("SELECT message_id FROM webhook_deliveries") == [(pending.cursor,)]


def test_the_thread_prunes_repeatedly_and_stops(tmp_path):
    now = [1_000_000.0]
    inbox = make_inbox(tmp_path, now)
    job = RetentionJob(inbox, max_age_seconds=DAY, max_per_account=100, interval=0.02, initial_delay=0.01)
    inbox.store([message(A, "old")])
    now[0] += 2 * DAY
    job.start()
    try:
        wait_until(lambda: inbox.count() == 0)
        inbox.store([message(A, "also old")])
        now[0] += 2 * DAY
        wait_until(lambda: inbox.count() == 0)
    finally:
        job.stop()

    inbox.store([message(A, "after stop")])
    now[0] += 2 * DAY
    assert job.run_once() == 1  # still usable by hand, the thread did not take it


def test_a_failing_run_is_logged_and_the_thread_keeps_running(tmp_path, caplog):
    now = [1_000_000.0]
    inbox = make_inbox(tmp_path, now)
    job = RetentionJob(inbox, max_age_seconds=DAY, max_per_account=100, interval=0.02, initial_delay=0.0)
    real_prune = inbox.prune
    calls = []

    def flaky_prune(**limits):
        calls.append(limits)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return real_prune(**limits)

    inbox.prune = flaky_prune
    with caplog.at_level(logging.ERROR):
        job.start()
        try:
            wait_until(lambda: len(calls) >= 3)
        finally:
            job.stop()
    assert "database is locked" in caplog.text
