"""The /v1/groups routes end to end through the simulator."""
from __future__ import annotations

import base64
import json
import os

import pytest

from tests.conftest import Harness

A = "+4915100000001"
B = "+4915100000002"
C = "+4915100000003"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
GROUP_KEYS = ["name", "description", "id", "internal_id", "members", "blocked", "member", "pending_invites",
              "pending_requests", "invite_link", "admins", "permissions"]
# A well-formed id of a group nobody has (32 bytes).
UNKNOWN_INTERNAL = base64.b64encode(bytes(range(32))).decode()
UNKNOWN_ID = "group." + base64.b64encode(UNKNOWN_INTERNAL.encode()).decode()


@pytest.fixture
def trio(api):
    for number in (A, B, C):
        api.register(number)
    return api


@pytest.fixture
def cli(tmp_path):
    """Normal mode only, for checks that do not depend on the transport."""
    harness = Harness("normal", tmp_path).start()
    for number in (A, B, C):
        harness.register(number)
    yield harness
    harness.stop()


def create(api, number=A, **body):
    body.setdefault("name", "Team")
    response = api.client.post(f"/v1/groups/{number}", json=body)
    assert response.status_code == 201, response.json
    return response.json["id"]


def get_group(api, number, group_id, **query):
    response = api.client.get(f"/v1/groups/{number}/{group_id}", query_string=query)
    assert response.status_code == 200, response.json
    return response.json


def internal_of(group_id):
    return base64.b64decode(group_id.removeprefix("group.")).decode()


def data_messages(messages):
    return [m["envelope"]["dataMessage"] for m in messages if "dataMessage" in m["envelope"]]


def test_two_accounts_share_a_group_from_creation_to_quitting(trio):
    api = trio
    group_id = create(api, members=[B])
    assert group_id.startswith("group.") and len(group_id) == 66
    internal = internal_of(group_id)

    listed = api.client.get(f"/v1/groups/{B}").json
    assert [(g["id"], g["internal_id"]) for g in listed] == [(group_id, internal)]
    assert listed[0]["member"] is True and listed[0]["name"] == "Team"

    sent = api.client.post("/v2/send", json={"number": A, "recipients": [group_id], "message": "hello group"})
    assert sent.status_code == 201, sent.json
    received = data_messages(api.receive(B, count=2))
    update, message = received[0], received[-1]
    assert update["groupInfo"] == {"groupId": internal, "groupRestId": group_id, "groupName": "Team",
                                   "revision": 0, "type": "UPDATE"}
    assert message["message"] == "hello group"
    assert message["groupInfo"]["groupId"] == internal and message["groupInfo"]["type"] == "DELIVER"

    # Update by the internal id (the form signalbot has from received messages).
    response = api.client.put(f"/v1/groups/{A}/{internal}", json={
        "name": "Renamed", "permissions": {"add_members": "only-admins", "edit_group": "only-admins"}})
    assert response.status_code == 204, response.json
    assert response.data == b""
    seen_by_b = get_group(api, B, group_id)
    assert seen_by_b["name"] == "Renamed"
    assert seen_by_b["permissions"] == {"add_members": "only-admins", "edit_group": "only-admins",
                                        "send_messages": "every-member"}
    changes = data_messages(api.receive(B))
    assert changes[-1]["groupInfo"]["type"] == "UPDATE" and changes[-1]["groupInfo"]["groupName"] == "Renamed"

    response = api.client.post(f"/v1/groups/{B}/{group_id}/quit")
    assert (response.status_code, response.data) == (204, b"")
    assert get_group(api, A, group_id)["members"] == [A]
    assert get_group(api, B, group_id)["member"] is False
    assert api.last_call("quitGroup")["params"] == {"groupId": internal}


