"""Rate limits: a token's ``--rate`` and an account's ``SIGNAL_API_SEND_RATE``."""
from __future__ import annotations

import pytest

from signal_api.access.limits import MemoryRateLimiter, Rate, parse_rate, retry_after_header
from tests.access.conftest import A, B, bearer, secured_harness
from tests.conftest import Harness


def send(client, number: str, text: str, headers: dict | None = None):
    return client.post("/v2/send", json={"number": number, "recipients": [B if number == A else A],
                                          "message": text}, headers=headers or {})


def test_a_burst_over_the_tokens_rate_gets_429_with_retry_after_and_the_allowed_ones_succeed(secured):
    # Per hour, so that no refill can happen during the test, however slow the machine.
    token = secured.token("bot", accounts=[A], rate="3/h")
    answers = [send(secured.client, A, f"burst {i}", bearer(token)) for i in range(6)]
    assert [r.status_code for r in answers] == [201, 201, 201, 429, 429, 429]
    for refused in answers[3:]:
        assert int(refused.headers["Retry-After"]) >= 1
        assert "rate" in refused.json["error"]
    sent = [call["params"]["message"] for call in secured.harness.calls("send")]
    assert sent == ["burst 0", "burst 1", "burst 2"]
    # Any route counts; another token is not affected.
    assert secured.client.get(f"/v1/groups/{A}", headers=bearer(token)).status_code == 429
    assert send(secured.client, A, "other token", bearer(secured.admin)).status_code == 201


def test_the_accounts_send_rate_is_shared_by_every_token_and_spares_other_routes(tmp_path):
    app = secured_harness(tmp_path, SIGNAL_API_SEND_RATE="2/h")
    try:
        app.register(A)
        app.register(B)
        first, second = app.token("first", accounts=[A]), app.token("second")
        assert send(app.client, A, "one", bearer(first)).status_code == 201
        assert send(app.client, A, "two", bearer(second)).status_code == 201
        refused = send(app.client, A, "three", bearer(first))
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "SIGNAL_API_SEND_RATE" in refused.json["error"]
        # Reactions send too, for the same account.
        reaction = app.client.post(f"/v1/reactions/{A}", headers=bearer(second), json={
            "recipient": B, "reaction": "👍", "target_author": B, "timestamp": 1})
        assert reaction.status_code == 429
        assert send(app.client, B, "B has its own", bearer(second)).status_code == 201
        assert app.client.get(f"/v1/groups/{A}", headers=bearer(first)).status_code == 200
        assert [c["params"]["message"] for c in app.harness.calls("send")] == ["one", "two", "B has its own"]
    finally:
        app.harness.stop()


def test_the_send_rate_applies_with_auth_off_too(tmp_path):
    api = Harness("json-rpc", tmp_path, SIGNAL_API_SEND_RATE="1/h").start()
    try:
        api.register(A)
        api.register(B)
        assert send(api.client, A, "one").status_code == 201
        assert send(api.client, A, "two").status_code == 429
    finally:
        api.stop()


def test_a_bucket_refills_at_its_rate_and_says_how_long_to_wait():
    now = [100.0]
    limiter = MemoryRateLimiter(clock=lambda: now[0])
    rate = Rate(2, 1.0)
    assert limiter.take("k", rate) is None and limiter.take("k", rate) is None
    assert limiter.take("k", rate) == pytest.approx(0.5)
    now[0] += 0.5
    assert limiter.take("k", rate) is None
    assert limiter.take("other", rate) is None  # keys do not share
    now[0] += 60
    assert [limiter.take("k", rate) for _ in range(3)][:2] == [None, None]  # refilled, never above the burst


def test_idle_full_buckets_are_forgotten():
    now = [0.0]
    limiter = MemoryRateLimiter(clock=lambda: now[0])
    for i in range(2000):
        limiter.take(f"k{i}", Rate(1, 1.0))
    now[0] += 10
    limiter.take("last", Rate(1, 1.0))
    assert len(limiter._buckets) == 1


@pytest.mark.parametrize(("text", "rate"), [("5/s", Rate(5, 1.0)), (" 100 / m ", Rate(100, 60.0)),
                                            ("1000/h", Rate(1000, 3600.0))])
def test_rates_parse(text, rate):
    assert parse_rate(text) == rate and parse_rate(str(rate)) == rate


@pytest.mark.parametrize("text", ["", "5", "5/d", "0/s", "-1/s", "1.5/s", "5/s/s", "x/s"])
def test_bad_rates_are_refused(text):
    with pytest.raises(ValueError, match="is not a rate"):
        parse_rate(text)


def test_retry_after_is_whole_seconds_rounded_up():
    assert [retry_after_header(s) for s in (0.0, 0.2, 1.0, 1.01, 59.5)] == ["1", "1", "1", "2", "60"]


def test_workers_sharing_the_database_share_each_bucket(tmp_path):
    from signal_api.access.shared_limits import SharedRateLimiter
    from signal_api.storage.inbox import Inbox

    now = [1000.0]
    path = tmp_path / "signal-api.db"
    first = SharedRateLimiter(Inbox(path, shared=True), clock=lambda: now[0])
    second = SharedRateLimiter(Inbox(path, shared=True), clock=lambda: now[0])
    rate = parse_rate("3/m")
    answers = [limiter.take("token:bot", rate) for limiter in (first, second, first, second, first)]
    # Three in all, not three per worker; the fourth waits one refill (20 s).
    assert answers[:3] == [None, None, None]
    assert answers[3] == pytest.approx(20.0) and answers[4] == pytest.approx(20.0)
    assert second.take("token:other", rate) is None  # another key has its own bucket
    now[0] += 20.0
    assert second.take("token:bot", rate) is None
    assert first.take("token:bot", rate) == pytest.approx(20.0)


def test_a_shared_bucket_the_database_cannot_write_falls_back_to_the_workers_memory(tmp_path):
    from signal_api.access.shared_limits import SharedRateLimiter
    from signal_api.storage.inbox import Inbox

    inbox = Inbox(tmp_path / "signal-api.db", shared=True)
    limiter = SharedRateLimiter(inbox)
    inbox.execute("DROP TABLE rate_buckets")  # every take now fails in the database
    rate = parse_rate("2/h")
    assert [limiter.take("account:x", rate) for _ in range(3)][:2] == [None, None]
    assert limiter.take("account:x", rate) is not None  # still limited, per worker
