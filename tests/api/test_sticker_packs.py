"""GET/POST /v1/sticker-packs/{number}, in every mode."""
from __future__ import annotations

A = "+4915100000001"
PACK_ID = "9a32eda01a7a28574f2eb48668ae0dc4"
PACK_KEY = "19546e18eba0ff69dea78eb591465289d39e16f35e58389ae779d4f9455aff3a"
URL = f"https://signal.art/addstickers/#pack_id={PACK_ID}&pack_key={PACK_KEY}"


def test_add_and_list_sticker_packs(api):
    api.register(A)
    assert api.client.get(f"/v1/sticker-packs/{A}").json == []
    response = api.client.post(f"/v1/sticker-packs/{A}", json={"pack_id": PACK_ID, "pack_key": PACK_KEY})
    assert response.status_code == 201
    assert response.data == b""
    assert api.last_call("addStickerPack")["params"] == {"uri": [URL]}
    response = api.client.get(f"/v1/sticker-packs/{A}")
    assert response.status_code == 200
    [pack] = response.json
    assert pack.pop("title") and pack.pop("author")
    assert pack == {"pack_id": PACK_ID, "url": URL, "installed": True}


def test_an_invalid_pack_is_a_400(api):
    api.register(A)
    response = api.client.post(f"/v1/sticker-packs/{A}", json={"pack_id": "xyz", "pack_key": PACK_KEY})
    assert response.status_code == 400
    assert response.json == {"error": "Invalid sticker pack link"}
    assert api.client.get(f"/v1/sticker-packs/{A}").json == []


def test_a_missing_pack_key_is_signal_clis_to_judge(make_api):
    """The original checks neither part: the link signal-cli gets lacks the key, and it says so."""
    api = make_api("normal")
    api.register(A)
    response = api.client.post(f"/v1/sticker-packs/{A}", json={"pack_id": PACK_ID})
    assert (response.status_code, response.json) == (400, {"error": "Invalid sticker pack link"})
    assert api.last_call("addStickerPack")["params"] == {
        "uri": [f"https://signal.art/addstickers/#pack_id={PACK_ID}&pack_key="]}
