"""send / receive / groups / simulateReceive over the CLI."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from signal_api.simulator import network, state

from .conftest import ALICE, BOB, CAROL

PEER = "+4930123456"


def test_send_then_receive_full_envelope(pair):
    alice = state.find_account(pair.config_dir, ALICE)
    result = pair.json("send", "-m", "hello bob", BOB, account=ALICE)
    assert result["results"] == [{"recipientAddress": {"uuid": state.find_account(pair.config_dir, BOB)["uuid"],
                                                       "number": BOB, "username": None}, "type": "SUCCESS"}]
    lines = pair.receive(BOB, timeout=1)
    assert len(lines) == 1
    assert lines[0]["account"] == BOB
    env = lines[0]["envelope"]
    assert env["source"] == ALICE and env["sourceNumber"] == ALICE and env["sourceUuid"] == alice["uuid"]
    assert env["sourceName"] == "Alice" and env["sourceDevice"] == 1
    assert env["timestamp"] == result["timestamp"]
    assert env["serverReceivedTimestamp"] >= env["timestamp"]
    assert env["dataMessage"] == {"timestamp": result["timestamp"], "message": "hello bob", "expiresInSeconds": 0,
                                  "isExpirationUpdate": False, "viewOnce": False}
    assert pair.receive(BOB) == []  # consumed


def test_plain_send_prints_timestamp(pair):
    proc = pair.run("send", "-m", "hi", BOB, account=ALICE)
    assert proc.returncode == 0
    assert proc.stdout.strip().isdigit()
    proc = pair.run("receive", "-t", "0.3", account=BOB)
    assert "Body: hi" in proc.stdout


def test_message_from_stdin(pair):
    pair.json("send", "--message-from-stdin", BOB, account=ALICE, input="line one\nline two")
    [item] = pair.receive(BOB)
    assert item["envelope"]["dataMessage"]["message"] == "line one\nline two"


def test_attachment_round_trip(pair, tmp_path):
    path = tmp_path / "photo.png"
    payload = b"\x89PNG\r\n\x1a\n" + os.urandom(100)
    path.write_bytes(payload)
    pair.json("send", "-m", "pic", BOB, "-a", str(path), "data:text/plain;filename=note.txt;base64,aGk=",
              account=ALICE)
    path.unlink()  # the caller deletes its temp files right after the send
    [item] = pair.receive(BOB)
    png, note = item["envelope"]["dataMessage"]["attachments"]
    assert png["contentType"] == "image/png" and png["filename"] == "photo.png" and png["size"] == len(payload)
    assert png["id"].endswith(".png")
    assert set(png) == {"contentType", "filename", "id", "size", "width", "height", "caption", "uploadTimestamp"}
    assert open(os.path.join(pair.config_dir, "attachments", png["id"]), "rb").read() == payload
    assert note["contentType"] == "text/plain" and note["filename"] == "note.txt"
    assert open(os.path.join(pair.config_dir, "attachments", note["id"]), "rb").read() == b"hi"


def test_missing_attachment_file(pair, tmp_path):
    proc = pair.run("send", "-m", "x", BOB, "-a", str(tmp_path / "nope.jpg"), account=ALICE)
    assert proc.returncode == 2
    assert proc.stderr.startswith("Failed to send message: ") and "AttachmentInvalidException" in proc.stderr


def test_greedy_attachment_option_swallows_recipient(pair, tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("x")
    proc = pair.run("send", "-m", "x", "-a", str(path), BOB, account=ALICE)
    assert (proc.returncode, proc.stderr) == (1, "No recipients given\n")
    call = state.read_calls(pair.config_dir)[-1]
    assert call["params"]["attachment"] == [str(path), BOB]
    assert "recipient" not in call["params"]


def test_styles_mentions_quote_sticker_preview(pair):
    bob = state.find_account(pair.config_dir, BOB)
    pair.json("send", "-m", "hey X look", BOB, "--text-style", "0:3:BOLD", "4:1:SPOILER",
              "--mention", f"4:1:{BOB}", "--quote-timestamp", "1700000000000", "--quote-author", BOB,
              "--quote-message", "earlier", "--sticker", "abcd:3", "--preview-url", "https://x.example",
              "--preview-title", "T", account=ALICE)
    dm = pair.receive(BOB)[0]["envelope"]["dataMessage"]
    assert dm["textStyles"] == [{"style": "BOLD", "start": 0, "length": 3}, {"style": "SPOILER", "start": 4, "length": 1}]
    assert dm["mentions"] == [{"name": BOB, "number": BOB, "uuid": bob["uuid"], "start": 4, "length": 1}]
    assert dm["quote"] == {"id": 1700000000000, "author": BOB, "authorNumber": BOB, "authorUuid": bob["uuid"],
                           "text": "earlier", "attachments": []}
    assert dm["sticker"] == {"packId": "abcd", "stickerId": 3}
    assert dm["previews"] == [{"url": "https://x.example", "title": "T", "description": "", "image": None}]


def test_edit_message_arrives_as_edit(pair):
    pair.json("send", "-m", "fixed", BOB, "--edit-timestamp", "1700000000000", account=ALICE)
    env = pair.receive(BOB)[0]["envelope"]
    assert "dataMessage" not in env
    assert env["editMessage"]["targetSentTimestamp"] == 1700000000000
    assert env["editMessage"]["dataMessage"]["message"] == "fixed"


def test_note_to_self_is_a_sync_transcript(pair):
    pair.json("send", "--note-to-self", "-m", "memo", account=ALICE)
    sent = pair.receive(ALICE)[0]["envelope"]["syncMessage"]["sentMessage"]
    assert sent["destinationNumber"] == ALICE and sent["message"] == "memo"
    pair.json("send", "--note-to-self", "--notify-self", "-m", "memo2", account=ALICE)
    assert pair.receive(ALICE)[0]["envelope"]["dataMessage"]["message"] == "memo2"


def test_validation_errors(pair):
    cases = [
        (["-m", "x"], "No recipients given"),
        ([BOB], "Sending empty message is not allowed, either a message, attachment or sticker must be given."),
        ([BOB, "-m", "x", "--quote-timestamp", "5"], "Quote author parameter is missing"),
        ([BOB, "-m", "x", "--mention", "bad"], "Invalid mention syntax (bad) expected 'start:length:recipientNumber'"),
        ([BOB, "-m", "x", "--text-style", "1:2"], "Invalid textStyle syntax (1:2) expected 'start:length:STYLE'"),
        ([BOB, "-m", "x", "--text-style", "1:2:bold"], "Invalid style: bold"),
        ([BOB, "-m", "x", "--sticker", "abc:1"], "Invalid sticker syntax (abc:1) expected 'stickerPackId:stickerId'"),
        (["-g", "not-base64!", "-m", "x"], "Invalid group id: "),
        (["-g", "A" * 43 + "=", "-m", "x"], "Group not found: "),
        (["-u", "nodot", "-m", "x"], "Invalid username: nodot"),
    ]
    for args, message in cases:
        proc = pair.run("send", *args, account=ALICE)
        assert proc.returncode == 1, (args, proc.stderr)
        assert proc.stderr.startswith(message), (args, proc.stderr)


def test_partial_failure_and_outbox(pair):
    result = pair.json("send", "-m", "x", PEER, "+99912345", "+99812345", "+99712345", "+99612345",
                       account=ALICE)
    by_number = {r["recipientAddress"]["number"]: r for r in result["results"]}
    assert by_number[PEER]["type"] == "SUCCESS"
    assert by_number[PEER]["recipientAddress"]["uuid"] == network.peer_uuid(PEER)
    assert by_number["+99912345"] == {"recipientAddress": {"uuid": None, "number": "+99912345", "username": None},
                                      "type": "UNREGISTERED_FAILURE"}
    assert by_number["+99812345"]["type"] == "IDENTITY_FAILURE"
    assert by_number["+99712345"]["type"] == "RATE_LIMIT_FAILURE"
    assert by_number["+99712345"]["token"] and by_number["+99712345"]["retryAfterSeconds"] > 0
    assert by_number["+99612345"]["type"] == "NETWORK_FAILURE"
    [out] = state.read_outbox(pair.config_dir)
    assert (out["from"], out["to"], out["timestamp"]) == (ALICE, PEER, result["timestamp"])
    assert out["envelope"]["dataMessage"]["message"] == "x"


def test_exit_codes_when_nothing_succeeds(pair):
    for recipients, code, message in [
        (["+99812345"], 4, "Failed to send message due to untrusted identities"),
        (["+99712345"], 5, "Failed to send message due to rate limiting"),
        (["+99912345", "+99812345"], 1, "Failed to send message"),
    ]:
        proc = pair.run("send", "-m", "x", *recipients, account=ALICE, output="json")
        assert proc.returncode == code
        assert proc.stderr == message + "\n"
        assert len(json.loads(proc.stdout)["results"]) == len(recipients)
    plain = pair.run("send", "-m", "x", "+99912345", account=ALICE)
    assert plain.stdout.splitlines()[:2] == ["Failed to send (some) messages:", 'Unregistered user "+99912345"']


def test_group_create_list_and_send(pair):
    pair.register(CAROL)
    created = pair.json("updateGroup", "-n", "Team", "-m", BOB, CAROL, PEER, account=ALICE)
    group_id = created["groupId"]
    assert len(created["results"]) == 3
    for member in (BOB, CAROL):
        update = pair.receive(member)[0]["envelope"]["dataMessage"]
        assert update["groupInfo"] == {"groupId": group_id, "groupName": "Team", "revision": 0, "type": "UPDATE"}
    [listed] = pair.json("listGroups", "-d", account=BOB)
    assert listed["id"] == group_id and listed["name"] == "Team" and listed["isMember"] is True
    assert {m["number"] for m in listed["members"]} == {ALICE, BOB, CAROL, PEER}
    assert listed["permissionSendMessage"] == "EVERY_MEMBER" and listed["groupInviteLink"] is None

    result = pair.json("send", "-g", group_id, "-m", "hi team", account=ALICE)
    assert {r["recipientAddress"]["number"] for r in result["results"]} == {BOB, CAROL, PEER}
    assert all(r["groupId"] == group_id for r in result["results"])
    for member in (BOB, CAROL):
        dm = pair.receive(member)[0]["envelope"]["dataMessage"]
        assert dm["message"] == "hi team"
        assert dm["groupInfo"] == {"groupId": group_id, "groupName": "Team", "revision": 0, "type": "DELIVER"}
    assert pair.receive(ALICE) == []
    plain = pair.run("updateGroup", "-n", "Solo", account=BOB)
    assert plain.stdout.startswith('Created new group: "')


def test_group_send_by_non_member_fails(pair):
    group_id = pair.json("updateGroup", "-n", "Private", account=ALICE)["groupId"]
    proc = pair.run("send", "-g", group_id, "-m", "x", account=BOB)
    assert (proc.returncode, proc.stderr) == (1, f"Group not found: {group_id}\n")


def test_simulate_receive(pair, tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"data")
    ts = pair.json("simulateReceive", "--from", PEER, "-m", "from outside", "-a", str(path), account=BOB)["timestamp"]
    env = pair.receive(BOB)[0]["envelope"]
    assert env["sourceNumber"] == PEER and env["sourceUuid"] == network.peer_uuid(PEER)
    assert env["timestamp"] == ts and env["dataMessage"]["message"] == "from outside"
    assert env["dataMessage"]["attachments"][0]["size"] == 4


def test_receive_max_messages_keeps_the_rest(pair):
    for text in ("one", "two", "three"):
        pair.json("send", "-m", text, BOB, account=ALICE)
    proc = pair.run("receive", "--max-messages", "2", "-t", "1", account=BOB, output="json")
    assert [json.loads(line)["envelope"]["dataMessage"]["message"] for line in proc.stdout.splitlines()] == \
        ["one", "two"]
    assert [i["envelope"]["dataMessage"]["message"] for i in pair.receive(BOB)] == ["three"]


def test_stderr_fault_does_not_touch_stdout(pair):
    pair.faults({"send": {"stderr": "WARN  Something - noisy\nrandom junk"}})
    proc = pair.run("send", "-m", "x", BOB, account=ALICE, output="json")
    assert proc.returncode == 0
    assert "random junk" in proc.stderr
    assert json.loads(proc.stdout)["results"][0]["type"] == "SUCCESS"


def test_exit_and_delay_faults(pair):
    pair.faults({"*": {"exit": 3, "message": "Simulated network trouble"}, "version": {"delay": 0.01}})
    proc = pair.run("send", "-m", "x", BOB, account=ALICE)
    assert (proc.returncode, proc.stderr) == (3, "Simulated network trouble\n")
    assert pair.run("version").returncode == 0


def test_hang_fault_blocks_until_killed(pair):
    pair.faults({"listGroups": {"hang": True}})
    with pytest.raises(subprocess.TimeoutExpired):
        pair.run("listGroups", account=ALICE, timeout=0.5)
