"""GET /v1/health: 204 for liveness, and ``?deep=1`` answering 200 or 503 with what it found.

Each failure the deep check knows is produced for real: an account unregistered through the API
(every mode), the daemon killed and kept from restarting (json-rpc), a signal-cli that cannot be
run (normal), an inbox on a full disk.
"""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from signal_api.observability import health as health_check
from signal_api.simulator import seed
from tests.conftest import MODES
from tests.helpers import wait_for
from tests.test_storage_faults import small_disk  # noqa: F401  (the fixture)

A = "+4915100000001"
B = "+4915100000002"
TIMED_OUT = {"normal": "process killed as timeout reached",
             "json-rpc": "signal-cli daemon did not answer listAccounts within 1 s"}
BODY_KEYS = {"status", "signal_cli", "inbox", "accounts", "reasons"}


def deep(api):
    response = api.client.get("/v1/health?deep=1")
    assert set(response.json) == BODY_KEYS, response.json
    return response


@pytest.mark.parametrize("mode", MODES)
def test_all_well_then_an_account_unregistered(make_api, mode):
    api = make_api(mode)
    api.register(A)
    api.register(B)

    response = deep(api)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ok" and response.json["reasons"] == []
    assert response.json["signal_cli"]["ok"] is True and response.json["inbox"] == {"ok": True, "detail": None}
    assert response.json["accounts"] == [{"number": A, "registered": True}, {"number": B, "registered": True}]

    assert api.client.post(f"/v1/unregister/{B}").status_code == 204
    response = deep(api)
    assert response.status_code == 503
    assert response.json["status"] == "unhealthy"
    assert response.json["accounts"] == [{"number": A, "registered": True}, {"number": B, "registered": False}]
    assert response.json["reasons"] == [f"account {B} is no longer registered"]
    # Liveness does not change: the service still runs and stores what it receives.
    liveness = api.client.get("/v1/health")
    assert (liveness.status_code, liveness.data) == (204, b"")


def test_an_account_being_registered_is_not_a_failure(make_api):
    api = make_api("normal")
    seed.register_account(str(api.config_dir), A)
    assert api.client.post(f"/v1/register/{B}").status_code == 201  # no verify yet
    response = deep(api)
    assert response.status_code == 200, response.json
    assert response.json["accounts"] == [{"number": A, "registered": True}]


def test_a_killed_daemon_that_cannot_restart_is_named(make_api):
    api = make_api("json-rpc")
    api.register(A)
    assert deep(api).status_code == 200
    seed.write_faults(str(api.config_dir), {"daemon": {"die": True}})
    os.kill(api.backend.supervisor.pid, signal.SIGKILL)

    response = deep(api)
    assert response.status_code == 503, response.json
    assert response.json["signal_cli"]["ok"] is False
    assert response.json["reasons"] == [f"signal-cli: {response.json['signal_cli']['detail']}"]
    assert "daemon" in response.json["signal_cli"]["detail"]
    assert response.json["accounts"] == []  # nobody could say

    seed.write_faults(str(api.config_dir), {})
    assert wait_for(lambda: deep(api).status_code == 200, timeout=30)


def test_a_signal_cli_that_cannot_be_run_is_named(make_api, tmp_path):
    unusable = tmp_path / "signal-cli"
    unusable.write_text("#!/bin/sh\n")
    unusable.chmod(0o644)  # not executable
    api = make_api("normal", SIGNAL_CLI_BINARY=str(unusable))
    response = deep(api)
    assert response.status_code == 503, response.json
    assert response.json["signal_cli"] == {"ok": False, "detail": "Couldn't start signal-cli: Permission denied"}
    assert response.json["reasons"] == ["signal-cli: Couldn't start signal-cli: Permission denied"]
    assert response.json["inbox"]["ok"] is True


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_an_inbox_that_cannot_be_written_is_named(small_disk, make_api, mode):  # noqa: F811
    api = make_api(mode, SIGNAL_API_DATA_DIR=str(small_disk.path / "api"))
    api.register(A)
    assert deep(api).status_code == 200
    small_disk.fill()
    response = deep(api)
    assert response.status_code == 503, response.json
    assert response.json["inbox"] == {"ok": False, "detail": "No space left on device"}
    assert response.json["reasons"] == ["inbox: No space left on device"]
    assert response.json["signal_cli"]["ok"] is True
    small_disk.free()
    assert deep(api).status_code == 200


@pytest.mark.parametrize("value", ["yes", "", "2", "true!"])
def test_a_bad_deep_value_is_refused_naming_it(make_api, value):
    api = make_api("normal")
    response = api.client.get("/v1/health", query_string={"deep": value})
    assert response.status_code == 400
    assert "deep" in response.json["error"] and "must be 1 or true" in response.json["error"]


def test_deep_false_is_the_liveness_check(make_api):
    api = make_api("normal")
    for value in ("0", "false"):
        response = api.client.get(f"/v1/health?deep={value}")
        assert (response.status_code, response.data) == (204, b"")


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_a_hanging_signal_cli_fails_the_check_in_time(make_api, mode, monkeypatch):
    monkeypatch.setattr(health_check, "PROBE_TIMEOUT", 1.0)
    api = make_api(mode)
    api.register(A)
    seed.write_faults(str(api.config_dir), {"listAccounts": {"hang": True}})
    started = time.monotonic()
    response = deep(api)
    assert time.monotonic() - started < 5
    assert response.status_code == 503, response.json
    assert response.json["signal_cli"]["ok"] is False
    assert response.json["signal_cli"]["detail"] == TIMED_OUT[mode]


def test_concurrent_deep_checks_share_one_signal_cli_run(make_api):
    api = make_api("normal")
    api.register(A)
    seed.write_faults(str(api.config_dir), {"listAccounts": {"delay": 1}})
    before = len(api.calls("listAccounts"))
    answers = []

    def ask():
        with api.app.test_client() as client:
            answers.append(client.get("/v1/health?deep=1"))

    threads = [threading.Thread(target=ask) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer.status_code for answer in answers] == [200] * 5
    assert all(answer.json["accounts"] == [{"number": A, "registered": True}] for answer in answers)
    # The five requests overlapped the one probe's second of delay: one listAccounts ran (two at most,
    # should a request have arrived just after the first probe ended).
    assert 1 <= len(api.calls("listAccounts")) - before <= 2
