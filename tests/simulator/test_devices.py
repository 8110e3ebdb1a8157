"""Linking, devices and account settings in the simulator (CLI and JSON-RPC)."""

from __future__ import annotations

import json
import subprocess
import threading

import pytest

from signal_api.simulator import state

from .conftest import ALICE, BOB

PHONE = "+4915199999999"


def _start_link(sim, *args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(sim.argv("link", *args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def _account(sim, number: str) -> dict:
    return state.find_account(sim.config_dir, number)


def test_link_prints_the_uri_then_waits_for_the_scan(sim):
    proc, uri = _start_link(sim, "-n", "kitchen")
    try:
        assert uri.startswith("sgnl://linkdevice?uuid=") and "&pub_key=" in uri
        assert len(uri) <= 119  # fits a version 10-H QR code
        assert proc.poll() is None
        scan = sim.run("simulateLinkScan", "--uri", uri, "--number", PHONE)
        assert (scan.returncode, scan.stdout) == (0, f"Linked {PHONE}\n")
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert (proc.returncode, out, err) == (0, f"Associated with: {PHONE}\n", "")
    assert sim.json("listAccounts") == [{"number": PHONE}]
    linked = _account(sim, PHONE)
    assert (linked["deviceId"], linked["deviceName"], linked["registered"]) == (2, "kitchen", True)
    devices = sim.json("listDevices", account=PHONE)
    assert [(d["id"], d["name"]) for d in devices] == [(1, None), (2, "kitchen")]
    plain = sim.run("listDevices", account=PHONE).stdout.splitlines()
    assert plain[0] == "- Device 1:" and "- Device 2 (this device):" in plain and "  Name: kitchen" in plain


def test_link_times_out(sim):
    sim.faults({"link_timeout": 0.2})
    proc = sim.run("link")
    assert proc.returncode == 1
    assert proc.stdout.startswith("sgnl://linkdevice?")
    assert proc.stderr == "Link request timed out, please try again.\n"


def test_scanning_for_an_existing_account_fails_the_link(sim):
    sim.register(PHONE)
    proc, uri = _start_link(sim)
    try:
        scan = sim.run("simulateLinkScan", "--uri", uri, "--number", PHONE)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert scan.returncode == 1 and scan.stderr.startswith(f"The user {PHONE} already exists\nDelete \"")
    assert proc.returncode == 1 and err.startswith(f"The user {PHONE} already exists")


def test_scan_errors(sim):
    proc = sim.run("simulateLinkScan", "--uri", "sgnl://linkdevice?uuid=x&pub_key=y", "--number", PHONE)
    assert (proc.returncode, proc.stderr) == (1, "Unknown device link uri.\n")
    proc = sim.run("simulateLinkScan", "--uri", "x")
    assert proc.returncode == 1 and "--number is required" in proc.stderr


def test_start_and_finish_link_over_json_rpc(sim, start_daemon):
    sim.register(ALICE)
    daemon = start_daemon()
    client = daemon.connect_unix()
    uri = client.call("startLink", {}, rid=1)["result"]["deviceLinkUri"]
    assert uri.startswith("sgnl://linkdevice?uuid=")
    results: dict = {}
    waiter = threading.Thread(target=lambda: results.update(
        reply=daemon.connect_unix().call("finishLink", {"deviceLinkUri": uri, "deviceName": "bot"}, rid=2)))
    waiter.start()
    other = daemon.connect_unix()
    assert other.call("simulateLinkScan", {"uri": uri, "number": PHONE}, rid=3)["result"]["number"] == PHONE
    waiter.join(timeout=10)
    assert results["reply"]["result"] == {"number": PHONE}
    assert _account(sim, PHONE)["deviceName"] == "bot"
    # The running daemon serves the new account at once.
    reply = other.call("send", {"account": PHONE, "recipient": [ALICE], "message": "hi"}, rid=4)
    assert reply["result"]["results"][0]["type"] == "SUCCESS"


@pytest.mark.parametrize("params, error", [
    ({}, {"code": -1, "message": "Missing deviceLinkUri.", "data": None}),
    ({"deviceLinkUri": "https://x"}, {"code": -1, "message": "Invalid device link uri.", "data": None}),
    ({"deviceLinkUri": "sgnl://linkdevice?uuid=a&pub_key=b"},
     {"code": -1, "message": "Unknown device link uri.", "data": None}),
    ({"deviceLinkUri": "sgnl://x", "name": "n"}, {"code": -32600, "message": 'Unrecognized field "name" (class '
     'org.asamk.signal.commands.FinishLinkCommand$Params), not marked as ignorable', "data": None}),
])
def test_finish_link_errors(sim, start_daemon, params, error):
    client = start_daemon().connect_unix()
    assert client.call("finishLink", params, rid=1)["error"] == error


def test_add_list_and_remove_devices(pair):
    sim = pair
    assert [d["id"] for d in sim.json("listDevices", account=ALICE)] == [1]
    proc = sim.run("addDevice", "--uri", "sgnl://linkdevice?uuid=abc&pub_key=def", account=ALICE)
    assert (proc.returncode, proc.stdout) == (0, "")
    devices = sim.json("listDevices", account=ALICE)
    assert [(d["id"], d["name"]) for d in devices] == [(1, None), (2, None)]
    assert sim.run("removeDevice", "--device-id", "2", account=ALICE).returncode == 0
    assert [d["id"] for d in sim.json("listDevices", account=ALICE)] == [1]
    proc = sim.run("removeDevice", "-d", "2", account=ALICE)
    assert proc.returncode == 3 and "Device 2 not found" in proc.stderr
    proc = sim.run("removeDevice", "-d", "two", account=ALICE)
    assert proc.returncode == 1
    proc = sim.run("addDevice", "--uri", "nonsense", account=ALICE)
    assert (proc.returncode, proc.stderr) == (1, "Invalid device link\n")


def test_linked_devices_cannot_add_devices_or_set_pins(sim):
    proc, uri = _start_link(sim)
    sim.run("simulateLinkScan", "--uri", uri, "--number", PHONE)
    proc.communicate(timeout=10)
    for args in (["addDevice", "--uri", "sgnl://linkdevice?uuid=a&pub_key=b"], ["setPin", "1234"]):
        run = sim.run(*args, account=PHONE)
        assert (run.returncode, run.stderr) == (1, "This command doesn't work on linked devices.\n")


def test_update_account_username(pair):
    sim = pair
    result = sim.json("updateAccount", "-u", "alice", account=ALICE)
    assert result["username"].startswith("alice.") and result["usernameLink"].startswith("https://signal.me/#eu/")
    plain = sim.run("updateAccount", "--username", "alice.42", account=ALICE)
    assert plain.stdout.startswith("Your new username: alice.42 (https://signal.me/#eu/")
    # Others can now reach ALICE by that username.
    sent = sim.json("send", "-m", "hi", "-u", "alice.42", account=BOB)
    assert sent["results"][0]["recipientAddress"]["number"] == ALICE
    taken = sim.run("updateAccount", "-u", "alice.42", account=BOB)
    assert taken.returncode == 3 and taken.stderr.startswith("Failed to set username: Username is not available")
    assert sim.run("updateAccount", "--delete-username", account=ALICE).stdout == ""
    assert _account(sim, ALICE)["username"] is None
    both = sim.run("updateAccount", "-u", "x.12", "--delete-username", account=ALICE)
    assert both.returncode == 1


@pytest.mark.parametrize("name, problem", [
    ("ab", "Nickname is too short"), ("1abc", "Nickname cannot start with a digit"),
    ("a-bc", "Nickname contains an invalid character"), ("abc.", "Discriminator cannot be empty"),
    ("abc.x1", "Discriminator contains an invalid character"),
    ("abc.1", "Discriminator must have at least two digits and no leading zero"), ("a" * 33, "Nickname is too long"),
])
def test_invalid_usernames(pair, name, problem):
    proc = pair.run("updateAccount", "-u", name, account=ALICE)
    assert (proc.returncode, proc.stderr) == (1, f"Invalid username: {problem}\n")


def test_update_account_settings(pair):
    sim = pair
    proc = sim.run("updateAccount", "--discoverable-by-number", "false", "--number-sharing", "true", "-n", "desk",
                   account=ALICE)
    assert (proc.returncode, proc.stdout) == (0, "")
    account = _account(sim, ALICE)
    assert account["settings"] == {"discoverableByNumber": False, "numberSharing": True}
    assert account["deviceName"] == "desk"
    assert sim.json("listDevices", account=ALICE)[0]["name"] == "desk"


def test_pin_guards_a_new_registration(pair):
    sim = pair
    assert sim.run("setPin", "2468", account=ALICE).returncode == 0
    assert _account(sim, ALICE)["registrationLockPin"] == "2468"
    assert sim.run("register", "--reregister", account=ALICE).returncode == 0
    proc = sim.run("verify", "123456", account=ALICE)
    assert proc.returncode == 1 and "This number is locked with a pin" in proc.stderr
    assert sim.run("removePin", account=ALICE).returncode == 0
    assert _account(sim, ALICE)["registrationLockPin"] is None
    assert sim.run("verify", "123456", account=ALICE).returncode == 0


def test_submit_rate_limit_challenge(pair, start_daemon):
    sim = pair
    proc = sim.run("submitRateLimitChallenge", "--challenge", "tok", "--captcha", "signalcaptcha://c", account=ALICE)
    assert (proc.returncode, proc.stdout) == (0, "")
    missing = sim.run("submitRateLimitChallenge", "--challenge", "tok", account=ALICE)
    assert missing.returncode == 1 and "--captcha is required" in missing.stderr
    client = start_daemon().connect_unix()
    reply = client.call("submitRateLimitChallenge", {"account": ALICE, "challenge": "t2", "captcha": "c2"}, rid=1)
    assert reply["result"] == {}
    assert [c["challenge"] for c in _account(sim, ALICE)["solvedChallenges"]] == ["tok", "t2"]
    calls = [c for c in state.read_calls(sim.config_dir) if c["command"] == "submitRateLimitChallenge"]
    assert calls[-1]["params"] == {"challenge": "t2", "captcha": "c2"}


def test_account_commands_over_json_rpc(pair, start_daemon):
    client = start_daemon().connect_unix()
    reply = client.call("updateAccount", {"account": ALICE, "username": "rpc.55"}, rid=1)
    assert reply["result"]["username"] == "rpc.55"
    assert client.call("updateAccount", {"account": ALICE, "deleteUsername": True}, rid=2)["result"] == {}
    assert client.call("setPin", {"account": ALICE, "pin": "1111"}, rid=3)["result"] == {}
    assert client.call("removePin", {"account": ALICE}, rid=4)["result"] == {}
    devices = client.call("listDevices", {"account": ALICE}, rid=5)["result"]
    assert [d["id"] for d in devices] == [1]
    error = client.call("removeDevice", {"account": ALICE, "deviceId": 9}, rid=6)["error"]
    assert error["code"] == -3
    assert _account(pair, ALICE)["username"] is None
