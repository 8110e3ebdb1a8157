"""PUT /v1/profiles/{number}: name, about and avatar, in every mode."""
from __future__ import annotations

import base64

A = "+4915100000001"
B = "+4915100000002"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 24


def _avatar(api):
    path = api.config_dir / "avatars" / f"profile-{A}"
    return path.read_bytes() if path.exists() else None


def test_update_profile_sets_name_about_and_avatar(api):
    api.register(A)
    api.register(B)
    body = {"name": "Alice", "about": "busy", "base64_avatar": base64.b64encode(PNG).decode()}
    response = api.client.put(f"/v1/profiles/{A}", json=body)
    assert response.status_code == 204
    assert response.data == b""
    params = api.last_call("updateProfile")["params"]
    assert params.pop("avatar").endswith(".png")
    assert params == {"givenName": "Alice", "about": "busy"}
    assert _avatar(api) == PNG
    # The name is what others see: as the sender name and in their contacts' profile.
    assert api.client.post("/v2/send", json={"number": A, "recipients": [B], "message": "hi"}).status_code == 201
    [message] = api.receive(B)
    assert message["envelope"]["sourceName"] == "Alice"
    [contact] = api.client.get(f"/v1/contacts/{B}?all_recipients=true").json
    profile = contact["profile"]
    assert (contact["profile_name"], profile["about"], profile["has_avatar"]) == ("Alice", "busy", True)


def test_updating_without_an_avatar_keeps_it(api):
    api.register(A)
    body = {"name": "Alice", "base64_avatar": base64.b64encode(PNG).decode()}
    assert api.client.put(f"/v1/profiles/{A}", json=body).status_code == 204
    response = api.client.put(f"/v1/profiles/{A}", json={"name": "Alice B."})
    assert response.status_code == 204
    # The original sent --remove-avatar here and so deleted the avatar.
    assert api.last_call("updateProfile")["params"] == {"givenName": "Alice B."}
    assert _avatar(api) == PNG
    response = api.client.put(f"/v1/profiles/{A}", json={"name": "Alice", "base64_avatar": ""})
    assert response.status_code == 204
    assert api.last_call("updateProfile")["params"] == {"givenName": "Alice", "removeAvatar": True}
    assert _avatar(api) is None


def test_profile_validation(make_api):
    api = make_api("normal")
    for body in ({}, {"name": ""}, {"name": None, "about": "x"}):
        response = api.client.put(f"/v1/profiles/{A}", json=body)
        assert response.status_code == 400
        assert response.json == {"error": "Couldn't process request - profile name missing"}
    response = api.client.put(f"/v1/profiles/{A}", json={"name": "A", "base64_avatar": "not base64!"})
    assert response.status_code == 400
    assert response.json == {"error": "Couldn't decode base64 encoded avatar: illegal base64 data at input byte 3"}
    assert api.calls("updateProfile") == []


def test_profile_of_an_unknown_account_is_a_400(make_api):
    api = make_api("normal")
    response = api.client.put(f"/v1/profiles/{A}", json={"name": "A"})
    assert response.status_code == 400
    assert response.json == {"error": f"User {A} is not registered."}
