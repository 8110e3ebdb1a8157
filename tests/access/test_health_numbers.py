"""With SIGNAL_API_AUTH=token, the open ``GET /v1/health?deep=1`` names no account.

The route stays open (a monitor needs no token), so its body must not tell anyone which numbers
the service runs: accounts are listed without their number and numbers in texts are masked.
"""
from __future__ import annotations

from tests.access.conftest import A, B, bearer


def test_the_deep_check_names_no_account_with_or_without_a_token(secured):
    response = secured.client.get("/v1/health?deep=1")
    assert response.status_code == 200, response.json
    assert response.json["accounts"] == [{"registered": True}, {"registered": True}]

    assert secured.client.post(f"/v1/unregister/{B}", headers=bearer(secured.admin)).status_code == 204
    for headers in ({}, bearer(secured.admin)):
        response = secured.client.get("/v1/health?deep=1", headers=headers)
        assert response.status_code == 503
        assert response.json["accounts"] == [{"registered": True}, {"registered": False}]
        assert response.json["reasons"] == ["account [number] is no longer registered"]
        assert A not in response.text and B not in response.text
        assert A[1:] not in response.text and B[1:] not in response.text
