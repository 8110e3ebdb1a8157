"""Simulator: contacts, identities, trust, user status, sticker packs and profile avatars (CLI and JSON-RPC)."""

from __future__ import annotations

from .conftest import ALICE, BOB, CAROL
from .test_jsonrpc import req, rpc

PEER = "+4915177700001"
CHANGED = "+9981234567"
PACK = ("https://signal.art/addstickers/#pack_id=9a32eda01a7a28574f2eb48668ae0dc4"
        "&pack_key=19546e18eba0ff69dea78eb591465289d39e16f35e58389ae779d4f9455aff3a")


def test_update_contact_and_list_contacts(pair):
    pair.run("updateProfile", "--given-name", "Bob", "--family-name", "B", account=BOB)
    proc = pair.run("updateContact", BOB, "-n", "Bobby", "--note", "n", "--nick-given-name", "Bo", "-e", "30",
                    account=ALICE)
    assert (proc.returncode, proc.stdout) == (0, "")
    [contact] = pair.json("listContacts", account=ALICE)
    assert contact["number"] == BOB and contact["uuid"]
    assert {k: contact[k] for k in ("name", "givenName", "familyName", "nickName", "note", "isBlocked",
                                    "messageExpirationTime", "unregistered")} == {
        "name": "Bobby", "givenName": "Bobby", "familyName": "", "nickName": "Bo", "note": "n",
        "isBlocked": False, "messageExpirationTime": 30, "unregistered": False}
    assert (contact["profile"]["givenName"], contact["profile"]["familyName"]) == ("Bob", "B")
    [item] = pair.receive(BOB)
    assert item["envelope"]["dataMessage"]["isExpirationUpdate"] is True
    plain = pair.run("listContacts", account=ALICE).stdout
    assert plain.startswith(f"Number: {BOB} ACI: {contact['uuid']} Name: Bobby Profile name: Bob B ")
    assert plain.rstrip().endswith("Blocked: false Message expiration: 30s")


def test_list_contacts_filters(pair):
    pair.run("send", "-m", "hi", PEER, CAROL, account=ALICE)
    pair.run("updateContact", CAROL, "-n", "Carol", account=ALICE)
    pair.run("block", PEER, account=ALICE)
    assert [c["number"] for c in pair.json("listContacts", account=ALICE)] == [PEER, CAROL]
    assert [c["number"] for c in pair.json("listContacts", "--blocked", "true", account=ALICE)] == [PEER]
    assert [c["number"] for c in pair.json("listContacts", "--name", "car", account=ALICE)] == [CAROL]
    assert [c["number"] for c in pair.json("listContacts", CAROL, account=ALICE)] == [CAROL]
    assert [c["number"] for c in pair.json("listContacts", "--all-recipients", account=ALICE)] == [PEER, CAROL]


def test_identities_and_trust(pair):
    assert pair.run("send", "-m", "hi", CHANGED, account=ALICE).returncode == 4
    [entry] = pair.json("listIdentities", account=ALICE)
    assert (entry["number"], entry["trustLevel"]) == (CHANGED, "UNTRUSTED")
    assert len(entry["safetyNumber"].replace(" ", "")) == 60 and len(entry["safetyNumber"].split()) == 12
    errors = [
        ((), "You need to specify the fingerprint/safety number you have verified with -v SAFETY_NUMBER"),
        (("-v", "12"), "Safety number has invalid format, either specify the old hex fingerprint or the new "
                       "safety number"),
        (("-v", "0" * 60), "Failed to set the trust for this number, make sure the number and the "
                           "fingerprint/safety number are correct."),
    ]
    for args, message in errors:
        proc = pair.run("trust", CHANGED, *args, account=ALICE)
        assert (proc.returncode, proc.stderr.strip()) == (1, message)
    assert pair.run("trust", CHANGED, "-v", entry["fingerprint"].replace(" ", ""), account=ALICE).returncode == 0
    assert pair.json("listIdentities", "-n", CHANGED, account=ALICE)[0]["trustLevel"] == "TRUSTED_VERIFIED"
    assert pair.run("send", "-m", "hi", CHANGED, account=ALICE).returncode == 0


def test_both_sides_see_the_same_safety_number(pair):
    pair.run("send", "-m", "hi", BOB, account=ALICE)
    [alice_view] = pair.json("listIdentities", account=ALICE)
    [bob_view] = pair.json("listIdentities", account=BOB)
    assert alice_view["safetyNumber"] == bob_view["safetyNumber"]
    assert (alice_view["number"], bob_view["number"]) == (BOB, ALICE)


