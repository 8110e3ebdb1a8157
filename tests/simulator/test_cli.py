"""CLI behaviour: version, registration, account resolution, argparse errors."""

from __future__ import annotations

import json
import os
import stat

import pytest

from signal_api.simulator import state

from .conftest import ALICE, BOB


def test_version(sim):
    assert sim.run("--version").stdout == "signal-cli 0.13.19\n"
    assert sim.run("version").stdout == "signal-cli 0.13.19\n"
    assert sim.json("version") == {"version": "0.13.19"}


def test_register_and_verify_with_dashed_code(sim):
    proc = sim.run("register", account=ALICE)
    assert (proc.returncode, proc.stdout) == (0, "")
    index = json.load(open(os.path.join(sim.config_dir, "data", "accounts.json")))
    assert index["version"] == 2
    entry = index["accounts"][0]
    assert entry["number"] == ALICE and entry["uuid"] is None and entry["environment"] == "LIVE"
    account_file = os.path.join(sim.config_dir, "data", entry["path"])
    assert stat.S_IMODE(os.stat(account_file).st_mode) == 0o600
    assert json.load(open(account_file))["registered"] is False

    wrong = sim.run("verify", "111111", account=ALICE)
    assert wrong.returncode == 3
    assert wrong.stderr.startswith("Verify error:")

    assert sim.run("verify", "123-456", account=ALICE).returncode == 0
    account = state.find_account(sim.config_dir, ALICE)
    assert account["registered"] is True and account["uuid"]
    assert state.load_index(sim.config_dir)[0]["uuid"] == account["uuid"]


def test_verify_without_register_is_an_unexpected_error(sim):
    proc = sim.run("verify", "123456", account=ALICE)
    assert proc.returncode == 2
    assert "NullPointerException" in proc.stderr


def test_register_twice_fails(sim):
    sim.register(ALICE)
    proc = sim.run("register", account=ALICE)
    assert proc.returncode == 3
    assert proc.stderr == "Failed to register: Account is already registered (IOException)\n"


def test_list_accounts_skips_unregistered_with_warning(sim):
    sim.register(ALICE)
    assert sim.run("register", account=BOB).returncode == 0
    proc = sim.run("listAccounts")
    assert proc.stdout == f"Number: {ALICE}\n"
    assert (f"WARN  MultiAccountManager - Ignoring {BOB}: User is not registered. (NotRegisteredException)"
            in proc.stderr)
    assert sim.json("listAccounts") == [{"number": ALICE}]
    proc = sim.run("listAccounts", account=ALICE)
    assert (proc.returncode, proc.stderr) == (1, "Command only works in multi-account mode\n")


@pytest.mark.parametrize("account, args, message", [
    (ALICE, ["send", "-m", "hi", BOB], f"User {ALICE} is not registered."),
    ("12345", ["send", "-m", "hi", BOB], "Invalid account (phone number), make sure you include the country code."),
    ("12345", ["register"], "Invalid account (phone number), make sure you include the country code."),
    (None, ["send", "-m", "hi", BOB], "No local users found, you first need to register or link an account"),
    (ALICE, ["link"], "You cannot specify a account (phone number) when linking"),
])
def test_account_errors(sim, account, args, message):
    proc = sim.run(*args, account=account)
    assert proc.stderr.splitlines()[-1] == message
    assert proc.returncode == 1


def test_multiple_accounts_need_a(sim):
    sim.register(ALICE)
    sim.register(BOB)
    proc = sim.run("send", "-m", "hi", "+4930123456")
    assert proc.returncode == 1
    assert proc.stderr == "Multiple users found, you need to specify an account (phone number) with -a\n"


def test_unregister_and_delete_local_data(sim):
    sim.register(ALICE)
    proc = sim.run("deleteLocalAccountData", account=ALICE)
    assert proc.returncode == 1
    assert proc.stderr == "Not deleting account, it is still registered. Use --ignore-registered to delete it anyway.\n"
    assert sim.run("unregister", account=ALICE).returncode == 0
    assert state.find_account(sim.config_dir, ALICE)["registered"] is False
    assert sim.run("send", "-m", "x", BOB, account=ALICE).stderr == f"User {ALICE} is not registered.\n"
    assert sim.run("deleteLocalAccountData", account=ALICE).returncode == 0
    assert state.load_index(sim.config_dir) == []


@pytest.mark.parametrize("args, error", [
    ([], "signal-cli: error: too few arguments"),
    (["bogusCommand"], "signal-cli: error: invalid choice: 'bogusCommand'"),
    (["-o", "xml", "version"], "signal-cli: error: argument -o/--output: could not convert 'xml' "
                               "(choose from {plain-text,json})"),
    (["send", "-m", "x", "--message-from-stdin"], "signal-cli: error: argument --message-from-stdin: "
                                                  "not allowed with argument -m/--message"),
])
def test_argparse_errors(sim, args, error):
    proc = sim.run(*args)
    assert proc.returncode == 1
    assert "usage: signal-cli" in proc.stderr
    assert error in proc.stderr


def test_output_type_not_supported(sim):
    proc = sim.run("jsonRpc", output="plain-text")
    assert (proc.returncode, proc.stderr) == (1, "Command doesn't support output type plain-text\n")


def test_in_process_run_writes_to_a_replaced_stdout(sim):
    """A program that runs the simulator in-process with stdout redirected gets the output as text."""
    import contextlib
    import io

    from signal_api.simulator.__main__ import main

    sim.register(ALICE)
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        assert main(["--config", sim.config_dir, "-o", "json", "-a", ALICE, "send", "-m", "héllo ✓", BOB]) == 0
    reply = json.loads(captured.getvalue())
    assert isinstance(reply["timestamp"], int)
    assert reply["results"][0]["recipientAddress"]["number"] == BOB
    with contextlib.redirect_stdout(captured := io.StringIO()):
        assert main(["--config", sim.config_dir, "-a", ALICE, "listIdentities"]) == 0
    assert captured.getvalue() == sim.run("listIdentities", account=ALICE).stdout
