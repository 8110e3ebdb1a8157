"""Every command line the subprocess runner builds is one the real signal-cli 0.13.19 accepts.

A scenario drives every route (with its options) through the API in normal mode against the
simulator, which records each argv it was given. Each distinct command line is then run against
the real signal-cli with a config dir whose account looks registered: signal-cli must get past
argument parsing and fail only at the account's server check (exit 3, the network is
unreachable), never with an argument error (exit 1 and a usage block). Commands that 0.13.19
does not have (they came with 0.13.22 and 0.14) are listed and must be refused as unknown.
"""
from __future__ import annotations

import base64
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conformance.real_signal_cli import make_registered_looking, real_command, real_env, run

A = "+4915112345678"
B = "+4915187654321"
NOT_IN_0_13_19 = {"sendPollCreate", "sendPollVote", "sendPollTerminate", "sendPinMessage", "sendUnpinMessage"}
# Options that came with 0.14.0: 0.13.19 refuses them as unrecognized (the original passes them too).
OPTIONS_NOT_IN_0_13_19 = {"--ignore-avatars", "--ignore-stickers"}
# What 0.13.19 answers once past argument parsing, where it is not the account check's exit 3.


def expected_outcome(command: str, args: list[str]) -> tuple[int, str]:
    """(exit code, a fragment of stderr) the real signal-cli gives for this command line."""
    if command == "listAccounts":
        # Multi-account loading runs the account check too, and 0.13.19 aborts on its failure.
        return 2, "Failed to load account file"
    if command == "verify":
        return 3, "Account is already registered"
    if command == "register":
        return 3, "Failed to register"
    if command == "deleteLocalAccountData":
        if "--ignore-registered" in args:
            return 0, ""
        return 1, "Not deleting account, it is still registered"
    if command == "link":
        return 3, "Link request error"
    return 3, "Error while checking account"
# Commands that change the account files run on a copy of the config each.
ON_A_COPY = {"register", "verify", "unregister", "deleteLocalAccountData"}
PNG = base64.b64encode(base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)).decode()