def test_the_group_object_has_exactly_the_original_fields(cli):
    group_id = create(cli, members=[B], description="About us")
    entry = get_group(cli, A, group_id)
    assert list(entry) == GROUP_KEYS
    account = cli.simulator("-o", "json", "-a", A, "listGroups")
    raw = json.loads(account.stdout)[0]
    uuids = {m["number"]: m["uuid"] for m in raw["members"]}
    assert entry == {
        "name": "Team", "description": "About us", "id": group_id, "internal_id": raw["id"],
        "members": [A, B], "blocked": False, "member": True, "pending_invites": [], "pending_requests": [],
        "invite_link": "", "admins": [A],
        "permissions": {"add_members": "every-member", "edit_group": "every-member", "send_messages": "every-member"},
    }
    expanded = get_group(cli, A, group_id, expand="true")
    assert list(expanded) == GROUP_KEYS
    assert expanded["members"] == [{"number": A, "uuid": uuids[A]}, {"number": B, "uuid": uuids[B]}]
    assert expanded["admins"] == [{"number": A, "uuid": uuids[A]}]
    assert cli.client.get(f"/v1/groups/{A}?expand=false").json == [entry]
    assert cli.client.get(f"/v1/groups/{A}?expand=true").json == [expanded]
    bad = cli.client.get(f"/v1/groups/{A}?expand=yes")
    assert bad.status_code == 400
    assert bad.json == {"error": "Couldn't process request - expand parameter needs to be either 'true' or 'false'"}


@pytest.mark.parametrize("edit, send", [("only-admins", "every-member"), ("every-member", "only-admins")])
def test_edit_group_is_the_edit_details_permission(cli, edit, send):
    group_id = create(cli, permissions={"edit_group": edit, "send_messages": send})
    assert cli.last_call("updateGroup")["params"]["setPermissionEditDetails"] == edit
    assert cli.last_call("updateGroup")["params"]["setPermissionSendMessages"] == send
    permissions = get_group(cli, A, group_id)["permissions"]
    assert (permissions["edit_group"], permissions["send_messages"]) == (edit, send)


def test_invite_link_and_expanded_empty_lists(cli):
    group_id = create(cli, group_link="enabled")
    entry = get_group(cli, A, group_id, expand="true")
    assert entry["invite_link"].startswith("https://signal.group/#")
    assert entry["pending_invites"] == [] and entry["pending_requests"] == []


@pytest.mark.parametrize("form", ["rest", "internal", "rest-without-prefix"])
def test_every_group_route_takes_either_id_form(cli, form):
    rest_id = create(cli, members=[B])
    internal = internal_of(rest_id)
    path_id = {"rest": rest_id, "internal": internal, "rest-without-prefix": rest_id.removeprefix("group.")}[form]
    base = f"/v1/groups/{A}/{path_id}"
    client = cli.client
    assert get_group(cli, A, path_id)["internal_id"] == internal
    assert client.post(f"{base}/members", json={"members": [C]}).status_code == 204
    assert cli.last_call("updateGroup")["params"] == {"groupId": internal, "member": [C]}
    assert client.post(f"{base}/admins", json={"admins": [C]}).status_code == 204
    assert cli.last_call("updateGroup")["params"] == {"groupId": internal, "admin": [C]}
    assert client.delete(f"{base}/admins", json={"admins": [C]}).status_code == 204
    assert cli.last_call("updateGroup")["params"] == {"groupId": internal, "removeAdmin": [C]}
    assert client.delete(f"{base}/members", json={"members": [C]}).status_code == 204
    assert cli.last_call("updateGroup")["params"] == {"groupId": internal, "removeMember": [C]}
    assert client.put(base, json={"description": "d"}).status_code == 204
    assert cli.last_call("updateGroup")["params"] == {"groupId": internal, "description": "d"}
    assert client.post(f"{base}/pin-message", json={"target_author": A, "timestamp": 1700000000000}).status_code == 201
    assert cli.last_call("sendPinMessage")["params"]["groupId"] == [internal]
    assert client.get(f"{base}/avatar").status_code == 404
    assert cli.last_call("getAvatar")["params"] == {"groupId": internal}
    assert client.post(f"{base}/join").status_code == 204
    assert client.post(f"{base}/block").status_code == 204
    assert cli.last_call("block")["params"] == {"groupId": [internal]}
    assert client.post(f"/v1/groups/{B}/{path_id}/quit").status_code == 204
    assert cli.last_call("quitGroup")["params"] == {"groupId": internal}


