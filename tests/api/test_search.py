"""GET /v1/search[/{number}]: which numbers are on Signal, in every mode."""
from __future__ import annotations

A = "+4915100000001"
B = "+4915100000002"
PEER = "+4915177700001"
NOT_ON_SIGNAL = "+9991234567"
EXPECTED = [{"number": B, "registered": True}, {"number": PEER, "registered": True},
            {"number": NOT_ON_SIGNAL, "registered": False}]
QUERY = f"numbers={B}&numbers={PEER}&numbers={NOT_ON_SIGNAL}".replace("+", "%2B")


def test_search_with_the_account_in_the_path(api):
    api.register(A)
    api.register(B)
    response = api.client.get(f"/v1/search/{A}?{QUERY}")
    assert response.status_code == 200
    assert response.json == EXPECTED
    call = api.last_call("getUserStatus")
    assert (call["account"], call["params"]) == (A, {"recipient": [B, PEER, NOT_ON_SIGNAL]})


def test_search_without_number_uses_the_number_query_parameter(api):
    # What pysignalclirestapi sends.
    api.register(A)
    api.register(B)
    response = api.client.get(f"/v1/search?number=%2B{B[1:]}&{QUERY}")
    assert response.status_code == 200
    assert response.json == EXPECTED
    assert api.last_call("getUserStatus")["account"] == B


def test_search_without_number_uses_the_only_account(api):
    api.register(A)
    response = api.client.get(f"/v1/search?numbers=%2B{PEER[1:]}")
    assert response.status_code == 200
    assert response.json == [{"number": PEER, "registered": True}]
    assert api.last_call("getUserStatus")["account"] == A


def test_search_without_number_and_not_one_account_passes_signal_cli_s_refusal_on(api):
    cli = not api.mode.startswith("json-rpc")
    for count in (0, 2):
        if count:
            api.register(A)
            api.register(B)
        response = api.client.get(f"/v1/search?numbers=%2B{PEER[1:]}")
        assert response.status_code == 400
        if cli:  # signal-cli run without -a, as the original runs it
            expected = ("Multiple users found, you need to specify an account (phone number) with -a" if count
                        else "No local users found, you first need to register or link an account")
        else:  # the daemon asked without an account (the original sent an empty one)
            expected = "Method requires valid account parameter"
        assert response.json == {"error": expected}


def test_search_needs_numbers(make_api):
    api = make_api("normal")
    for path in (f"/v1/search/{A}", f"/v1/search/{A}?numbers=", "/v1/search", f"/v1/search?number={A}"):
        response = api.client.get(path)
        assert response.status_code == 400
        assert response.json == {"error": "Please provide numbers to query for"}
    assert api.calls("getUserStatus") == []


def test_an_unencoded_plus_in_the_query_is_the_number_it_stands_for(api):
    # "numbers=+49…" arrives as " 49…". The original passed that on, and signal-cli completed
    # it with the account's country code (+49 49…): 200 about another number. Ours: the number meant.
    api.register(A)
    api.register(B)
    response = api.client.get(f"/v1/search/{A}?numbers={B}")
    assert (response.status_code, response.json) == (200, [{"number": B, "registered": True}])
    assert api.last_call("getUserStatus")["params"] == {"recipient": [B]}
