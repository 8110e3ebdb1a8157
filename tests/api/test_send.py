"""POST /v2/send and /v1/send end to end through the simulator, in every mode."""
from __future__ import annotations

import base64
import json
import os

import pytest

from tests.helpers import unknown_account_error

A = "+4915100000001"
B = "+4915100000002"
C = "+4915100000003"
NOT_ON_SIGNAL = "+9990000000001"
UNTRUSTED = "+9980000000001"
RATE_LIMITED = "+9970000000001"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture
def pair(api):
    api.register(A)
    api.register(B)
    return api


def send(api, **body):
    body.setdefault("number", A)
    return api.client.post("/v2/send", json=body)


def files_under(root):
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)


def test_a_sends_to_b_and_b_receives_the_text(pair):
    response = send(pair, recipients=[B], message="Hello B")
    assert response.status_code == 201
    assert response.content_type == "application/json"
    body = response.json
    assert isinstance(body, list) and len(body) == 1
    assert set(body[0]) == {"timestamp"}
    assert body[0]["timestamp"].isdigit()
    call = pair.last_call("send")
    assert call["account"] == A
    assert call["params"]["recipient"] == [B]
    assert call["params"]["message"] == "Hello B"
    assert call["params"]["notifySelf"] is True
    messages = pair.receive(B)
    assert len(messages) == 1
    envelope = messages[0]["envelope"]
    assert messages[0]["account"] == B
    assert envelope["sourceNumber"] == A
    assert envelope["timestamp"] == int(body[0]["timestamp"])
    for key in ("source", "sourceUuid", "sourceName", "sourceDevice", "serverReceivedTimestamp",
                "serverDeliveredTimestamp"):
        assert key in envelope
    assert envelope["dataMessage"]["message"] == "Hello B"
    assert envelope["dataMessage"]["viewOnce"] is False
    assert pair.receive(B, timeout=0) == []


def test_the_object_reply_format_of_release_0_100(make_api, mode):
    api = make_api(mode, SEND_RESPONSE_FORMAT="object")
    api.register(A)
    response = send(api, recipients=[NOT_ON_SIGNAL, "+4915100000009"], message="x")
    assert response.status_code == 201
    assert response.json["timestamp"].isdigit()
    assert response.json["errors"] == {"recipients": [{"number": NOT_ON_SIGNAL, "reason": "UNREGISTERED_FAILURE"}]}


def test_partial_failures_are_listed_per_recipient(pair):
    response = send(pair, recipients=[B, NOT_ON_SIGNAL], message="hi")
    assert response.status_code == 201
    [entry] = response.json
    assert entry["errors"] == {"recipients": [{"number": NOT_ON_SIGNAL, "reason": "UNREGISTERED_FAILURE"}]}
    assert [m["envelope"]["dataMessage"]["message"] for m in pair.receive(B)] == ["hi"]


def test_unregistered_recipients_only_is_a_400_with_signal_clis_message_line(pair):
    """The original's normal mode puts signal-cli's JSON send result before the line; every mode here has the line."""
    response = send(pair, recipients=[NOT_ON_SIGNAL], message="hi")
    assert (response.status_code, response.json) == (400, {"error": "Failed to send message"})


def test_untrusted_recipients_only_is_a_400(pair):
    response = send(pair, recipients=[UNTRUSTED], message="hi")
    assert response.status_code == 400
    assert response.json == {"error": "Unable to complete request due to untrusted recipient keys"}


def test_rate_limit_is_a_429_with_challenge_tokens(pair):
    response = send(pair, recipients=[RATE_LIMITED], message="hi")
    assert response.status_code == 429
    body = response.json
    assert body["account"] == A
    assert body["challenge_tokens"] and all(body["challenge_tokens"])
    assert "rate-limit-challenge" in body["error"]


def test_styled_text_mentions_and_quote_reach_signal_cli(pair):
    response = send(
        pair, recipients=[B], message="Hi @ **bold** and 😀 *it*", text_mode="styled",
        mentions=[{"start": 3, "length": 1, "author": B}],
        quote_timestamp=1700000000000, quote_author=B, quote_message="earlier",
    )
    assert response.status_code == 201, response.json
    params = pair.last_call("send")["params"]
    assert params["message"] == "Hi @ bold and 😀 it"
    assert params["textStyle"] == ["5:4:BOLD", "17:2:ITALIC"]
    assert params["mention"] == [f"3:1:{B}"]
    assert params["quoteTimestamp"] == 1700000000000
    assert params["quoteAuthor"] == B
    data = pair.receive(B)[0]["envelope"]["dataMessage"]
    assert data["message"] == "Hi @ bold and 😀 it"
    assert {"style": "BOLD", "start": 5, "length": 4} in data["textStyles"]
    assert data["mentions"][0]["number"] == B
    assert data["quote"]["id"] == 1700000000000


