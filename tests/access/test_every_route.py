"""Every operation of the OpenAPI spec, with auth on: no token, another account, another scope, the right token.

The operations come from the served spec (nothing is listed by hand): each declares its scope
(``x-scope``) and where its account is (``x-account``), and the gate must hold it to both.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from signal_api.access.tokens import SCOPES
from signal_api.app import create_app
from signal_api.services import get_services
from tests.access.conftest import A, B, Secured, bearer, secured_harness

OPEN_OPERATIONS = {("GET", "/v1/health"), ("GET", "/v1/about")}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def served_spec(root: Path) -> dict:
    app = create_app({"SIGNAL_API_DATA_DIR": str(root), "SIGNAL_CLI_CONFIG_DIR": str(root / "cfg")})
    return app.test_client().get("/swagger/doc.json").json


def spec_operations(root: Path) -> list[tuple[str, str, dict]]:
    spec = served_spec(root)
    return [(method.upper(), path, operation) for path, item in spec["paths"].items()
            for method, operation in item.items() if method != "parameters"]


OPERATIONS = spec_operations(Path(__import__("tempfile").mkdtemp(prefix="spec-")))


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """One app for all operations: A and B registered, and an attachment that only A received."""
    app = secured_harness(tmp_path_factory.mktemp("every-route"))
    try:
        app.register(A)
        app.register(B)
        source = app.harness.root / "photo.png"
        source.write_bytes(PNG)
        proc = app.harness.simulator("-a", A, "simulateReceive", "--from", "+4930111111", "-a", str(source))
        assert proc.returncode == 0, proc.stderr
        (message,) = app.receive(A)
        (attachment,) = message["envelope"]["dataMessage"]["attachments"]
        webhooks = get_services(app.harness.app).webhooks
        # A fresh subscription of A's for each operation on one: a DELETE must not take another's.
        new_webhook = lambda: str(webhooks.create("http://127.0.0.1:9/hook", "s" * 16, accounts=[A]).id)
        yield {"app": app, "attachment": attachment["id"], "webhook": new_webhook}
    finally:
        app.harness.stop()


def request_for(method: str, path: str, operation: dict, world: dict, account: str = A) -> dict[str, Any]:
    """A request to the operation acting for ``account`` (placeholders for the other parameters)."""
    values = {"number": account, "attachment": world["attachment"]}
    if "{webhook_id}" in path:
        values["webhook_id"] = world["webhook"]()
    url = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)
    kwargs: dict[str, Any] = {"method": method, "path": url}
    if operation.get("x-account") == "query":
        kwargs["query_string"] = {"number": account, "numbers": B}
    if "requestBody" in operation:
        kwargs["json"] = {"number": account} if operation.get("x-account") == "body" else {}
    if operation.get("x-account") == "accounts":
        kwargs["json"] = {"url": "http://127.0.0.1:9/hook", "accounts": [account]}
    return kwargs


def call(app: Secured, request: dict[str, Any], token: str | None):
    return app.client.open(**request, headers=bearer(token) if token else {})


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_the_gate_holds_each_operation_to_its_scope_and_account(world, method, path, operation):
    app: Secured = world["app"]
    if (method, path) in OPEN_OPERATIONS:
        assert operation["security"] == []
        assert call(app, request_for(method, path, operation, world), None).status_code < 300
        return
    scope, kind = operation["x-scope"], operation["x-account"]
    assert scope in SCOPES
    assert operation["security"] == [{"bearerAuth": []}, {"basicAuth": []}, {"queryToken": []}]
    request = request_for(method, path, operation, world)
    name = f"{method}-{path}".replace("/", "_").replace("{", "").replace("}", "")[:60]

    response = call(app, request, None)
    assert response.status_code == 401, response.data
    assert "Bearer" in response.headers["WWW-Authenticate"] and response.json["error"]

    other_account = app.token(f"b{name}", accounts=[B])
    response = call(app, request, other_account)
    if kind == "listed":  # the answer is about the token's own accounts only
        assert response.status_code == 200 and set(response.json) <= {B}, response.data
    else:
        assert response.status_code == 403, response.data
        assert response.json["error"]

    other_scopes = app.token(f"s{name}", scopes=[s for s in SCOPES if s != scope])
    response = call(app, request, other_scopes)
    assert response.status_code == 403, response.data
    assert scope in response.json["error"]

    right = app.token(f"r{name}", scopes=[scope], **({} if kind == "every" else {"accounts": [A]}))
    response = call(app, request, right)
    assert response.status_code not in (401, 403), response.data


def test_the_spec_declares_the_security_schemes_and_every_operation_a_scope():
    spec = served_spec(Path(__import__("tempfile").mkdtemp(prefix="spec-")))
    assert spec["components"]["securitySchemes"] == {
        "bearerAuth": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <token>"},
        "basicAuth": {"type": "http", "scheme": "basic", "description": "Any user name, the token as password"},
        "queryToken": {"type": "apiKey", "in": "query", "name": "token",
                       "description": "?token=<token>, for clients that can only take a URL"},
    }
    for method, path, operation in OPERATIONS:
        if (method, path) in OPEN_OPERATIONS:
            continue
        assert operation["x-scope"] in SCOPES, (method, path)
        assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)


# The scopes of the issue, as a user would look them up (a sample per scope; the test above covers all).
EXPECTED_SCOPES = {
    ("POST", "/v2/send"): "send", ("POST", "/v1/reactions/{number}"): "send",
    ("POST", "/v1/receipts/{number}"): "send", ("PUT", "/v1/typing-indicator/{number}"): "send",
    ("DELETE", "/v1/remote-delete/{number}"): "send", ("POST", "/v1/polls/{number}"): "send",
    ("POST", "/v1/groups/{number}/{groupid}/pin-message"): "send",
    ("GET", "/v1/receive/{number}"): "receive", ("GET", "/v1/messages/{number}"): "receive",
    ("GET", "/v1/attachments/{attachment}"): "receive", ("DELETE", "/v1/attachments/{attachment}"): "receive",
    ("GET", "/v1/groups/{number}"): "manage", ("PUT", "/v1/contacts/{number}"): "manage",
    ("PUT", "/v1/profiles/{number}"): "manage", ("GET", "/v1/identities/{number}"): "manage",
    ("GET", "/v1/search/{number}"): "manage", ("POST", "/v1/configuration"): "manage",
    ("POST", "/v1/register/{number}"): "admin", ("POST", "/v1/register/{number}/verify/{token}"): "admin",
    ("POST", "/v1/unregister/{number}"): "admin", ("GET", "/v1/qrcodelink"): "admin",
    ("GET", "/v1/devices/{number}"): "admin", ("GET", "/v1/accounts"): "admin",
    ("POST", "/v1/webhooks"): "admin", ("GET", "/v1/webhooks"): "admin", ("DELETE", "/v1/webhooks/{webhook_id}"): "admin",
    ("POST", "/v1/accounts/{number}/rate-limit-challenge"): "admin",
}


def test_routes_are_in_the_scopes_the_issue_names():
    declared = {(method, path): operation.get("x-scope") for method, path, operation in OPERATIONS}
    assert {key: declared[key] for key in EXPECTED_SCOPES} == EXPECTED_SCOPES
