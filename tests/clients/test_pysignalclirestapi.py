"""pysignalclirestapi 0.3.25 (the client of Home Assistant's ``signal_messenger``) against the real server.

Every check looks at what the library returned AND at what the other simulated account received
(or what the simulator executed), in ``normal`` and ``json-rpc`` mode.
"""
from __future__ import annotations

import base64
import struct

import pytest
import requests
from pysignalclirestapi import SignalCliRestApi, SignalCliRestApiHTTPBasicAuth
from pysignalclirestapi.api import SignalCliRestApiError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A real 1x1 PNG, so the receiver's content type can be checked too.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def client(live, number: str) -> SignalCliRestApi:
    if not live.auth:
        return SignalCliRestApi(live.base, number)
    # HTTP Basic, as Home Assistant configures it: any user name, the token as password.
    return SignalCliRestApi(live.base, number, auth=SignalCliRestApiHTTPBasicAuth("home-assistant",
                                                                                 live.token("pysignalclirestapi")))


def sent_timestamp(reply) -> int:
    """The timestamp of a /v2/send reply (the array shape this server answers by default)."""
    assert isinstance(reply, list) and len(reply) == 1, reply
    assert reply[0]["timestamp"].isdigit()
    return int(reply[0]["timestamp"])


def test_the_constructor_reads_about_mode_and_capabilities(live, pair):
    a, _ = pair
    api = client(live, a)
    assert api.mode() == live.mode
    assert api.api_info() == (["v1", "v2"], 2)
    assert api.has_capability("v2/send", "mentions") and api.has_capability("v2/send", "quotes")


def test_send_plain_text_arrives_at_the_recipient(live, pair):
    a, b = pair
    reply = client(live, a).send_message("plain hello", b)
    timestamp = sent_timestamp(reply)
    envelopes = live.receive_until(b, lambda es: any(e.get("dataMessage", {}).get("message") == "plain hello"
                                                     for e in es))
    envelope = next(e for e in envelopes if e.get("dataMessage", {}).get("message") == "plain hello")
    assert envelope["sourceNumber"] == a and envelope["timestamp"] == timestamp
    assert envelope["dataMessage"]["timestamp"] == timestamp


def test_attachments_as_bytes_arrive_and_can_be_listed_fetched_and_deleted(live, pair):
    a, b = pair
    api_b = client(live, b)
    sent_timestamp(client(live, a).send_message("a picture", [b], attachments_as_bytes=[TINY_PNG]))
    message = live.message_text(b, "a picture")
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "image/png" and attachment["size"] == len(TINY_PNG)
    assert attachment["isVoiceNote"] is False  # required by signalbot's schema
    attachment_id = attachment["id"]

    assert attachment_id in api_b.list_attachments()
    assert api_b.get_attachment(attachment_id) == TINY_PNG
    raw = live.http.get(f"{live.base}/v1/attachments/{attachment_id}", timeout=10)
    assert raw.headers["Content-Type"] == "image/png"
    assert api_b.delete_attachment(attachment_id) is None
    assert attachment_id not in api_b.list_attachments()
    with pytest.raises(SignalCliRestApiError, match="No attachment with that name found"):
        api_b.get_attachment(attachment_id)


def test_attachments_from_filenames_send_the_file_bytes(live, pair, tmp_path):
    a, b = pair
    report = tmp_path / "report.txt"
    report.write_bytes(b"temperature: 21.5\n" * 50)
    sent_timestamp(client(live, a).send_message("the report", [b], filenames=[str(report)]))
    (attachment,) = live.message_text(b, "the report")["attachments"]
    assert client(live, b).get_attachment(attachment["id"]) == report.read_bytes()


def test_filenames_and_bytes_together_only_the_bytes_survive_in_the_client(live, pair, tmp_path):
    """A client bug, kept visible: _format_params overwrites base64_attachments with the later key."""
    a, b = pair
    photo = tmp_path / "photo.bin"
    photo.write_bytes(b"from a file")
    sent_timestamp(client(live, a).send_message("both kinds", [b], filenames=[str(photo)],
                                                attachments_as_bytes=[b"from bytes"]))
    attachments = live.message_text(b, "both kinds")["attachments"]
    assert [client(live, b).get_attachment(x["id"]) for x in attachments] == [b"from bytes"]


def test_mentions_and_quotes_arrive_as_sent(live, pair):
    a, b = pair
    original = live.send(b, [a], "what is the status?")
    live.message_text(a, "what is the status?")
    reply = client(live, a).send_message(
        "X all good", [b],
        mentions=[{"author": b, "start": 0, "length": 1}],
        quote_timestamp=original, quote_author=b, quote_message="what is the status?",
    )
    sent_timestamp(reply)
    message = live.message_text(b, "X all good")
    (mention,) = message["mentions"]
    assert (mention["number"], mention["start"], mention["length"]) == (b, 0, 1)
    quote = message["quote"]
    assert quote["id"] == original and quote["authorNumber"] == b and quote["text"] == "what is the status?"


# Home Assistant's notify service, two generations of the same call (clients.md §3).