def test_default_text_mode_styled_applies_when_the_body_has_none(make_api, mode):
    api = make_api(mode, DEFAULT_SIGNAL_TEXT_MODE="styled")
    api.register(A)
    api.register(B)
    assert send(api, recipients=[B], message="*x*").status_code == 201
    assert api.last_call("send")["params"]["textStyle"] == ["0:1:ITALIC"]
    assert send(api, recipients=[B], message="*x*", text_mode="normal").status_code == 201
    assert api.last_call("send")["params"]["message"] == "*x*"


def test_attachments_in_all_three_forms_arrive_and_temp_files_are_removed(pair):
    encoded = base64.b64encode(PNG).decode()
    attachments = [
        encoded,
        f"data:image/png;base64,{encoded}",
        f"data:image/png;filename=photo.png;base64,{encoded}",
    ]
    response = send(pair, recipients=[B], message="pics", base64_attachments=attachments)
    assert response.status_code == 201, response.json
    paths = pair.last_call("send")["params"]["attachment"]
    assert len(paths) == 3
    assert os.path.basename(paths[2]) == "photo.png"
    assert paths[0].endswith(".png")
    tmp_root = pair.root / "api" / "tmp"
    assert all(os.path.realpath(p).startswith(str(tmp_root)) for p in paths)
    assert files_under(tmp_root) == [] and os.listdir(tmp_root) == []
    received = pair.receive(B)[0]["envelope"]["dataMessage"]["attachments"]  # one message, three files
    assert len(received) == 3
    for attachment in received:
        stored = pair.config_dir / "attachments" / attachment["id"]
        assert stored.read_bytes() == PNG
        assert attachment["size"] == len(PNG)


def test_a_send_without_files_creates_no_directory(pair):
    data_dir = pair.root / "api"
    before = dirs_under(data_dir)
    assert send(pair, recipients=[B], message="no files").status_code == 201
    assert send(pair, recipients=[B], message="none here either", base64_attachments=[]).status_code == 201
    assert pair.last_call("send")["params"]["message"] == "none here either"
    assert dirs_under(data_dir) == before
    assert not (data_dir / "tmp").exists()


def dirs_under(root):
    return sorted(os.path.join(d, name) for d, names, _ in os.walk(root) for name in names)


@pytest.mark.parametrize("name", ["../../escape.txt", "..%2F..%2Fescape.txt", "/etc/escape.txt", "..\\..\\escape.txt"])
def test_attachment_file_names_can_never_escape(pair, name):
    before = set(files_under(pair.root))
    payload = base64.b64encode(b"not yours").decode()
    response = send(pair, recipients=[B], message="x", base64_attachments=[f"data:text/plain;filename={name};base64,{payload}"])
    assert response.status_code == 201, response.json
    [path] = pair.last_call("send")["params"]["attachment"]
    tmp_root = str(pair.root / "api" / "tmp")
    assert os.path.realpath(path).startswith(tmp_root + os.sep)
    assert os.path.basename(path) == "escape.txt"
    after = set(files_under(pair.root))
    new_files = {f for f in after - before if "/signal-cli/" not in f and not f.endswith(".sock")}
    assert new_files == set(), new_files
    assert not os.path.exists(os.path.join(tmp_root, "..", "..", "escape.txt"))


def test_group_send_reaches_the_members_with_group_info(pair):
    created = pair.simulator("-a", A, "-o", "json", "updateGroup", "-n", "Team", "-m", B)
    assert created.returncode == 0, created.stderr
    internal = json.loads(created.stdout.splitlines()[0])["groupId"]
    group_id = "group." + base64.b64encode(internal.encode()).decode()
    response = send(pair, recipients=[group_id], message="to the team")
    assert response.status_code == 201, response.json
    assert pair.last_call("send")["params"]["groupId"] == [internal]
    received = [m["envelope"]["dataMessage"] for m in pair.receive(B, count=2)]
    # B first gets the group update that added it, then the message.
    assert [d["groupInfo"]["type"] for d in received] == ["UPDATE", "DELIVER"]
    assert received[1]["groupInfo"]["groupId"] == internal
    assert received[1]["message"] == "to the team"
    # The internal id works as a recipient too (a fix: the original took it for a username).
    assert send(pair, recipients=[internal], message="again").status_code == 201
    assert pair.last_call("send")["params"]["groupId"] == [internal]


def test_notify_self_false_and_view_once_and_edit(pair):
    encoded = base64.b64encode(PNG).decode()
    response = send(pair, recipients=[B], message="once", notify_self=False, view_once=True,
                    base64_attachments=[encoded], edit_timestamp=1700000000001)
    assert response.status_code == 201, response.json
    params = pair.last_call("send")["params"]
    assert "notifySelf" not in params
    assert params["viewOnce"] is True
    assert params["editTimestamp"] == 1700000000001


