"""The idempotency key store: who holds a key, what is kept, when a key is free again."""
from __future__ import annotations

import pytest

from signal_api.receive.retention import RetentionJob
from signal_api.storage.idempotency import DONE, FAILED, PENDING, IdempotencyStore, KeyScope, StoredResponse
from signal_api.storage.inbox import Inbox, StorageError

TTL = 86400.0
LIMIT = 130.0
SCOPE = KeyScope(owner="", account="+4915100000001", route="POST /v2/send", key="k")
CREATED = StoredResponse(201, [("Content-Type", "application/json")], b'[{"timestamp":"1"}]\n')


@pytest.fixture
def now():
    return [1_000_000.0]


@pytest.fixture
def store(tmp_path, now):
    inbox = Inbox(tmp_path / "db", clock=lambda: now[0])
    yield IdempotencyStore(inbox)
    inbox.close()


def claim(store, scope=SCOPE, fingerprint="f1"):
    return store.claim(scope, fingerprint, ttl=TTL, in_flight_limit=LIMIT)


def test_the_first_claim_takes_the_key_and_a_second_one_sees_it_pending(store):
    first = claim(store)
    second = claim(store)
    assert first.taken and not second.taken
    assert second.record.state == PENDING
    assert second.record.attempt == first.attempt
    assert second.record.response is None


def test_a_kept_response_is_returned_to_every_later_claim(store):
    first = claim(store)
    assert store.finish(SCOPE, first.attempt, CREATED, keep=True, waiters_window=LIMIT)
    for fingerprint in ("f1", "f2"):
        later = claim(store, fingerprint=fingerprint)
        assert not later.taken
        assert later.record.state == DONE
        assert later.record.fingerprint == "f1"
        assert later.record.response == CREATED


def test_a_response_not_kept_is_seen_by_waiters_but_the_next_claim_takes_the_key(store):
    first = claim(store)
    failure = StoredResponse(503, [("Content-Type", "application/json")], b'{"error":"down"}')
    store.finish(SCOPE, first.attempt, failure, keep=False, waiters_window=LIMIT)
    seen_by_waiter = store.record(SCOPE)
    assert (seen_by_waiter.state, seen_by_waiter.attempt, seen_by_waiter.response) == (FAILED, first.attempt, failure)
    again = claim(store, fingerprint="f2")
    assert again.taken and again.attempt != first.attempt
    assert again.record.response is None


def test_a_failed_row_outlives_its_waiters_only(store, now):
    first = claim(store)
    store.finish(SCOPE, first.attempt, StoredResponse(504, [], b"{}"), keep=False, waiters_window=LIMIT)
    now[0] += LIMIT - 1
    assert store.record(SCOPE).state == FAILED
    now[0] += 2
    assert store.record(SCOPE) is None
    assert store.prune() == 1


def test_an_abandoned_claim_is_taken_over_and_its_late_finish_is_ignored(store, now):
    first = claim(store)
    now[0] += LIMIT - 1
    assert not claim(store).taken
    assert not store.is_abandoned(store.record(SCOPE), LIMIT)
    now[0] += 2
    assert store.is_abandoned(store.record(SCOPE), LIMIT)
    second = claim(store)
    assert second.taken
    assert store.finish(SCOPE, first.attempt, CREATED, keep=True, waiters_window=LIMIT) is False
    assert store.record(SCOPE).state == PENDING


def test_an_expired_key_is_absent_and_the_retention_job_deletes_it(store, now):
    kept = claim(store)
    store.finish(SCOPE, kept.attempt, CREATED, keep=True, waiters_window=LIMIT)
    other = KeyScope(owner="", account=SCOPE.account, route=SCOPE.route, key="young")
    now[0] += TTL / 2
    claim(store, scope=other)
    now[0] += TTL / 2  # the first key's lifetime is over, the second one's is not
    assert store.record(SCOPE) is None
    assert RetentionJob(store.inbox, max_age_seconds=TTL, max_per_account=10).run_once() == 0  # no messages
    assert store.inbox.execute("SELECT key FROM idempotency_keys") == [("young",)]
    assert claim(store).taken


def test_owners_accounts_and_routes_have_their_own_keys(store):
    scopes = [SCOPE,
              KeyScope(owner="token:alice", account=SCOPE.account, route=SCOPE.route, key="k"),
              KeyScope(owner="", account="+4915100000002", route=SCOPE.route, key="k"),
              KeyScope(owner="", account=SCOPE.account, route="POST /v1/send", key="k")]
    assert [claim(store, scope=scope).taken for scope in scopes] == [True] * 4


def test_release_frees_the_key(store):
    first = claim(store)
    store.release(SCOPE, first.attempt)
    assert store.record(SCOPE) is None
    assert claim(store).taken


def test_a_lone_surrogate_in_the_account_is_stored(store):
    scope = KeyScope(owner="", account="+49\ud800", route=SCOPE.route, key="k")
    assert claim(store, scope=scope).taken
    assert not claim(store, scope=scope).taken


def test_a_refused_write_is_a_storage_error(store):
    store.inbox.execute("PRAGMA query_only = ON")
    with pytest.raises(StorageError):
        claim(store)