def drive_every_route(api) -> None:
    """Call each route with its options (success or not does not matter: the argv does)."""
    c = api.client
    api.register(A)
    api.register(B)
    group = c.post(f"/v1/groups/{A}", json={
        "name": "Team", "members": [B, "some.user.12"], "description": "d", "group_link": "enabled",
        "expiration_time": 60,
        "permissions": {"add_members": "only-admins", "edit_group": "every-member", "send_messages": "every-member"},
    }).json["id"]
    invite = c.get(f"/v1/groups/{A}/{group}").json["invite_link"]
    requests = [
        ("POST", "/v2/send", {"number": A, "recipients": [B], "message": "hi *there*", "text_mode": "styled",
                              "base64_attachments": [PNG], "mentions": [{"start": 0, "length": 1, "author": B}],
                              "quote_timestamp": 1700000000000, "quote_author": B, "quote_message": "q",
                              "quote_mentions": [{"start": 0, "length": 1, "author": B}], "view_once": True,
                              "edit_timestamp": 1700000000001, "sticker": "ab12:3"}),
        ("POST", "/v2/send", {"number": A, "recipients": [group], "message": "see https://a.example/x",
                              "link_preview": {"url": "https://a.example/x", "title": "t", "description": "d",
                                               "base64_thumbnail": PNG}, "notify_self": False}),
        ("POST", "/v2/send", {"number": A, "recipients": ["some.user.12"], "message": "-starts with a dash"}),
        ("POST", "/v1/send", {"number": A, "recipients": [B], "message": "v1"}),
        ("GET", f"/v1/receive/{A}?timeout=1&max_messages=5&ignore_attachments=true&ignore_stories=true"
                "&send_read_receipts=true", None),
        ("GET", f"/v1/receive/{A}?timeout=1&ignore_avatars=true&ignore_stickers=true", None),
        ("GET", f"/v1/groups/{A}", None),
        ("GET", f"/v1/groups/{A}/{group}/avatar", None),
        ("PUT", f"/v1/groups/{A}/{group}", {"name": "New", "description": "x", "base64_avatar": PNG,
                                             "expiration_time": 0, "group_link": "disabled",
                                             "permissions": {"add_members": "every-member",
                                                             "edit_group": "only-admins",
                                                             "send_messages": "only-admins"}}),
        ("POST", f"/v1/groups/{A}/{group}/members", {"members": [B]}),
        ("DELETE", f"/v1/groups/{A}/{group}/members", {"members": [B]}),
        ("POST", f"/v1/groups/{A}/{group}/admins", {"admins": [B]}),
        ("DELETE", f"/v1/groups/{A}/{group}/admins", {"admins": [B]}),
        ("POST", f"/v1/groups/{A}/{group}/pin-message", {"target_author": B, "timestamp": 1700000000000,
                                                          "duration": -1}),
        ("DELETE", f"/v1/groups/{A}/{group}/pin-message", {"target_author": B, "timestamp": 1700000000000}),
        ("POST", f"/v1/groups/{A}/{group}/block", None),
        ("POST", f"/v1/groups/{A}/{group}/join", None),
        ("POST", f"/v1/groups/{A}/{group}/quit", None),
        ("DELETE", f"/v1/groups/{A}/{group}", None),
        ("POST", f"/v1/reactions/{A}", {"recipient": B, "reaction": "👍", "target_author": B,
                                        "timestamp": 1700000000000}),
        ("DELETE", f"/v1/reactions/{A}", {"recipient": group, "target_author": B, "timestamp": 1700000000000}),
        ("POST", f"/v1/receipts/{A}", {"recipient": B, "receipt_type": "viewed", "timestamp": 1700000000000}),
        ("PUT", f"/v1/typing-indicator/{A}", {"recipient": B}),
        ("DELETE", f"/v1/typing-indicator/{A}", {"recipient": group}),
        ("DELETE", f"/v1/remote-delete/{A}", {"recipient": B, "timestamp": 1700000000000}),
        ("POST", f"/v1/polls/{A}", {"recipient": B, "question": "q?", "answers": ["a", "b"],
                                    "allow_multiple_selections": False}),
        ("POST", f"/v1/polls/{A}/vote", {"recipient": B, "poll_author": A, "poll_timestamp": "1700000000000",
                                         "selected_answers": [1]}),
        ("DELETE", f"/v1/polls/{A}", {"recipient": B, "poll_timestamp": "1700000000000"}),
        ("GET", f"/v1/contacts/{A}?all_recipients=true", None),
        ("GET", f"/v1/contacts/{A}/{B}", None),
        ("GET", f"/v1/contacts/{A}/{B}/avatar", None),
        ("PUT", f"/v1/contacts/{A}", {"recipient": B, "name": "Bee", "expiration_in_seconds": 0}),
        ("POST", f"/v1/contacts/{A}/sync", None),
        ("POST", f"/v1/contacts/{A}/{B}/block", None),
        ("POST", f"/v1/contacts/{A}/some.user.12/unblock", None),
        ("POST", f"/v1/contacts/{A}/{B}/message-request", {"response": "accept"}),
        ("POST", f"/v1/groups/{A}/{group}/message-request", {"response": "delete"}),
        ("POST", f"/v1/groups/{B}/join-by-link", {"uri": invite}),
        ("PUT", f"/v1/accounts/{A}/configuration", {"read_receipts": True, "typing_indicators": False,
                                                    "unidentified_delivery_indicators": True,
                                                    "link_previews": False}),
        ("PUT", f"/v1/profiles/{A}", {"name": "Ay", "about": "hello", "base64_avatar": PNG}),
        ("PUT", f"/v1/profiles/{A}", {"name": "Ay"}),
        ("GET", f"/v1/identities/{A}", None),
        ("PUT", f"/v1/identities/{A}/trust/{B}", {"trust_all_known_keys": True}),
        ("PUT", f"/v1/identities/{A}/trust/{B}", {"verified_safety_number": "1" * 60}),
        ("GET", f"/v1/search/{A}?numbers={B}&numbers=%2B4915100000009", None),
        ("GET", f"/v1/sticker-packs/{A}", None),
        ("POST", f"/v1/sticker-packs/{A}", {"pack_id": "ab" * 16, "pack_key": "cd" * 32}),
        ("GET", f"/v1/devices/{A}", None),
        ("POST", f"/v1/devices/{A}", {"uri": "sgnl://linkdevice?uuid=x&pub_key=y"}),
        ("DELETE", f"/v1/devices/{A}/2", None),
        ("GET", "/v1/qrcodelink/raw?device_name=bot", None),
        ("POST", f"/v1/accounts/{A}/rate-limit-challenge", {"challenge_token": "t", "captcha": "signalcaptcha://c"}),
        ("PUT", f"/v1/accounts/{A}/settings", {"discoverable_by_number": False, "share_number": True}),
        ("POST", f"/v1/accounts/{A}/username", {"username": "ay.42"}),
        ("DELETE", f"/v1/accounts/{A}/username", None),
        ("POST", f"/v1/accounts/{A}/pin", {"pin": "1234"}),
        ("DELETE", f"/v1/accounts/{A}/pin", None),
        ("POST", f"/v1/configuration/{A}/settings", {"trust_mode": "always"}),
        ("GET", f"/v1/groups/{A}", None),  # now with --trust-new-identities
        ("POST", f"/v1/register/{B}", {"use_voice": True, "captcha": "signalcaptcha://c"}),
        ("POST", f"/v1/register/{B}/verify/123456", {"pin": "1234"}),
        ("POST", f"/v1/unregister/{B}", {"delete_account": True, "delete_local_data": True}),
        ("DELETE", f"/v1/devices/{A}/local-data", {"ignore_registered": True}),
        ("GET", "/v1/accounts", None),
    ]
    for method, path, body in requests:
        response = c.open(path, method=method, json=body) if body is not None else c.open(path, method=method)
        assert response.status_code < 500, (method, path, response.status_code, response.data)