def test_home_assistant_positional_call_omits_notify_self_so_a_note_to_self_notifies(live, pair):
    """HA passes ``filenames, attachments_as_bytes`` positionally (written for the ≤0.3.24 signature).

    Against 0.3.25 they land in ``notify_self`` and ``filenames``: with no attachments both are None,
    the body has no ``notify_self``, and the server's default (true, like the original) applies.
    """
    a, b = pair
    api = client(live, a)
    sent_timestamp(api.send_message("HA: door open", [b], None, None, text_mode="normal"))
    assert live.message_text(b, "HA: door open")["message"] == "HA: door open"
    assert live.calls("send")[-1]["params"]["notifySelf"] is True  # absent means true

    sent_timestamp(api.send_message("HA: note to self", [a], None, None, text_mode="normal"))
    assert live.calls("send")[-1]["params"]["notifySelf"] is True
    # Notified: a data message in the account's own inbox, not a silent sync transcript.
    assert live.message_text(a, "HA: note to self")["message"] == "HA: note to self"


def test_home_assistant_positional_call_with_files_breaks_in_the_client(live, pair, tmp_path):
    """With attachments the positional form sends the file list as ``notify_self``: the server
    refuses it with 400 and an ``{"error"}`` the library surfaces (the original answers the same)."""
    a, b = pair
    snapshot = tmp_path / "camera.jpg"
    snapshot.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    sends_before = len(live.calls("send"))
    with pytest.raises(SignalCliRestApiError) as raised:
        client(live, a).send_message("HA: camera", [b], [str(snapshot)], None, text_mode="normal")
    assert "Couldn't process request" in str(raised.value)
    assert len(live.calls("send")) == sends_before


def test_home_assistant_keyword_call_with_notify_self_true(live, pair, tmp_path):
    """HA 2026.8 (PR #179351) passes ``notify_self=True``, files by path and styled text."""
    a, b = pair
    snapshot = tmp_path / "snapshot.png"
    snapshot.write_bytes(TINY_PNG)
    api = client(live, a)
    sent_timestamp(api.send_message("**alarm** armed", [b, a], notify_self=True, filenames=[str(snapshot)],
                                    attachments_as_bytes=None, text_mode="styled"))
    params = live.calls("send")[-1]["params"]
    assert params["notifySelf"] is True and params["textStyle"] == ["0:5:BOLD"]
    for number in (b, a):
        message = live.message_text(number, "alarm armed")
        assert message["textStyles"] == [{"style": "BOLD", "start": 0, "length": 5}]
        (attachment,) = message["attachments"]
        assert api.get_attachment(attachment["id"]) == TINY_PNG


def test_the_library_default_notify_self_false_makes_a_note_to_self_silent(live, fresh_account):
    """0.3.25 sends ``notify_self: false`` by default: the note lands as a sync transcript only
    (the Home Assistant regression #178809 that PR #179351 works around)."""
    a = fresh_account
    sent_timestamp(client(live, a).send_message("silent note", [a]))
    assert "notifySelf" not in live.calls("send")[-1]["params"]
    envelopes = live.receive_until(a, lambda es: any("syncMessage" in e for e in es))
    transcript = next(e for e in envelopes if "syncMessage" in e)["syncMessage"]["sentMessage"]
    assert transcript["message"] == "silent note"
    assert not any("dataMessage" in e for e in envelopes)


def test_receive_returns_each_message_once(live, pair, fresh_account):
    """GET in normal mode, the WebSocket in json-rpc mode: the library picks by /v1/about mode."""
    a, b = pair[0], fresh_account
    api_b = client(live, b)
    first = live.send(a, [b], "receive me 1")
    second = live.send(a, [b], "receive me 2")
    received: list[dict] = []
    for _ in range(10):
        received += api_b.receive(timeout=1)
        if len(received) >= 2:
            break
    assert [m["account"] for m in received] == [b, b]
    assert [(m["envelope"]["timestamp"], m["envelope"]["dataMessage"]["message"]) for m in received] == [
        (first, "receive me 1"), (second, "receive me 2")]
    assert all(m["envelope"]["sourceNumber"] == a for m in received)
    assert api_b.receive(timeout=1) == []


def test_groups_create_list_get_send_and_delete(live, pair):
    a, b = pair
    api_a = client(live, a)
    created = api_a.create_group("Clients team", [b], description="made by pysignalclirestapi")
    group_id = created["id"]
    assert group_id.startswith("group.")

    listed = {g["id"]: g for g in api_a.list_groups()}
    assert listed[group_id]["name"] == "Clients team"
    group = api_a.get_group(group_id)
    assert group["name"] == "Clients team" and group["description"] == "made by pysignalclirestapi"
    assert set(group["members"]) == {a, b} and group["admins"] == [a]
    internal_id = group["internal_id"]
    assert group_id == "group." + base64.b64encode(internal_id.encode()).decode()

    sent_timestamp(api_a.send_message("hello team", group_id))
    message = live.message_text(b, "hello team")
    assert message["groupInfo"]["groupId"] == internal_id and message["groupInfo"]["type"] == "DELIVER"
    assert group_id in {g["id"] for g in client(live, b).list_groups()}

    # As with signal-cli, the only admin cannot leave a group that still has members.
    with pytest.raises(SignalCliRestApiError, match="last admin"):
        api_a.delete_group(group_id)
    assert api_a.add_group_admins(group_id, [b]) is None
    assert set(api_a.get_group(group_id)["admins"]) == {a, b}
    assert api_a.delete_group(group_id) is None
    assert api_a.get_group(group_id)["member"] is False
    with pytest.raises(SignalCliRestApiError):
        api_a.send_message("after leaving", group_id)


