"""What clients see when signal-cli misbehaves: timeouts, crashes, noise (simulator faults)."""
from __future__ import annotations

import json
import time

import pytest

from tests.helpers import unknown_account_error

A = "+4915100000001"
B = "+4915100000002"


def set_faults(api, faults):
    path = api.config_dir / "simulator" / "faults.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(faults))


def send(api, text="x"):
    return api.client.post("/v2/send", json={"number": A, "recipients": [B], "message": text})


def test_a_hanging_signal_cli_is_a_504_not_a_hang(make_api, mode):
    api = make_api(mode, SIGNAL_CLI_CMD_TIMEOUT="2")
    api.register(A)
    set_faults(api, {"send": {"hang": True}})
    started = time.monotonic()
    response = send(api)
    assert response.status_code == 504
    assert "error" in response.json
    assert time.monotonic() - started < 15
    set_faults(api, {})
    assert send(api).status_code == 201


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_stderr_noise_on_success_does_not_break_the_reply(make_api, mode):
    api = make_api(mode)
    api.register(A)
    set_faults(api, {"listAccounts": {"stderr": "WARN  Foo - something\nAn unprefixed warning line"}})
    response = api.client.get("/v1/accounts")
    assert response.status_code == 200
    assert response.json == [A]


@pytest.mark.parametrize("code, status", [(1, 400), (2, 400), (3, 400)])
def test_cli_exit_codes_become_400_with_their_message(make_api, code, status):
    api = make_api("normal")
    api.register(A)
    set_faults(api, {"send": {"exit": code, "message": f"failure number {code}"}})
    response = send(api)
    assert response.status_code == status
    assert response.json == {"error": f"failure number {code}"}


@pytest.mark.parametrize("code", [1, 2, 3])
def test_json_rpc_errors_become_400_with_their_message(make_api, code):
    api = make_api("json-rpc")
    api.register(A)
    set_faults(api, {"send": {"exit": code, "message": f"failure number {code}"}})
    response = send(api)
    assert response.status_code == 400
    assert response.json["error"].startswith(f"failure number {code}")


def test_a_daemon_that_dies_mid_call_gives_503_and_is_restarted(make_api):
    api = make_api("json-rpc")
    api.register(A)
    api.register(B)
    supervisor = api.backend.supervisor
    first_pid = supervisor.pid
    set_faults(api, {"send": {"die": True}})
    response = send(api)
    assert response.status_code == 503
    assert "error" in response.json
    set_faults(api, {})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        response = send(api, "after restart")
        if response.status_code == 201:
            break
        time.sleep(0.2)
    assert response.status_code == 201, response.json
    assert supervisor.pid != first_pid
    assert supervisor.starts >= 2
    assert [m["envelope"]["dataMessage"]["message"] for m in api.receive(B)] == ["after restart"]


def test_an_unreachable_daemon_is_a_503_even_where_the_original_says_500(make_api, tmp_path):
    api = make_api("json-rpc", SIGNAL_CLI_JSON_RPC_ADDRESS=f"unix:{tmp_path}/nobody.sock", SIGNAL_CLI_CMD_TIMEOUT="1")
    response = api.client.get("/v1/accounts")
    assert response.status_code == 503
    assert "not reachable" in response.json["error"]
    response = send(api)
    assert response.status_code == 503


def test_no_trace_path_or_parser_text_reaches_the_client(make_api, mode, tmp_path):
    api = make_api(mode)
    api.register(A)
    attachment = tmp_path / "api" / "tmp" / "3f1c.png"
    set_faults(api, {"send": {"exit": 2, "message": (
        f"Failed to send message: {attachment} (No such file or directory) (IOException)\n"
        "java.io.IOException: gone\n\tat org.asamk.signal.commands.SendCommand.handleCommand(SendCommand.java:228)")}})
    response = send(api)
    assert response.status_code == 400
    assert response.json == {"error": "Failed to send message: 3f1c.png (No such file or directory) (IOException)"}
    set_faults(api, {"send": {"exit": 1, "message": (
        "usage: signal-cli send [-h] [-g [GROUP_ID [GROUP_ID ...]]]\n"
        "signal-cli: error: unrecognized arguments: '--attachment=/etc/passwd'")}})
    response = send(api)
    assert response.status_code == 400
    assert response.json == {"error": "signal-cli refused the arguments of this request"}


def test_an_unregistered_account_keeps_signal_clis_exact_text(make_api, mode):
    api = make_api(mode)
    api.register(B)
    response = send(api)
    assert response.status_code == 400
    assert response.json == {"error": unknown_account_error(mode, A)}
