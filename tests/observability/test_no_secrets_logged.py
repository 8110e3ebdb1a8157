"""Message texts, captchas, PINs, tokens and verification codes never reach the log at info level.

A live gunicorn server (LOG_LEVEL=info) goes through register (with a captcha), a wrong and a
right verification code, a PIN, a rate-limit challenge, a send and a receive, with a token in the
query and in a header; nothing it printed contains any of those values.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.helpers import running_server

A = "+4915100000001"
B = "+4915100000002"
SECRETS = {
    "captcha": "signalcaptcha://captcha-value-Xq7Zr2",
    "wrong code": "975-318",
    "right code": "123-456",  # the simulator's code, in the form no timestamp or id can contain
    "pin": "pin-Vk3w9",
    "challenge captcha": "signalcaptcha://challenge-captcha-Mb4Tn8",
    "message": "the-secret-message-text-8b1f",
    "token": "tok-3fK9sQ2pL7",
}


def call(server, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server.base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_no_secret_value_is_logged_during_register_verify_pin_send_receive(tmp_path, mode):
    with running_server(mode, tmp_path, LOG_LEVEL="info") as server:
        assert call(server, "POST", f"/v1/register/{A}", {"captcha": SECRETS["captcha"]}) == 201
        assert call(server, "POST", f"/v1/register/{A}/verify/{SECRETS['wrong code']}") == 400
        assert call(server, "POST", f"/v1/register/{A}/verify/{SECRETS['right code']}") == 201
        assert call(server, "POST", f"/v1/register/{B}") == 201
        assert call(server, "POST", f"/v1/register/{B}/verify/{SECRETS['right code']}",
                    {"pin": SECRETS["pin"]}) == 201
        assert call(server, "POST", f"/v1/accounts/{A}/pin", {"pin": SECRETS["pin"]}) == 201
        call(server, "POST", f"/v1/accounts/{A}/rate-limit-challenge",
             {"challenge_token": "challenge-token-1", "captcha": SECRETS["challenge captcha"]})
        assert call(server, "POST", f"/v2/send?token={SECRETS['token']}",
                    {"number": A, "recipients": [B], "message": SECRETS["message"]},
                    {"Authorization": f"Bearer {SECRETS['token']}"}) == 201
        assert call(server, "GET", f"/v1/receive/{B}?timeout=1&token={SECRETS['token']}") == 200
        output = server.output()
    assert "POST /v1/register/+4915100000001/verify/*** 400" in output  # the request line is there, masked
    leaked = {name: value for name, value in SECRETS.items() if value in output}
    assert not leaked, output