def distinct_command_lines(calls: list[dict]) -> dict[tuple, list[str]]:
    """One argv per (command, options used), argv without the binary prefix."""
    lines = {}
    for call in calls:
        argv = call.get("argv")
        if not argv or call["via"] != "cli":
            continue
        start = next(i for i, arg in enumerate(argv) if arg.startswith("--config="))
        args = argv[start:]
        key = (call["command"], tuple(sorted(a.split("=")[0] for a in args if a.startswith("-"))))
        lines.setdefault(key, args)
    return lines


@pytest.fixture(scope="module")
def command_lines(tmp_path_factory):
    from tests.conftest import Harness

    harness = Harness("normal", tmp_path_factory.mktemp("scenario"))
    harness.start()
    try:
        drive_every_route(harness)
        return distinct_command_lines(harness.calls())
    finally:
        harness.stop()


@pytest.fixture(scope="module")
def real_config(tmp_path_factory):
    config = tmp_path_factory.mktemp("real")
    make_registered_looking(config, A)
    return config


def run_real(config: Path, command: str, args: list[str], scratch: Path):
    """Run one recorded command line on the real signal-cli, as account A."""
    args = list(args)
    if command in ON_A_COPY:
        copy = scratch / f"{command}-{uuid.uuid4().hex}"
        shutil.copytree(config, copy)
        config = copy
    globals_end = args.index(command)
    for i, arg in enumerate(args[:globals_end]):
        if arg.startswith("--config="):
            args[i] = f"--config={config}"
        elif arg.startswith("--account="):
            args[i] = f"--account={A}"
    return args, run(real_command(), args, env=real_env(), stdin="text\n")


def test_the_scenario_covers_every_command_the_routes_use(command_lines):
    commands = {command for command, _ in command_lines}
    expected = {
        "send", "receive", "updateGroup", "listGroups", "getAvatar", "quitGroup", "block", "sendReaction",
        "sendReceipt", "sendTyping", "remoteDelete", "listContacts", "updateContact", "sendContacts",
        "updateProfile", "listIdentities", "trust", "getUserStatus", "listStickerPacks", "addStickerPack",
        "listDevices", "addDevice", "removeDevice", "link", "submitRateLimitChallenge", "updateAccount", "setPin",
        "removePin", "register", "verify", "unregister", "deleteLocalAccountData", "listAccounts",
        "unblock", "sendMessageRequestResponse", "joinGroup", "updateConfiguration",
    } | NOT_IN_0_13_19
    assert expected <= commands, sorted(expected - commands)


def test_the_real_signal_cli_accepts_every_command_line(command_lines, real_config, tmp_path):
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda item: run_real(real_config, item[0][0], item[1], tmp_path),
                                command_lines.items()))
    problems = []
    for (command, _), (args, result) in zip(command_lines, results):
        stderr = " ".join(result.stderr.split())  # argparse4j re-flows its lines
        if command in NOT_IN_0_13_19:
            if f"invalid choice: '{command}'" not in stderr:
                problems.append(f"{command}: expected 0.13.19 to lack it; exit {result.returncode}: {stderr[-200:]}")
            continue
        newer = sorted(OPTIONS_NOT_IN_0_13_19 & set(args))
        if newer:
            if f"unrecognized arguments: '{newer[0]}'" not in stderr:
                problems.append(f"{' '.join(args[2:])}\n  -> expected 0.13.19 to lack {newer[0]}: {stderr[-200:]}")
            continue
        code, fragment = expected_outcome(command, args)
        if "usage:" in stderr or "signal-cli: error:" in stderr or result.returncode != code or fragment not in stderr:
            problems.append(f"{' '.join(args[2:])}\n  -> exit {result.returncode}: {stderr[-300:]}")
    assert problems == [], "\n".join(problems)


def test_the_real_signal_cli_accepts_the_daemon_command_line(real_config, tmp_path):
    from signal_api.config import JsonRpcDaemonOptions
    from signal_api.signalcli.daemon import daemon_argv

    options = JsonRpcDaemonOptions(ignore_attachments=True, ignore_stories=True, trust_new_identities="always")
    args = daemon_argv((), real_config, tmp_path / "daemon.sock", options)
    result = run(real_command(), args, env=real_env())
    stderr = " ".join(result.stderr.split())
    assert "usage:" not in stderr and "signal-cli: error:" not in stderr, stderr
    # Parsed, then multi-account loading runs the account check, which 0.13.19 treats as fatal.
    assert result.returncode == 2 and "Failed to load account file" in stderr, stderr