def test_internal_ids_with_slashes_work_raw_and_percent_encoded(cli):
    # Find a group whose internal id has a "/" (about half of them), creating a few if needed.
    for _ in range(12):
        internal = internal_of(create(cli))
        if "/" in internal:
            break
    else:
        pytest.skip("no internal id with a slash came up")
    assert get_group(cli, A, internal)["internal_id"] == internal
    assert get_group(cli, A, internal.replace("/", "%2F"))["internal_id"] == internal
    response = cli.client.post(f"/v1/groups/{A}/{internal}/members", json={"members": [B]})
    assert response.status_code == 204, response.json


def test_a_group_id_starting_with_a_slash_is_routed(cli):
    internal = "/" + base64.b64encode(bytes(32)).decode()[1:]
    assert len(base64.b64decode(internal)) == 32
    response = cli.client.get(f"/v1/groups/{A}/{internal}")
    assert response.status_code == 404
    assert response.json == {"error": "No group with that id found"}


def test_a_group_id_with_a_newline_is_routed(cli):
    # Found by the fuzzer: the converter did not match a newline, so the route was "not found".
    response = cli.client.put(f"/v1/groups/{A}/ab%0Acd", json={"name": "x"})
    assert (response.status_code, response.json) == (400, {"error": "Invalid group id"})
    response = cli.client.get(f"/v1/groups/{A}/ab%0Acd")
    assert (response.status_code, response.json) == (404, {"error": "No group with that id found"})


def test_expiration_zero_turns_disappearing_messages_off_in_every_mode(trio):
    group_id = create(trio, expiration_time=3600)
    assert trio.last_call("updateGroup")["params"]["expiration"] == 3600
    response = trio.client.put(f"/v1/groups/{A}/{group_id}", json={"expiration_time": 0})
    assert response.status_code == 204, response.json
    assert trio.last_call("updateGroup")["params"] == {"groupId": internal_of(group_id), "expiration": 0}
    raw = json.loads(trio.simulator("-o", "json", "-a", A, "listGroups").stdout)
    assert raw[0]["messageExpirationTime"] == 0


def test_username_members_get_the_u_prefix_in_every_mode(trio):
    group_id = create(trio, members=[B, "alice.42"])
    assert trio.last_call("updateGroup")["params"]["member"] == [B, "u:alice.42"]
    base = f"/v1/groups/{A}/{group_id}"
    assert trio.client.post(f"{base}/members", json={"members": ["bob.7", "u:carol.9"]}).status_code == 204
    assert trio.last_call("updateGroup")["params"]["member"] == ["u:bob.7", "u:carol.9"]
    assert trio.client.delete(f"{base}/members", json={"members": ["bob.7"]}).status_code == 204
    assert trio.last_call("updateGroup")["params"]["removeMember"] == ["u:bob.7"]
    assert len(get_group(trio, A, group_id)["members"]) == 4


@pytest.mark.parametrize("body, message", [
    ({"permissions": {"add_members": "everyone"}},
     "Invalid add members permission provided - only 'every-member' and 'only-admins' allowed!"),
    ({"permissions": {"edit_group": "admins"}},
     "Invalid edit group permissions provided - only 'every-member' and 'only-admins' allowed!"),
    ({"permissions": {"send_messages": "nobody"}},
     "Invalid send messages permission provided - only 'every-member' and 'only-admins' allowed!"),
    ({"group_link": "on"},
     "Invalid group link provided - only 'enabled', 'enabled-with-approval' and 'disabled' allowed!"),
    ({"expiration_time": "soon"}, "Couldn't process request - invalid request: expiration_time: expected an integer"),
])
def test_create_and_update_validate_like_the_original(cli, body, message):
    response = cli.client.post(f"/v1/groups/{A}", json={"name": "x", **body})
    assert (response.status_code, response.json) == (400, {"error": message})
    group_id = create(cli)
    response = cli.client.put(f"/v1/groups/{A}/{group_id}", json=body)
    assert (response.status_code, response.json) == (400, {"error": message})
    assert len(cli.calls("updateGroup")) == 1