def test_list_accounts_lists_the_registered_numbers(live, pair):
    accounts = client(live, pair[0]).list_accounts()
    assert set(pair) <= set(accounts)


def test_link_with_qr_returns_a_png(live, pair):
    encoded = client(live, pair[0]).link_with_qr("home-assistant")
    png = base64.b64decode(encoded, validate=True)
    assert png.startswith(PNG_SIGNATURE)
    length, chunk, width, height = struct.unpack(">I4sII", png[8:24])
    assert (length, chunk) == (13, b"IHDR")
    assert width == height and width >= 100
    assert png.endswith(b"IEND\xaeB`\x82")


def test_search_tells_registered_numbers_apart(live, pair):
    a, b = pair
    result = client(live, a).search([b, "+99912345678"])
    assert {(r["number"], r["registered"]) for r in result} == {(b, True), ("+99912345678", False)}


def test_reactions_are_added_and_removed(live, pair):
    a, b = pair
    target = live.send(a, [b], "react to this")
    live.message_text(b, "react to this")
    api_b = client(live, b)
    assert api_b.add_reaction("👍", a, target) is None

    def reactions(ds):
        return [d["reaction"] for d in ds if d.get("reaction", {}).get("targetSentTimestamp") == target]

    reaction = reactions(live.data_messages(a, lambda ds: reactions(ds)))[0]
    assert reaction["emoji"] == "👍" and reaction["isRemove"] is False
    assert reaction["targetAuthorNumber"] == a

    assert api_b.remove_reaction(a, target) is None
    removal = reactions(live.data_messages(a, lambda ds: reactions(ds)))[0]
    assert removal["isRemove"] is True and removal["emoji"] == "👍"


def test_receipts_reach_the_sender(live, pair):
    a, b = pair
    target = live.send(a, [b], "please read")
    live.message_text(b, "please read")
    api_b = client(live, b)
    assert api_b.send_receipt(a, target) is None
    assert api_b.send_receipt(a, target, receipt_type="viewed") is None

    def receipts(envelopes):
        return [e["receiptMessage"] for e in envelopes
                if target in e.get("receiptMessage", {}).get("timestamps", [])]

    found = receipts(live.receive_until(a, lambda es: len(receipts(es)) >= 2))
    assert [(r["isRead"], r["isViewed"]) for r in found] == [(True, False), (False, True)]


def test_calls_whose_empty_body_the_library_cannot_parse_still_take_effect(live, pair):
    """Client bugs: update_contact and remove_pin (204) and add_pin (201) parse the empty body the
    original server answers too as JSON, so they always raise, though the server did the work."""
    a, b = pair
    api = client(live, a)
    with pytest.raises(requests.exceptions.JSONDecodeError):
        api.update_contact(b, name="Bob from the tests", expiration_in_seconds=0)
    assert live.calls("updateContact")[-1]["params"]["name"] == "Bob from the tests"
    contacts = {c["number"]: c for c in api.get_contacts()}
    assert contacts[b]["name"] == "Bob from the tests"

    with pytest.raises(requests.exceptions.JSONDecodeError):
        api.add_pin("1234")
    assert (live.calls("setPin")[-1]["account"], live.calls("setPin")[-1]["params"]["pin"]) == (a, "1234")
    with pytest.raises(requests.exceptions.JSONDecodeError):
        api.remove_pin()
    assert live.calls("removePin")[-1]["account"] == a


def test_profile_group_updates_and_identities(live, pair):
    a, b = pair
    api_a, api_b = client(live, a), client(live, b)
    assert api_a.update_profile("Alice Tester", attachment_as_bytes=TINY_PNG) is None
    group_id = api_a.create_group("Before", [b])["id"]
    assert api_a.update_group(group_id, name="After", description="renamed") is None
    group = api_b.get_group(group_id)
    assert (group["name"], group["description"]) == ("After", "renamed")

    def renamed(ds):
        return [d for d in ds if d.get("groupInfo", {}).get("groupName") == "After"]

    update = renamed(live.data_messages(b, renamed))[0]
    assert update["groupInfo"]["type"] == "UPDATE"
    sent_timestamp(api_a.send_message("from my new name", [b]))
    envelopes = live.receive_until(b, lambda es: any(e.get("dataMessage", {}).get("message") == "from my new name"
                                                     for e in es))
    assert envelopes[-1]["sourceName"] == "Alice Tester"

    identities = {i["number"]: i for i in api_b.list_indentities()}
    safety_number = identities[a]["safety_number"]
    assert api_b.verify_indentity(a, safety_number) is None
    assert {i["number"]: i for i in api_b.list_indentities()}[a]["status"] == "TRUSTED_VERIFIED"
