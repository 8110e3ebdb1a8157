"""Registration, verification, unregistration and the account list, in every mode."""
from __future__ import annotations

A = "+4915100000001"
B = "+4915100000002"


def test_register_and_verify_make_the_account_listed(api):
    assert api.client.get("/v1/accounts").json == []
    response = api.client.post(f"/v1/register/{A}")
    assert response.status_code == 201
    assert response.data == b""
    assert api.client.get("/v1/accounts").json == []  # registered only after verification
    response = api.client.post(f"/v1/register/{A}/verify/123-456")
    assert response.status_code == 201
    assert api.client.get("/v1/accounts").json == [A]
    assert api.last_call("register")["account"] == A
    assert api.last_call("verify")["params"]["verificationCode"] == "123-456"


def test_register_passes_voice_and_captcha(api):
    response = api.client.post(f"/v1/register/{A}", json={"use_voice": True})
    # As signal-cli: voice verification needs an SMS request first.
    assert response.status_code == 400
    assert "Before requesting voice verification you need to request SMS verification" in response.json["error"]
    assert api.last_call("register")["params"]["voice"] is True
    response = api.client.post(f"/v1/register/{A}", json={"captcha": "signalcaptcha://tok"})
    assert response.status_code == 201
    assert api.last_call("register")["params"]["captcha"] == "signalcaptcha://tok"


def test_a_wrong_verification_code_is_a_400_with_signal_clis_message(api):
    api.client.post(f"/v1/register/{A}")
    response = api.client.post(f"/v1/register/{A}/verify/999999")
    assert response.status_code == 400
    assert response.json["error"]
    assert api.client.get("/v1/accounts").json == []


def test_percent_encoded_numbers_are_accepted(api):
    assert api.client.post("/v1/register/%2B4915100000001").status_code == 201
    assert api.client.post("/v1/register/%252B4915100000001/verify/123456").status_code == 201
    assert api.client.get("/v1/accounts").json == [A]


def test_unregister_and_delete_local_data(api):
    api.register(A)
    api.register(B)
    response = api.client.post(f"/v1/unregister/{A}", json={"delete_local_data": True})
    assert response.status_code == 204
    assert api.client.get("/v1/accounts").json == [B]
    assert api.calls("deleteLocalAccountData")[-1]["account"] == A
    accounts = (api.config_dir / "data" / "accounts.json").read_text()
    assert A not in accounts


def test_unregister_an_unknown_number_is_a_400(api):
    response = api.client.post(f"/v1/unregister/{A}")
    assert response.status_code == 400
    assert response.json == {"error": f"User {A} is not registered."}


def test_an_invalid_register_body_is_a_400(api):
    response = api.client.post(f"/v1/register/{A}", data='{"use_voice": "maybe"}', content_type="application/json")
    assert response.status_code == 400
    assert "use_voice" in response.json["error"]
