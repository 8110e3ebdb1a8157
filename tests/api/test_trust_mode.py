"""Per-number trust mode (``/v1/configuration/{number}/settings``), honoured in every mode."""
from __future__ import annotations

import pytest

from signal_api.api_config import ApiConfig

A = "+4915100000001"
PEER = "+4930123456"


def test_the_trust_mode_is_stored_and_applied_to_every_call(api):
    """The original refused this in json-rpc mode and never applied it there (§14 item 7)."""
    api.register(A)
    assert api.client.get(f"/v1/configuration/{A}/settings").json == {"trust_mode": "on-first-use"}
    response = api.client.post(f"/v1/configuration/{A}/settings", json={"trust_mode": "always"})
    assert (response.status_code, response.data) == (204, b"")
    assert api.client.get(f"/v1/configuration/{A}/settings").json == {"trust_mode": "always"}
    assert (api.config_dir / "api-config.yml").read_text() == 'config:\n  "+4915100000001":\n    trust_mode: 1\n'
    response = api.client.post("/v2/send", json={"number": A, "recipients": [PEER], "message": "hi"})
    assert response.status_code == 201
    call = api.last_call("send")
    assert call["trustNewIdentities"] == "always"
    if call["via"] == "cli":
        assert "--trust-new-identities=always" in call["argv"][:call["argv"].index("send")]
    api.client.post(f"/v1/configuration/{A}/settings", json={"trust_mode": "never"})
    api.client.put(f"/v1/accounts/{A}/settings", json={"share_number": True})
    assert api.last_call("updateAccount")["trustNewIdentities"] == "never"


def test_other_numbers_keep_signal_clis_default(make_api):
    api = make_api("json-rpc")
    api.register(A)
    api.client.post("/v1/configuration/+4915100000002/settings", json={"trust_mode": "always"})
    api.client.post("/v2/send", json={"number": A, "recipients": [PEER], "message": "hi"})
    assert api.last_call("send")["trustNewIdentities"] is None


def test_a_file_written_by_the_original_is_read(make_api):
    api = make_api("normal")
    api.config_dir.mkdir(parents=True, exist_ok=True)
    (api.config_dir / "api-config.yml").write_text(
        "config:\n  \"+4915100000001\":\n    trust_mode: 2\n  \"+4915100000002\":\n    trust_mode: 1\n")
    assert api.client.get(f"/v1/configuration/{A}/settings").json == {"trust_mode": "never"}
    api.client.post(f"/v1/configuration/{A}/settings", json={"trust_mode": "on-first-use"})
    assert ApiConfig(api.config_dir).trust_modes() == {A: "on-first-use", "+4915100000002": "always"}


@pytest.mark.parametrize("body", [{"trust_mode": "sometimes"}, {"trust_mode": ""}, {}])
def test_an_invalid_trust_mode_is_a_400(make_api, body):
    api = make_api("normal")
    response = api.client.post(f"/v1/configuration/{A}/settings", json=body)
    assert (response.status_code, response.json) == (400, {"error": "Invalid trust mode"})
    assert not (api.config_dir / "api-config.yml").exists()
    assert api.calls() == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_malformed_number_has_no_settings(make_api, method):
    """The original stores settings for any path segment; signal-api refuses what is no phone number."""
    api = make_api("normal")
    response = getattr(api.client, method)("/v1/configuration/12345/settings", json={"trust_mode": "always"})
    assert response.status_code == 400
    assert response.json["error"].startswith("Invalid account (phone number)")
    assert not (api.config_dir / "api-config.yml").exists()
