"""Simulator group commands: updateGroup options, listGroups, quitGroup, block/unblock, getAvatar, pins."""

from __future__ import annotations

import base64
import json
import os
import subprocess

from signal_api.simulator import state

from .conftest import ALICE, BOB, CAROL
from .test_jsonrpc import req, rpc

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def group_of(sim, account, group_id):
    return next(g for g in sim.json("listGroups", "-d", account=account) if g["id"] == group_id)


def data_messages(sim, account):
    return [i["envelope"]["dataMessage"] for i in sim.receive(account) if "dataMessage" in i["envelope"]]


def test_update_group_options(pair, tmp_path):
    pair.register(CAROL)
    avatar = tmp_path / "avatar.png"
    avatar.write_bytes(PNG)
    group_id = pair.json("updateGroup", "-n", "Team", "-d", "About", "-a", str(avatar), "-m", BOB, CAROL,
                         account=ALICE)["groupId"]
    stored = os.path.join(pair.config_dir, "avatars", "group-" + group_id.replace("/", "_"))
    assert open(stored, "rb").read() == PNG
    assert pair.json("getAvatar", "-g", group_id, account=BOB) == {"data": base64.b64encode(PNG).decode()}

    pair.json("updateGroup", "-g", group_id, "--admin", BOB, "--link", "enabled", "-e", "60",
              "--set-permission-add-member", "only-admins", "--set-permission-edit-details", "only-admins",
              "--set-permission-send-messages", "only-admins", account=ALICE)
    entry = group_of(pair, CAROL, group_id)
    assert list(entry) == ["id", "name", "description", "isMember", "isBlocked", "messageExpirationTime", "members",
                           "pendingMembers", "requestingMembers", "admins", "banned", "permissionAddMember",
                           "permissionEditDetails", "permissionSendMessage", "groupInviteLink"]
    assert (entry["name"], entry["description"], entry["messageExpirationTime"]) == ("Team", "About", 60)
    assert {a["number"] for a in entry["admins"]} == {ALICE, BOB}
    assert set(entry["members"][0]) == {"number", "uuid"}  # 0.13.19: plain addresses
    assert (entry["permissionAddMember"], entry["permissionEditDetails"], entry["permissionSendMessage"]) == \
        ("ONLY_ADMINS", "ONLY_ADMINS", "ONLY_ADMINS")
    assert entry["groupInviteLink"].startswith("https://signal.group/#")

    pair.json("updateGroup", "-g", group_id, "--remove-admin", BOB, "-r", CAROL, "-e", "0", account=ALICE)
    assert group_of(pair, ALICE, group_id)["messageExpirationTime"] == 0
    carol_view = group_of(pair, CAROL, group_id)
    assert carol_view["isMember"] is False and carol_view["members"] == group_of(pair, ALICE, group_id)["members"]
    assert [a["number"] for a in carol_view["admins"]] == [ALICE]
    updates = data_messages(pair, CAROL)
    assert [u["groupInfo"]["type"] for u in updates] == ["UPDATE"] * 3  # created, changed, removed
    assert updates[-1]["groupInfo"]["revision"] == 2

    assert pair.run("updateGroup", "-g", group_id, "-n", "Team", account=ALICE, output="json").stdout == "{}\n"
    missing = pair.run("updateGroup", "-g", group_id, "-a", str(tmp_path / "nope.png"), account=ALICE)
    assert missing.returncode == 1
    assert missing.stderr.startswith('Failed to add avatar attachment for group": ')


def test_a_pending_member_accepts_the_invitation_with_a_bare_update(pair):
    group_id = pair.json("updateGroup", "-n", "Team", account=ALICE)["groupId"]
    bob = state.find_account(pair.config_dir, BOB)
    with state.locked(pair.config_dir):
        net = state.load_network(pair.config_dir)
        group = net["groups"][group_id]
        group["pendingMembers"].append({"number": BOB, "uuid": bob["uuid"]})
        group["knownBy"].append(bob["uuid"])
        state.save_network(pair.config_dir, net)
    assert group_of(pair, BOB, group_id)["isMember"] is False
    assert pair.run("updateGroup", "-g", group_id, account=BOB).returncode == 0
    entry = group_of(pair, ALICE, group_id)
    assert [m["number"] for m in entry["members"]] == [ALICE, BOB] and entry["pendingMembers"] == []


def test_quit_group(pair):
    group_id = pair.json("updateGroup", "-n", "Team", "-m", BOB, account=ALICE)["groupId"]
    pair.receive(ALICE)
    last_admin = pair.run("quitGroup", "-g", group_id, account=ALICE)
    assert (last_admin.returncode, last_admin.stderr) == (
        1, "You need to specify a new admin with --admin: User is last admin in group: Team\n")
    result = pair.json("quitGroup", "-g", group_id, account=BOB)
    assert [r["recipientAddress"]["number"] for r in result["results"]] == [ALICE]
    assert group_of(pair, BOB, group_id)["isMember"] is False
    assert [m["number"] for m in group_of(pair, ALICE, group_id)["members"]] == [ALICE]
    assert data_messages(pair, ALICE)[-1]["groupInfo"]["type"] == "UPDATE"
    again = pair.run("quitGroup", "-g", group_id, account=BOB, output="json")
    assert (again.returncode, again.stdout) == (0, "")
    assert "User is not a group member" in again.stderr
    assert pair.run("quitGroup", "-g", group_id, "--delete", account=BOB).returncode == 0
    assert pair.json("listGroups", account=BOB) == []
    unknown = pair.run("quitGroup", "-g", group_id, account=BOB)
    assert (unknown.returncode, unknown.stderr) == (1, f"Failed to send to group: Group not found: {group_id}\n")
    # A value that is no group id is refused before leaving is attempted: no "Failed to send".
    malformed = pair.run("quitGroup", "-g", "foo", account=BOB)
    assert (malformed.returncode, malformed.stderr) == (
        1, 'Invalid group id: Failed to decode groupId (must be base64) "foo": Invalid group id of size 2\n')
    # With a new admin named, the last admin may leave.
    group_id = pair.json("updateGroup", "-n", "Two", "-m", BOB, account=ALICE)["groupId"]
    assert pair.run("quitGroup", "-g", group_id, "--admin", BOB, account=ALICE).returncode == 0
    assert [a["number"] for a in group_of(pair, BOB, group_id)["admins"]] == [BOB]