def test_link_preview_is_passed_with_its_image(pair):
    encoded = base64.b64encode(PNG).decode()
    response = send(pair, recipients=[B], message="see https://example.org/x",
                    link_preview={"url": "https://example.org/x", "title": "X", "base64_thumbnail": encoded})
    assert response.status_code == 201, response.json
    params = pair.last_call("send")["params"]
    assert params["previewUrl"] == "https://example.org/x"
    assert params["previewTitle"] == "X"
    assert params["previewDescription"] == ""
    assert params["previewImage"].endswith(".png")


def test_json_sent_as_text_plain_with_nulls_and_empty_lists_is_accepted(pair):
    body = {"number": A, "recipients": [B], "message": "plain", "base64_attachments": [], "mentions": [],
            "sticker": None, "quote_timestamp": None, "notify_self": None, "view_once": False}
    response = pair.client.post("/v2/send", data=json.dumps(body), content_type="text/plain; charset=utf-8")
    assert response.status_code == 201, response.json
    assert pair.last_call("send")["params"]["notifySelf"] is True


def test_v1_send_returns_one_object(pair):
    response = pair.client.post("/v1/send", json={"number": A, "recipients": [B], "message": "old api"})
    assert response.status_code == 201
    assert response.json["timestamp"].isdigit()
    assert pair.receive(B)[0]["envelope"]["dataMessage"]["message"] == "old api"


@pytest.mark.parametrize("body, status, error", [
    (None, 400, "Couldn't process request - invalid request: the body is empty"),
    ({"number": A, "recipients": "+4915100000002"}, 400, "Couldn't process request - invalid request: recipients: expected a JSON array"),
    ({"number": A, "recipients": [B], "quote_timestamp": "yesterday"}, 400, "Couldn't process request - invalid request: quote_timestamp: expected an integer"),
    ({"number": A, "recipients": [B], "mentions": [{"start": "0"}]}, 400, None),
    ({"recipients": [B], "message": "x"}, 400, "Couldn't process request - please provide a valid number"),
    ({"number": A, "recipients": [], "message": "x"}, 400, "Couldn't process request - please provide at least one recipient"),
    ({"number": A, "recipients": ["group.!!notbase64!!"], "message": "x"}, 400, "Invalid identifier group.!!notbase64!!"),
    ({"number": A, "recipients": [B, "group.UG1waStFZlBXbXN4aW9tTGU5TngyWEY5SE9FNDgzcDZpS2lGajY1aU13ST0="], "message": "x"}, 400,
     "Signal Messenger Groups and phone numbers cannot be specified together in one request! Please split them up into multiple REST API calls."),
    ({"number": A, "recipients": [B, "some.user"], "message": "x"}, 400,
     "Signal Messenger phone numbers and usernames cannot be specified together in one request! Please split them up into multiple REST API calls."),
    ({"number": A, "recipients": [B], "base64_attachments": ["%%%"]}, 400, "illegal base64 data at input byte 0"),
    ({"number": A, "recipients": [B], "base64_attachments": [""]}, 400, "The base64 data does not exist."),
    ({"number": A, "recipients": [B], "message": "x", "view_once": True}, 400, "'view_once' can only be set for image attachments!"),
    ({"number": A, "recipients": [B], "message": "x", "sticker": "nodelimiter"}, 400, "Couldn't process request - please provide valid sticker delimiter"),
    ({"number": A, "recipients": [B], "message": "x", "link_preview": {"url": "http://a.b", "title": "t"}}, 400, "Link Preview URL must start with https://.."),
    ({"number": A, "recipients": [B], "message": "x", "link_preview": {"url": "https://a.b", "title": "t"}}, 400, "Link Preview URL is missing in the message!"),
    ({"number": A, "recipients": [B], "message": "https://a.b", "link_preview": {"url": "https://a.b"}}, 400, "Please provide a valid Link Preview Title"),
])
def test_bad_input_is_a_400_naming_the_problem_and_nothing_is_sent(pair, body, status, error):
    response = pair.client.post("/v2/send", data=json.dumps(body) if body is not None else "",
                                content_type="application/json")
    assert response.status_code == status
    if error is None:
        assert "mentions" in response.json["error"]
    else:
        assert response.json == {"error": error}
    assert pair.calls("send") == []


def test_an_unregistered_sender_gets_signal_clis_message(api):
    response = send(api, recipients=[B], message="x")
    assert response.status_code == 400
    assert response.json == {"error": unknown_account_error(api.mode, A)}