def test_create_accepts_explicit_nulls_like_signal_client(cli):
    response = cli.client.post(f"/v1/groups/{A}", json={
        "name": "n", "members": [B], "description": None, "permissions": None, "group_link": None,
        "expiration_time": None})
    assert response.status_code == 201, response.json
    assert cli.last_call("updateGroup")["params"] == {"name": "n", "member": [B]}


def test_not_found_and_member_list_rules(cli):
    client = cli.client
    response = client.get(f"/v1/groups/{A}/{UNKNOWN_ID}")
    assert (response.status_code, response.json) == (404, {"error": "No group with that id found"})
    response = client.get(f"/v1/groups/{A}/not-a-group")
    assert (response.status_code, response.json) == (404, {"error": "No group with that id found"})
    for method in ("post", "delete"):
        response = getattr(client, method)(f"/v1/groups/{A}/{UNKNOWN_ID}/members", json={"members": [B]})
        assert response.status_code == 404
        assert response.json == {"error": f"No group with that group id ({UNKNOWN_ID}) found"}
        response = getattr(client, method)(f"/v1/groups/{A}/{UNKNOWN_ID}/admins", json={"admins": [B]})
        assert response.json == {"error": f"No group with that group id ({UNKNOWN_ID}) found"}
    response = client.post(f"/v1/groups/{A}/{UNKNOWN_ID}/members", json={"members": []})
    assert (response.status_code, response.json) == (400, {"error": "Couldn't process request - group members missing"})
    for route, key in (("members", "members"), ("admins", "admins")):
        for method in ("delete",) if route == "members" else ("post", "delete"):
            response = getattr(client, method)(f"/v1/groups/{A}/{UNKNOWN_ID}/{route}", json={key: []})
            assert (response.status_code, response.data) == (204, b"")
    assert cli.calls("updateGroup") == []
    response = client.put(f"/v1/groups/{A}/not-a-group", json={"name": "x"})
    assert (response.status_code, response.json) == (400, {"error": "Invalid group id"})
    response = client.post(f"/v1/groups/{A}/{UNKNOWN_ID}/block")
    assert response.status_code == 204  # signal-cli only warns about an unknown group


def test_avatar_upload_and_download(cli):
    group_id = create(cli, members=[B])
    response = cli.client.get(f"/v1/groups/{A}/{group_id}/avatar")
    assert (response.status_code, response.json) == (404, {"error": "No avatar found."})
    response = cli.client.put(f"/v1/groups/{A}/{group_id}", json={"base64_avatar": base64.b64encode(PNG).decode()})
    assert response.status_code == 204, response.json
    avatar_arg = cli.last_call("updateGroup")["params"]["avatar"]
    assert not os.path.exists(avatar_arg)  # the temporary file is gone
    assert os.listdir(cli.root / "api" / "tmp") == []
    for number in (A, B):
        response = cli.client.get(f"/v1/groups/{number}/{group_id}/avatar")
        assert (response.status_code, response.content_type, response.data) == (200, "image/png", PNG)
    stored = cli.config_dir / "avatars" / ("group-" + internal_of(group_id).replace("/", "_"))
    assert stored.read_bytes() == PNG


def test_avatar_must_be_raw_base64(cli):
    group_id = create(cli)
    for value, offset in (("data:image/png;base64,AAAA", 4), ("@@@@", 0)):
        response = cli.client.put(f"/v1/groups/{A}/{group_id}", json={"base64_avatar": value})
        assert response.status_code == 400
        assert response.json == {"error": f"Couldn't decode base64 encoded avatar: illegal base64 data at input byte {offset}"}