def test_get_user_status(pair):
    result = pair.json("getUserStatus", BOB, "+9990000000", "--username", "someone.42", account=ALICE)
    assert result[0]["recipient"] == BOB and result[0]["isRegistered"] is True and result[0]["uuid"]
    assert result[1] == {"recipient": "+9990000000", "number": "+9990000000", "uuid": None, "isRegistered": False}
    assert result[2]["username"] == "someone.42" and "number" not in result[2]
    proc = pair.run("getUserStatus", "+9990000000", account=ALICE)
    assert proc.stdout == "+9990000000: false\n"


def test_get_user_status_reads_numbers_as_signal_cli(pair):
    # A "+" lost in a query string: completed with the account's country code, like the real one.
    [lost_plus, national, no_number] = pair.json("getUserStatus", "--", " " + BOB[1:], "0" + BOB[3:], "abc",
                                                 account=ALICE)
    assert lost_plus["number"] == "+49" + BOB[1:] and lost_plus["recipient"] == " " + BOB[1:]
    assert national["number"] == BOB and national["isRegistered"] is True
    assert no_number == {"recipient": "abc", "number": None, "uuid": None, "isRegistered": False}


def test_sticker_packs(pair):
    proc = pair.run("addStickerPack", "--uri", "https://example.com/#pack_id=00&pack_key=00", account=ALICE)
    assert (proc.returncode, proc.stderr.strip()) == (1, "Invalid sticker pack link")
    proc = pair.run("addStickerPack", "--uri", PACK.replace("pack_key=19", "pack_key="), account=ALICE)
    assert (proc.returncode, proc.stderr.strip()) == (3, "Install sticker pack failed")
    assert pair.run("addStickerPack", "--uri", PACK, account=ALICE).returncode == 0
    [pack] = pair.json("listStickerPacks", account=ALICE)
    assert (pack["packId"], pack["url"], pack["installed"]) == ("9a32eda01a7a28574f2eb48668ae0dc4", PACK, True)
    assert pack["stickers"] and pack["cover"]["id"] == 0
    assert pair.json("listStickerPacks", account=BOB) == []


def test_profile_avatar_is_stored_kept_and_removed(pair, tmp_path):
    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\nxx")
    assert pair.run("updateProfile", "--given-name", "A", "--avatar", str(image), account=ALICE).returncode == 0
    assert pair.json("getAvatar", "--profile", ALICE, account=BOB) == {"data": "iVBORw0KGgp4eA=="}
    pair.run("updateProfile", "--about", "x", account=ALICE)
    assert pair.run("getAvatar", "--profile", ALICE, account=BOB).returncode == 0
    pair.run("updateProfile", "--remove-avatar", account=ALICE)
    proc = pair.run("getAvatar", "--profile", ALICE, account=BOB)
    assert (proc.returncode, proc.stderr.strip()) == (1, "Could not find avatar")
    proc = pair.run("updateProfile", "--avatar", str(tmp_path / "missing"), account=ALICE)
    assert proc.returncode == 3 and proc.stderr.startswith("Update profile error: ")


def test_json_rpc_methods(pair):
    # One jsonRpc process per step: a daemon may answer the requests of one batch in any order.
    def call(method: str, **params: object) -> dict:
        return rpc(pair, req(method, 1, account=ALICE, **params))["1"]

    assert call("updateContact", recipient=BOB, name="Bobby", expiration=0) == {"jsonrpc": "2.0", "result": {}, "id": 1}
    [contact] = call("listContacts", recipient=[BOB])["result"]
    assert (contact["name"], contact["messageExpirationTime"]) == ("Bobby", 0)
    assert call("getUserStatus", recipient=[BOB])["result"][0]["isRegistered"] is True
    assert call("addStickerPack", uri=PACK)["result"] == {}
    assert call("listStickerPacks")["result"][0]["url"] == PACK
    assert call("sendContacts")["result"] == {}
    assert pair.receive(ALICE)[0]["envelope"]["syncMessage"] == {"type": "CONTACTS_SYNC"}
    # The expiration update went to Bob, so Alice knows his key now; Carol's she has never seen.
    assert call("trust", recipient=CAROL, trustAllKnownKeys=True)["error"]["code"] == -1
    assert call("trust", recipient=BOB, verifiedSafetyNumber="1" * 60)["error"]["code"] == -1
    assert call("trust", recipient=BOB, trustAllKnownKeys=True)["result"] == {}
    assert [(e["number"], e["trustLevel"]) for e in call("listIdentities")["result"]] == [(BOB, "TRUSTED_UNVERIFIED")]
