"""How a token is presented (Bearer, Basic, ?token=), what a cross-site page cannot do, and who a request is."""
from __future__ import annotations

import json

import flask
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signal_api.access import identity
from tests.access.conftest import A, B, basic, bearer
from tests.conftest import Harness


def sent_messages(secured) -> list[str]:
    return [call["params"].get("message") for call in secured.harness.calls("send")]


def send_body(number: str = A, text: str = "hi") -> dict:
    return {"number": number, "recipients": [B], "message": text}


@pytest.mark.parametrize("how", ["bearer", "basic", "query"])
def test_each_way_of_presenting_a_token_works(secured, how):
    token = secured.token("bot", accounts=[A], scopes=["send"])
    headers = {"bearer": bearer(token), "basic": basic(token), "query": {}}[how]
    query = f"?token={token}" if how == "query" else ""
    response = secured.client.post(f"/v2/send{query}", json=send_body(text=f"via {how}"), headers=headers)
    assert response.status_code == 201, response.data
    assert f"via {how}" in sent_messages(secured)


@pytest.mark.parametrize("headers", [
    {"Authorization": "Bearer sapi_0000000000000000_" + "A" * 43},
    {"Authorization": "Bearer "},
    {"Authorization": "Token whatever"},
    basic("not-a-token"),
    {"Authorization": "Basic !!!"},
])
def test_a_wrong_or_malformed_token_is_401_with_a_challenge(secured, headers):
    response = secured.client.post("/v2/send", json=send_body(), headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer realm=")
    assert "Basic realm=" in response.headers["WWW-Authenticate"]
    assert set(response.json) == {"error"}
    assert secured.harness.calls("send") == []


def test_a_header_token_wins_over_the_query(secured):
    good = secured.token("good")
    response = secured.client.get(f"/v1/groups/{A}?token={good}", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    response = secured.client.get(f"/v1/groups/{A}?token=wrong", headers=bearer(good))
    assert response.status_code == 200


def test_a_text_plain_json_body_needs_a_bearer_or_query_token(secured):
    """signalbot posts JSON as text/plain; a cross-site form can too, but only with Basic, which browsers replay."""
    token = secured.token("bot")
    text_plain = {"Content-Type": "text/plain; charset=utf-8"}
    data = json.dumps(send_body(text="plain via bearer"))
    assert secured.client.post("/v2/send", data=data, headers={**bearer(token), **text_plain}).status_code == 201
    data = json.dumps(send_body(text="plain via query"))
    assert secured.client.post(f"/v2/send?token={token}", data=data, headers=text_plain).status_code == 201
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None):
        headers = {**basic(token), **({"Content-Type": content_type} if content_type else {})}
        data = json.dumps(send_body(text=f"basic {content_type}"))
        response = secured.client.post("/v2/send", data=data, headers=headers)
        assert response.status_code == 415, (content_type, response.data)
        assert "application/json" in response.json["error"]
    data = json.dumps(send_body(text="basic json"))
    response = secured.client.post("/v2/send", data=data, headers={**basic(token), "Content-Type": "application/json"})
    assert response.status_code == 201
    assert sent_messages(secured) == ["plain via bearer", "plain via query", "basic json"]


def test_basic_without_a_body_is_fine(secured):
    token = secured.token("bot")
    response = secured.client.get(f"/v1/groups/{A}", headers=basic(token))
    assert response.status_code == 200


def test_accounts_lists_only_the_tokens_accounts(secured):
    assert secured.client.get("/v1/accounts", headers=bearer(secured.admin)).json == [A, B]
    only_b = secured.token("b-admin", accounts=[B], scopes=["admin"])
    assert secured.client.get("/v1/accounts", headers=bearer(only_b)).json == [B]


def test_a_token_for_one_account_cannot_send_for_another_whatever_the_keys_case(secured):
    token = secured.token("bot", accounts=[A], scopes=["send"])
    for body in ({"number": B}, {"Number": B}, {"NUMBER": B, "number": B}, {"nUmBeR": B, "Number": A}):
        response = secured.client.post("/v2/send", json={**body, "recipients": [A], "message": "x"},
                                       headers=bearer(token))
        assert response.status_code == 403, body
    assert secured.harness.calls("send") == []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=st.lists(st.sampled_from(["number", "Number", "NUMBER", "nUmber", "numbeR"]), min_size=1, max_size=4),
       owners=st.lists(st.sampled_from([A, B, None, 5]), min_size=4, max_size=4))
