"""One validation for every mode (issue 8 item 8): account numbers, recipients and timestamps are
checked before any signal-cli call, so all four modes answer a 400 to the same input (for an account
number that names no account, in the words signal-cli's CLI or its daemon would use, as the original
passes them on).

Before, a full-width ``＋4915…`` or Arabic-Indic digits were refused by the CLI in normal mode but
handed to the daemon in json-rpc mode, and negative timestamps and ``receive?timeout=-1`` went to
signal-cli in every mode.
"""
from __future__ import annotations

import pytest

from tests.conftest import MODES, Harness
from tests.helpers import malformed_account_error

A, B = "+4915100000001", "+4915100000002"
FULL_WIDTH_B = "\uff0b4915100000002"          # ＋4915100000002
ARABIC_INDIC_B = "+" + "".join(chr(0x0660 + int(d)) for d in B[1:])
# signal-cli's words for a number that names no account differ between the CLI and the daemon.
ACCOUNT_TEXT = "{account_text}"
REGISTRATION_ACCOUNT_TEXT = "{registration_account_text}"


def phone_text(value: str, field: str) -> str:
    return f"Invalid phone number '{value}': The string supplied did not seem to be a phone number. (field: {field})"


def timestamp_text(field: str) -> str:
    return (f"Couldn't process request - invalid request: {field}: must be a timestamp in milliseconds "
            f"(0 to 9223372036854775807)")


CASES = [
    ("post", "/v2/send", {"number": A, "recipients": [FULL_WIDTH_B], "message": "x"},
     phone_text(FULL_WIDTH_B, "recipients.0")),
    ("post", "/v2/send", {"number": A, "recipients": [ARABIC_INDIC_B], "message": "x"},
     phone_text(ARABIC_INDIC_B, "recipients.0")),
    ("post", "/v2/send", {"number": A, "recipient": "\ufe62" + B[1:], "message": "x"},   # small plus sign
     phone_text("\ufe62" + B[1:], "recipient")),
    ("post", "/v2/send", {"number": "\uff0b4915100000001", "recipients": [B], "message": "x"},
     f"{ACCOUNT_TEXT} (field: number)"),
    ("post", "/v2/send", {"number": "+" + "".join(chr(0x0660 + int(d)) for d in A[1:]), "recipients": [B],
                          "message": "x"}, f"{ACCOUNT_TEXT} (field: number)"),
    ("post", "/v2/send", {"number": "4915100000001", "recipients": [B], "message": "x"},
     f"{ACCOUNT_TEXT} (field: number)"),
    ("post", "/v2/send", {"number": A, "recipients": [B], "message": "x", "quote_timestamp": -1, "quote_author": B},
     timestamp_text("quote_timestamp")),
    ("post", "/v2/send", {"number": A, "recipients": [B], "message": "x", "edit_timestamp": -5},
     timestamp_text("edit_timestamp")),
    ("post", "/v2/send", {"number": A, "recipients": [B], "message": "x",
                          "mentions": [{"start": -1, "length": 1, "author": B}]},
     "Couldn't process request - invalid request: mentions.0.start: must be between 0 and 2147483647"),
    ("post", "/v2/send", {"number": A, "recipients": [B], "message": "x", "quote_timestamp": 1, "quote_author": B,
                          "quote_mentions": [{"start": 0, "length": 1, "author": FULL_WIDTH_B}]},
     phone_text(FULL_WIDTH_B, "quote_mentions.0.author")),
    ("post", "/v1/reactions/{A}", {"recipient": B, "reaction": "x", "target_author": B, "timestamp": -5},
     timestamp_text("timestamp")),
    ("post", "/v1/reactions/{A}", {"recipient": B, "reaction": "x", "target_author": FULL_WIDTH_B, "timestamp": 5},
     phone_text(FULL_WIDTH_B, "target_author")),
    ("post", "/v1/receipts/{A}", {"recipient": ARABIC_INDIC_B, "receipt_type": "read", "timestamp": 5},
     phone_text(ARABIC_INDIC_B, "recipient")),
    ("delete", "/v1/remote-delete/{A}", {"recipient": B, "timestamp": -1}, timestamp_text("timestamp")),
    ("post", "/v1/polls/{A}/vote", {"recipient": B, "poll_author": B, "poll_timestamp": "-5",
                                     "selected_answers": [1]}, "Couldn't process request - invalid timestamp"),
    ("put", "/v1/contacts/{A}", {"recipient": FULL_WIDTH_B}, phone_text(FULL_WIDTH_B, "recipient")),
    ("post", "/v1/groups/{A}", {"name": "g", "members": [B, FULL_WIDTH_B]}, phone_text(FULL_WIDTH_B, "members.1")),
    ("get", "/v1/receive/{A}?timeout=-1", None, "Couldn't process request - timeout must be between 0 and 3600"),
    ("get", "/v1/groups/\uff0b4915100000001", None, f"{ACCOUNT_TEXT} (field: number)"),
    ("get", "/v1/contacts/+4915100000001%0A", None, f"{ACCOUNT_TEXT} (field: number)"),
    ("get", "/v1/contacts/{A}/" + FULL_WIDTH_B, None, phone_text(FULL_WIDTH_B, "uuid")),
    ("put", "/v1/identities/{A}/trust/" + ARABIC_INDIC_B, {"trust_all_known_keys": True},
     phone_text(ARABIC_INDIC_B, "numberToTrust")),
    ("get", "/v1/search/{A}?numbers=" + FULL_WIDTH_B, None, phone_text(FULL_WIDTH_B, "numbers.0")),
    ("get", "/v1/search?number=%EF%BC%8B4915100000001&numbers=" + B, None, f"{ACCOUNT_TEXT} (field: number)"),
    ("post", "/v1/register/+0491510000000", None, f"{REGISTRATION_ACCOUNT_TEXT} (field: number)"),
    ("post", "/v1/register/+0491510000000/verify/123456", None, f"{REGISTRATION_ACCOUNT_TEXT} (field: number)"),
    ("delete", "/v1/devices/12345/local-data", None, f"{REGISTRATION_ACCOUNT_TEXT} (field: number)"),
    ("post", "/v1/configuration/-h/settings", {"trust_mode": "always"}, f"{ACCOUNT_TEXT} (field: number)"),
]


@pytest.fixture(scope="module", params=MODES)
def svc(request, tmp_path_factory):
    harness = Harness(request.param, tmp_path_factory.mktemp(f"one-validation-{request.param}")).start()
    harness.register(A)
    harness.register(B)
    yield harness
    harness.stop()


@pytest.mark.parametrize("method, path, body, text", CASES, ids=[f"{m} {p.split('?')[0]} {i}" for i, (m, p, _, _) in enumerate(CASES)])
def test_every_mode_refuses_before_any_call(svc, method, path, body, text):
    text = text.replace(ACCOUNT_TEXT, malformed_account_error(svc.mode)).replace(
        REGISTRATION_ACCOUNT_TEXT, malformed_account_error(svc.mode, opens_account=True))
    calls = len(svc.calls())
    kwargs = {} if body is None else {"json": body}
    response = getattr(svc.client, method)(path.replace("{A}", A), **kwargs)
    assert (response.status_code, response.json) == (400, {"error": text})
    assert len(svc.calls()) == calls, svc.calls()[calls:]


def test_phone_numbers_with_spaces_still_go_to_signal_cli_as_the_original_sends_them(svc):
    response = svc.client.post("/v2/send", json={"number": A, "recipients": ["+49 151 00000002"], "message": "x"})
    assert response.status_code < 500
    assert svc.last_call("send")["params"]["recipient"] == ["+49 151 00000002"]
