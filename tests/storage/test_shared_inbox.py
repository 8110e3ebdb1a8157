"""Several workers on one inbox file: shared positions, rows heard by every process, one leader."""
from __future__ import annotations

import threading
import time

from signal_api.receive.leadership import Leadership
from signal_api.storage.inbox import HTTP_CONSUMER, Inbox
from signal_api.storage.inbox_tail import InboxTail
from tests.helpers import wait_for
from tests.storage.test_inbox import message, texts

A = "+4915100000001"


def two_workers(tmp_path) -> tuple[Inbox, Inbox]:
    path = tmp_path / "signal-api.db"
    return Inbox(path, shared=True), Inbox(path, shared=True)


def test_takers_in_two_workers_hand_out_every_message_once(tmp_path):
    first, second = two_workers(tmp_path)
    sent = [f"m{i}" for i in range(300)]
    taken: list[list[str]] = [[], []]
    done = threading.Event()

    def take(inbox: Inbox, into: list[str]) -> None:
        while not done.is_set() or inbox.after(A, inbox.position(HTTP_CONSUMER, A), 1):
            into.extend(texts(inbox.take(HTTP_CONSUMER, A, limit=3)))

    takers = [threading.Thread(target=take, args=(inbox, got)) for inbox, got in zip((first, second), taken)]
    for taker in takers:
        taker.start()
    for text in sent:
        first.store([message(A, text)])
    done.set()
    for taker in takers:
        taker.join(timeout=30)
    assert sorted(taken[0] + taken[1]) == sorted(sent)
    assert first.position(HTTP_CONSUMER, A) == second.position(HTTP_CONSUMER, A) == first.latest_cursor(A)


def test_a_position_moved_by_one_worker_holds_in_the_other(tmp_path):
    first, second = two_workers(tmp_path)
    stored = first.store([message(A, "one"), message(A, "two")])
    assert texts(first.take(HTTP_CONSUMER, A, limit=1)) == ["one"]
    assert texts(second.take(HTTP_CONSUMER, A)) == ["two"]
    second.mark_taken(HTTP_CONSUMER, A, stored[-1].cursor)
    assert first.take(HTTP_CONSUMER, A) == []


def test_a_shared_inbox_tells_its_listeners_only_through_the_tail(tmp_path):
    first, second = two_workers(tmp_path)
    heard: dict[str, list[int]] = {"first": [], "second": []}
    first.add_listener(lambda batch: heard["first"].extend(m.cursor for m in batch))
    second.add_listener(lambda batch: heard["second"].extend(m.cursor for m in batch))
    before = first.store([message(A, "before the tails")])
    tails = [InboxTail(first), InboxTail(second)]
    for tail in tails:
        tail.start()
    try:
        cursors = [m.cursor for m in first.store([message(A, "a"), message(A, "b")])]
        cursors += [m.cursor for m in second.store([message(A, "c")])]
        # Both processes hear every row once, in cursor order, the one they stored too.
        assert wait_for(lambda: len(heard["first"]) == len(heard["second"]) == 3, timeout=10), heard
        time.sleep(0.1)
        assert heard["first"] == heard["second"] == sorted(cursors)
        assert before[0].cursor not in heard["first"]
    finally:
        for tail in tails:
            tail.stop()


def test_a_take_waiting_in_one_worker_wakes_when_the_other_stores(tmp_path):
    first, second = two_workers(tmp_path)
    tail = InboxTail(second)
    tail.start()
    try:
        threading.Timer(0.3, lambda: first.store([message(A, "late")])).start()
        assert texts(second.take(HTTP_CONSUMER, A, timeout=10)) == ["late"]
    finally:
        tail.stop()


def test_one_worker_leads_and_another_takes_over_when_it_lets_go(tmp_path):
    elected: list[str] = []
    first = Leadership(tmp_path, lambda: elected.append("first"), retry_interval=0.05)
    second = Leadership(tmp_path, lambda: elected.append("second"), retry_interval=0.05)
    first.start()
    second.start()
    time.sleep(0.3)
    assert elected == ["first"] and first.leading and not second.leading
    first.stop_trying()
    first.release()
    assert wait_for(lambda: elected == ["first", "second"], timeout=5)
    assert second.leading
    second.stop_trying()
    second.release()


def test_a_worker_that_cannot_lead_lets_another_one_lead(tmp_path):
    def fail() -> None:
        raise RuntimeError("the daemon would not start")

    failing = Leadership(tmp_path, fail, retry_interval=0.05)
    try:
        failing.start()
    except RuntimeError:
        pass
    else:
        raise AssertionError("the election's failure must reach the caller")
    assert not failing.leading
    elected: list[str] = []
    other = Leadership(tmp_path, lambda: elected.append("other"), retry_interval=0.05)
    other.start()
    assert elected == ["other"] and other.leading
    other.release()