def test_a_send_through_the_gate_is_always_for_the_tokens_account(secured, keys, owners):
    """Whichever of several keys naming ``number`` the body parser keeps, a token for A never sends as B."""
    if not hasattr(secured, "a_sender"):  # the fixture lives for all examples: one token
        secured.a_sender = secured.token("a-sender", accounts=[A], scopes=["send"])
    token = secured.a_sender
    body_text = "{" + ",".join(f'"{key}": {json.dumps(owner)}' for key, owner in zip(keys, owners)) + \
        f', "recipients": ["{B}"], "message": "casing"' + "}"
    before = len(secured.harness.calls("send"))
    response = secured.client.post("/v2/send", data=body_text, headers={**bearer(token),
                                                                        "Content-Type": "application/json"})
    calls = secured.harness.calls("send")[before:]
    if response.status_code == 201:
        (call,) = calls
        assert call["account"] == A
    else:
        assert response.status_code in (400, 403) and calls == [], response.data
    if B in dict(zip(keys, owners)).values():  # as JSON reads it: of two equal keys, the last counts
        assert response.status_code == 403


def test_a_query_number_given_twice_must_be_the_tokens_both_times(secured):
    token = secured.token("searcher", accounts=[A], scopes=["manage"])
    response = secured.client.get("/v1/search", query_string=[("number", A), ("number", B), ("numbers", B)],
                                  headers=bearer(token))
    assert response.status_code == 403
    response = secured.client.get("/v1/search", query_string=[("number", A), ("numbers", B)], headers=bearer(token))
    assert response.status_code == 200


def test_identity_is_the_tokens_name_in_a_view_and_none_without_auth(secured, tmp_path):
    seen = []

    def record() -> flask.Response:
        seen.append(identity())
        return flask.jsonify([])

    # The view of a declared route, wrapped so that it reports what identity() says inside it.
    endpoint = "Groups.list_groups"
    original = secured.harness.app.view_functions[endpoint]
    secured.harness.app.view_functions[endpoint] = _same_access(original, record)
    token = secured.token("the-bot", scopes=["manage"])
    assert secured.client.get(f"/v1/groups/{A}", headers=bearer(token)).status_code == 200
    assert seen == ["the-bot"]
    assert identity() is None  # outside a request

    open_app = Harness("json-rpc", tmp_path / "open")
    open_app.app.view_functions[endpoint] = _same_access(open_app.app.view_functions[endpoint], record)
    assert open_app.client.get(f"/v1/groups/{A}").status_code == 200
    assert seen == ["the-bot", None]


def _same_access(original, replacement):
    def view(*args, **kwargs):
        return replacement()

    view._route_access = original._route_access
    return view


def test_auth_off_needs_no_token(api):
    """SIGNAL_API_AUTH=none (the default): the original's behaviour."""
    api.register(A)
    assert api.client.get(f"/v1/groups/{A}").status_code == 200


@pytest.fixture
def api(tmp_path):
    harness = Harness("json-rpc", tmp_path).start()
    yield harness
    harness.stop()


def test_an_attachment_is_for_the_accounts_that_received_it(secured, tmp_path):
    source = tmp_path / "photo.png"
    source.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x01" * 8)
    proc = secured.harness.simulator("-a", A, "simulateReceive", "--from", "+4930111111", "-a", str(source))
    assert proc.returncode == 0, proc.stderr
    (message,) = secured.receive(A)
    name = message["envelope"]["dataMessage"]["attachments"][0]["id"]
    for_a = secured.token("a-reader", accounts=[A], scopes=["receive"])
    for_b = secured.token("b-reader", accounts=[B], scopes=["receive"])
    assert secured.client.get(f"/v1/attachments/{name}", headers=bearer(for_b)).status_code == 403
    assert secured.client.delete(f"/v1/attachments/{name}", headers=bearer(for_b)).status_code == 403
    response = secured.client.get(f"/v1/attachments/{name}", headers=bearer(for_a))
    assert response.status_code == 200 and response.data == source.read_bytes()
    # The list names every account's attachments: only a token for every account may read it.
    assert secured.client.get("/v1/attachments", headers=bearer(for_a)).status_code == 403
    assert secured.client.get("/v1/attachments", headers=bearer(secured.admin)).json == [name]
    assert secured.client.delete(f"/v1/attachments/{name}", headers=bearer(for_a)).status_code == 204


@pytest.mark.parametrize("auth", [True, False])
def test_a_deeply_nested_body_is_a_400_not_a_500(secured, tmp_path, auth):
    """The gate reads a restricted token's body for its number, the parser for the view: neither may crash."""
    body = "[" * 100_000
    if auth:
        token = secured.token("bot", accounts=[A])
        response = secured.client.post("/v2/send", data=body, headers={**bearer(token),
                                                                     "Content-Type": "application/json"})
        assert response.status_code == 403  # no number the token is for
    harness = Harness("json-rpc", tmp_path / "open")
    response = harness.client.post("/v2/send", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "nested deeper than" in response.json["error"]


def test_the_api_docs_stay_open_with_auth_on(secured):
    spec = secured.client.get("/swagger/doc.json")
    assert spec.status_code == 200 and "bearerAuth" in spec.json["components"]["securitySchemes"]
    assert secured.client.get("/swagger/index.html").status_code == 200
    assert secured.client.get("/v1/health").status_code == 204
    assert secured.client.get("/v1/about").status_code == 200