def test_delete_leaves_the_group_with_an_empty_200(cli):
    group_id = create(cli, members=[B])
    response = cli.client.delete(f"/v1/groups/{B}/{group_id}")
    assert (response.status_code, response.data) == (200, b"")
    assert get_group(cli, B, group_id)["member"] is False
    assert get_group(cli, A, group_id)["members"] == [A]
    # The only admin cannot leave members behind without a new admin (signal-cli's rule).
    group_id = create(cli, members=[B])
    response = cli.client.delete(f"/v1/groups/{A}/{group_id}")
    assert response.status_code == 400
    assert response.json["error"].startswith("You need to specify a new admin with --admin")


def test_block_marks_the_group_blocked(cli):
    group_id = create(cli, members=[B])
    assert cli.client.post(f"/v1/groups/{B}/{group_id}/block").status_code == 204
    assert get_group(cli, B, group_id)["blocked"] is True
    assert get_group(cli, A, group_id)["blocked"] is False


def test_members_added_later_see_the_group_and_removed_ones_are_told(cli):
    group_id = create(cli, members=[B])
    assert cli.client.get(f"/v1/groups/{C}").json == []
    assert cli.client.post(f"/v1/groups/{A}/{group_id}/members", json={"members": [C]}).status_code == 204
    assert get_group(cli, C, group_id)["members"] == [A, B, C]
    assert cli.client.post(f"/v1/groups/{A}/{group_id}/admins", json={"admins": [C]}).status_code == 204
    assert get_group(cli, B, group_id)["admins"] == [A, C]
    cli.receive(C, timeout=0)
    assert cli.client.delete(f"/v1/groups/{A}/{group_id}/members", json={"members": [C]}).status_code == 204
    assert get_group(cli, C, group_id)["member"] is False
    assert get_group(cli, A, group_id)["admins"] == [A]
    told = data_messages(cli.receive(C, timeout=0))
    assert told and told[-1]["groupInfo"]["type"] == "UPDATE"


def test_join_is_a_bare_update(cli):
    group_id = create(cli, members=[B])
    assert cli.client.post(f"/v1/groups/{B}/{group_id}/join").status_code == 204
    assert cli.last_call("updateGroup")["params"] == {"groupId": internal_of(group_id)}


def test_pin_and_unpin_reach_the_members(trio):
    group_id = create(trio, members=[B])
    base = f"/v1/groups/{A}/{group_id}/pin-message"
    response = trio.client.post(base, json={"target_author": B, "timestamp": 1700000000000, "duration": 3600})
    assert (response.status_code, response.data) == (201, b"")
    params = trio.last_call("sendPinMessage")["params"]
    assert (params["targetAuthor"], params["targetTimestamp"], params["pinDuration"]) == (B, 1700000000000, 3600)
    response = trio.client.post(base, json={"target_author": B, "timestamp": 1700000000001})
    assert response.status_code == 201
    assert trio.last_call("sendPinMessage")["params"]["pinDuration"] == -1
    response = trio.client.delete(base, json={"target_author": B, "timestamp": 1700000000000})
    assert (response.status_code, response.data) == (201, b"")
    received = data_messages(trio.receive(B, count=4))
    pins = [m["pinMessage"] for m in received if "pinMessage" in m]
    unpins = [m["unpinMessage"] for m in received if "unpinMessage" in m]
    assert [(p["targetAuthorNumber"], p["targetSentTimestamp"], p["pinDurationSeconds"]) for p in pins] == [
        (B, 1700000000000, 3600), (B, 1700000000001, -1)]
    assert [(u["targetAuthorNumber"], u["targetSentTimestamp"]) for u in unpins] == [(B, 1700000000000)]
    assert all(m["groupInfo"]["groupId"] == internal_of(group_id) for m in received)