def test_block_and_unblock_groups_and_recipients(pair):
    group_id = pair.json("updateGroup", "-n", "Team", "-m", BOB, account=ALICE)["groupId"]
    proc = pair.run("block", CAROL, "-g", group_id, account=BOB)
    assert (proc.returncode, proc.stdout) == (0, "")
    assert group_of(pair, BOB, group_id)["isBlocked"] is True
    assert group_of(pair, ALICE, group_id)["isBlocked"] is False
    bob = state.find_account(pair.config_dir, BOB)
    assert bob["blockedGroups"] == [group_id]
    assert [r["number"] for r in bob["blockedRecipients"]] == [CAROL]
    unknown = "A" * 43 + "="
    proc = pair.run("block", "-g", unknown, account=BOB)
    assert proc.returncode == 0 and "Unknown group id" in proc.stderr
    assert pair.run("unblock", CAROL, "-g", group_id, account=BOB).returncode == 0
    assert group_of(pair, BOB, group_id)["isBlocked"] is False
    assert state.find_account(pair.config_dir, BOB)["blockedRecipients"] == []


def test_get_avatar_not_found(pair):
    group_id = pair.json("updateGroup", "-n", "Team", account=ALICE)["groupId"]
    proc = pair.run("getAvatar", "-g", group_id, account=ALICE, output="json")
    assert (proc.returncode, proc.stderr) == (1, "Could not find avatar\n")


def test_pin_and_unpin_in_a_group(pair):
    group_id = pair.json("updateGroup", "-n", "Team", "-m", BOB, account=ALICE)["groupId"]
    pair.receive(BOB)
    result = pair.json("sendPinMessage", "-g", group_id, "-a", BOB, "-t", "1700000000000", "-d", "60", account=ALICE)
    assert [r["type"] for r in result["results"]] == ["SUCCESS"]
    pair.json("sendUnpinMessage", "-g", group_id, "-a", BOB, "-t", "1700000000000", account=ALICE)
    pin, unpin = data_messages(pair, BOB)
    bob = state.find_account(pair.config_dir, BOB)
    assert pin["message"] is None and pin["groupInfo"]["type"] == "DELIVER"
    assert pin["pinMessage"] == {"targetAuthor": BOB, "targetAuthorNumber": BOB, "targetAuthorUuid": bob["uuid"],
                                 "targetSentTimestamp": 1700000000000, "pinDurationSeconds": 60}
    assert unpin["unpinMessage"] == {"targetAuthor": BOB, "targetAuthorNumber": BOB, "targetAuthorUuid": bob["uuid"],
                                     "targetSentTimestamp": 1700000000000}


def test_group_commands_over_json_rpc(pair):
    replies = rpc(pair, req("updateGroup", 1, name="Team", members=[BOB], expiration=3600), account=ALICE)
    group_id = replies["1"]["result"]["groupId"]
    # Requests on one connection run concurrently: one call per jsonRpc run keeps the order.
    replies = {}
    for request in (req("updateGroup", 2, groupId=group_id, expiration=0),
                    req("sendPinMessage", 3, groupId=group_id, targetAuthor=BOB, targetTimestamp=1700000000000,
                        pinDuration=-1),
                    req("block", 4, groupId=group_id), req("getAvatar", 5, groupId=group_id), req("listGroups", 6)):
        replies.update(rpc(pair, request, account=BOB))
    assert replies["2"]["result"]["timestamp"] > 0
    assert replies["3"]["result"]["results"][0]["type"] == "SUCCESS"
    assert replies["4"]["result"] == {}
    assert replies["5"]["error"]["code"] == -1 and replies["5"]["error"]["message"] == "Could not find avatar"
    [entry] = replies["6"]["result"]
    assert (entry["messageExpirationTime"], entry["isBlocked"]) == (0, True)
    pin = [m for m in data_messages(pair, ALICE) if "pinMessage" in m]
    assert json.dumps(pin[0]["pinMessage"]["pinDurationSeconds"]) == "-1"


def test_argv_that_is_not_utf8_is_read_as_java_reads_it(pair):
    # Java decodes such bytes as U+FFFD (and base64-decodes "?" for it): an error, not a traceback.
    argv = [os.fsencode(arg) for arg in pair.argv("quitGroup", "-g", "x", account=BOB)]
    argv[-1] = b"\x9e\x87"
    proc = subprocess.run(argv, capture_output=True, timeout=20)
    assert (proc.returncode, proc.stderr.decode()) == (
        1, 'Invalid group id: Failed to decode groupId (must be base64) "\ufffd\ufffd": Illegal base64 character 3f\n')
