"""Send limits (issue 8 item 6): recipients, mentions and attachments per message and the size of
one attachment, each a ``SIGNAL_API_MAX_*`` setting; over a limit is a 4xx naming the field, and
nothing is sent."""
from __future__ import annotations

import base64

import pytest

A, B, C, D = "+4915100000001", "+4915100000002", "+4915100000003", "+4915100000004"
LIMITS = {"SIGNAL_API_MAX_RECIPIENTS": "2", "SIGNAL_API_MAX_MENTIONS": "1", "SIGNAL_API_MAX_ATTACHMENTS": "1",
          "SIGNAL_API_MAX_ATTACHMENT_BYTES": "16"}
MENTION = {"start": 0, "length": 1, "author": B}


def data(size: int) -> str:
    return base64.b64encode(b"\x00" * size).decode()


@pytest.fixture(params=["normal", "json-rpc"])
def limited(request, make_api):
    api = make_api(request.param, **LIMITS)
    for number in (A, B, C):
        api.register(number)
    return api


@pytest.mark.parametrize("body, status, error", [
    ({"recipients": [B, C, D]}, 400,
     "Couldn't process request - recipients: at most 2 per message (SIGNAL_API_MAX_RECIPIENTS)"),
    ({"recipients": [B, C], "recipient": D}, 400,
     "Couldn't process request - recipients: at most 2 per message (SIGNAL_API_MAX_RECIPIENTS)"),
    ({"mentions": [MENTION, MENTION]}, 400,
     "Couldn't process request - mentions: at most 1 per message (SIGNAL_API_MAX_MENTIONS)"),
    ({"quote_timestamp": 1, "quote_author": B, "quote_mentions": [MENTION, MENTION]}, 400,
     "Couldn't process request - quote_mentions: at most 1 per message (SIGNAL_API_MAX_MENTIONS)"),
    ({"base64_attachments": [data(1), data(1)]}, 400,
     "Couldn't process request - base64_attachments: at most 1 per message (SIGNAL_API_MAX_ATTACHMENTS)"),
    ({"base64_attachments": [data(17)]}, 413,
     "Couldn't process request - base64_attachments.0: an attachment may have at most 16 bytes "
     "(SIGNAL_API_MAX_ATTACHMENT_BYTES)"),
    ({"base64_attachments": ["data:image/png;base64," + data(17)]}, 413,
     "Couldn't process request - base64_attachments.0: an attachment may have at most 16 bytes "
     "(SIGNAL_API_MAX_ATTACHMENT_BYTES)"),
    ({"message": "see https://example.org", "link_preview": {"url": "https://example.org", "title": "t",
                                                             "base64_thumbnail": data(17)}}, 413,
     "Couldn't process request - link_preview.base64_thumbnail: an attachment may have at most 16 bytes "
     "(SIGNAL_API_MAX_ATTACHMENT_BYTES)"),
])
def test_a_send_over_a_limit_is_refused_naming_the_field(limited, body, status, error):
    response = limited.client.post("/v2/send", json={"number": A, "recipients": [B], "message": "x", **body})
    assert (response.status_code, response.json) == (status, {"error": error})
    assert limited.calls("send") == []


def test_a_send_at_the_limits_goes_out(limited):
    body = {"number": A, "recipients": [B, C], "message": "@ x", "mentions": [MENTION],
            "base64_attachments": [data(16)]}
    response = limited.client.post("/v2/send", json=body)
    assert response.status_code == 201, response.json
    params = limited.last_call("send")["params"]
    assert (params["recipient"], len(params["attachment"]), len(params["mention"])) == ([B, C], 1, 1)


def test_v1_send_has_the_same_limits(limited):
    response = limited.client.post("/v1/send", json={"number": A, "recipients": [B, C, D], "message": "x"})
    assert (response.status_code, response.json["error"]) == (
        400, "Couldn't process request - recipients: at most 2 per message (SIGNAL_API_MAX_RECIPIENTS)")
    response = limited.client.post("/v1/send", json={"number": A, "recipients": [B], "base64_attachment": data(17)})
    assert response.status_code == 413
    assert response.json["error"].startswith("Couldn't process request - base64_attachment: ")
    assert limited.calls("send") == []


def test_the_default_limit_refuses_5000_recipients_at_once(make_api):
    api = make_api("normal")
    api.register(A)
    recipients = [f"+49151{n:08d}" for n in range(5000)]
    response = api.client.post("/v2/send", json={"number": A, "recipients": recipients, "message": "x"})
    assert (response.status_code, response.json["error"]) == (
        400, "Couldn't process request - recipients: at most 100 per message (SIGNAL_API_MAX_RECIPIENTS)")
    assert api.calls("send") == []