def test_unpin_needs_author_and_timestamp(cli):
    group_id = create(cli)
    base = f"/v1/groups/{A}/{group_id}/pin-message"
    response = cli.client.delete(base, json={"timestamp": 1700000000000})
    assert (response.status_code, response.json) == (400, {"error": "Couldn't process request - target author missing"})
    response = cli.client.delete(base, json={"target_author": B})
    assert (response.status_code, response.json) == (400, {"error": "Couldn't process request - timestamp missing"})
    assert cli.calls("sendUnpinMessage") == []


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_pin_takes_a_missing_timestamp_as_0_and_author_as_empty_like_the_original(trio):
    """The original checks neither field when pinning: a missing timestamp reaches signal-cli as 0
    and a missing author as "", and the client reads signal-cli's answer to that, in every mode."""
    group_id = create(trio)
    base = f"/v1/groups/{A}/{group_id}/pin-message"
    response = trio.client.post(base, json={"target_author": B})
    assert (response.status_code, response.data) == (201, b"")
    assert trio.last_call("sendPinMessage")["params"]["targetTimestamp"] == 0
    response = trio.client.post(base, json={"timestamp": 1700000000000})
    assert (response.status_code, response.json) == (400, {"error": "Invalid phone number '': No valid characters found."})
    assert trio.last_call("sendPinMessage")["params"]["targetAuthor"] == ""
    assert len(trio.calls("sendPinMessage")) == 2


# "group." + base64 of "foo": decoded once, as the original does, and given to signal-cli, whose
# words the client reads (signal-cli 0.13.19's texts; checked against its GroupId class).
NOT_A_GROUP_ID = "group." + base64.b64encode(b"foo").decode()
NOT_A_GROUP_ID_TEXT = 'Invalid group id: Failed to decode groupId (must be base64) "foo": Invalid group id of size 2'


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_a_group_id_signal_cli_cannot_read_gets_its_words_on_every_route(trio):
    routes = [("post", f"/v1/groups/{A}/{NOT_A_GROUP_ID}/quit", None),
              ("delete", f"/v1/groups/{A}/{NOT_A_GROUP_ID}", None),
              ("put", f"/v1/groups/{A}/{NOT_A_GROUP_ID}", {"name": "x"}),
              ("post", f"/v1/groups/{A}/{NOT_A_GROUP_ID}/block", None),
              ("post", f"/v1/groups/{A}/{NOT_A_GROUP_ID}/join", None),
              ("get", f"/v1/groups/{A}/{NOT_A_GROUP_ID}/avatar", None),
              ("post", f"/v1/groups/{A}/{NOT_A_GROUP_ID}/pin-message", {"target_author": B, "timestamp": 1})]
    for method, path, body in routes:
        response = getattr(trio.client, method)(path, json=body)
        assert (response.status_code, response.json) == (400, {"error": NOT_A_GROUP_ID_TEXT}), (method, path)
    for command in ("quitGroup", "updateGroup", "block", "getAvatar", "sendPinMessage"):
        assert trio.last_call(command)["params"]["groupId"] in ("foo", ["foo"])


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_an_unknown_group_is_signal_clis_group_not_found(trio):
    """Leaving (quit or delete) prefixes it with "Failed to send to group: ", as signal-cli does.

    The original in json-rpc mode answered the update with 204 (it dropped signal-cli's error):
    here the update is a 400 in every mode."""
    for method in ("post", "delete"):
        path = f"/v1/groups/{A}/{UNKNOWN_ID}" + ("/quit" if method == "post" else "")
        response = getattr(trio.client, method)(path)
        assert (response.status_code, response.json) == (
            400, {"error": f"Failed to send to group: Group not found: {UNKNOWN_INTERNAL}"})
    response = trio.client.put(f"/v1/groups/{A}/{UNKNOWN_ID}", json={"name": "x"})
    assert (response.status_code, response.json) == (400, {"error": f"Group not found: {UNKNOWN_INTERNAL}"})
