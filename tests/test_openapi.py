"""The OpenAPI spec offers every route of the original, each with a summary and its tag."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from signal_api.app import create_app

# Every operation of the original's swagger.json (method, path, tags), kept in the repository so a
# fresh clone runs this test; regenerate it only when following a new release of the original.
ORIGINAL_ROUTES = Path(__file__).resolve().parent / "data" / "original_routes.json"
# Routes the original serves that its own swagger.json does not list (anchor-api.md section 6).
UNDOCUMENTED_BY_THE_ORIGINAL = {("GET", "/v1/search")}
# Routes signal-api adds.
WEBHOOK_ROUTES = {("POST", "/v1/webhooks"), ("GET", "/v1/webhooks"), ("GET", "/v1/webhooks/{}"),
                  ("DELETE", "/v1/webhooks/{}")}
# signal-cli features the original lacks (blocking contacts, message requests, join by link, configuration).
SIGNAL_CLI_FEATURE_ROUTES = {
    ("POST", "/v1/contacts/{}/{}/block"), ("POST", "/v1/contacts/{}/{}/unblock"),
    ("POST", "/v1/contacts/{}/{}/message-request"), ("POST", "/v1/groups/{}/{}/message-request"),
    ("POST", "/v1/groups/{}/join-by-link"), ("PUT", "/v1/accounts/{}/configuration"),
}
OURS_ONLY = {("GET", "/v1/messages/{}"), *WEBHOOK_ROUTES, *SIGNAL_CLI_FEATURE_ROUTES}


def normalised(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def operations(spec: dict) -> dict[tuple[str, str], dict]:
    return {(method.upper(), normalised(path)): operation
            for path, item in spec["paths"].items() for method, operation in item.items() if method != "parameters"}


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    root = tmp_path_factory.mktemp("spec")
    app = create_app({"SIGNAL_API_DATA_DIR": str(root), "SIGNAL_CLI_CONFIG_DIR": str(root / "cfg")})
    return app.test_client().get("/swagger/doc.json").json


@pytest.fixture(scope="module")
def original() -> dict:
    """The original's routes in the shape of an OpenAPI ``paths`` object."""
    paths: dict[str, dict] = {}
    for route in json.loads(ORIGINAL_ROUTES.read_text()):
        paths.setdefault(route["path"], {})[route["method"].lower()] = {"tags": route["tags"]}
    return {"paths": paths}


def test_no_route_of_the_original_is_missing(spec, original):
    expected = set(operations(original)) | UNDOCUMENTED_BY_THE_ORIGINAL
    ours = set(operations(spec))
    assert sorted(expected - ours) == []
    assert ours - expected == OURS_ONLY


def test_each_route_has_the_originals_tag_and_a_summary(spec, original):
    theirs = operations(original)
    for key, operation in operations(spec).items():
        assert operation.get("summary"), key
        if key in theirs:
            assert operation["tags"] == theirs[key]["tags"], key


def test_the_tag_list_names_only_used_tags(spec):
    used = {tag for operation in operations(spec).values() for tag in operation["tags"]}
    assert {tag["name"] for tag in spec["tags"]} == used


def test_each_operation_documents_its_error_responses(spec):
    """400 where input is checked, 413 with a body, 429/503/504 where signal-cli runs; all JSON errors."""
    without_signal_cli = {("GET", "/v1/about"), ("GET", "/v1/health"), ("GET", "/v1/configuration"),
                          ("POST", "/v1/configuration"), ("GET", "/v1/configuration/{}/settings"),
                          ("POST", "/v1/configuration/{}/settings"), ("GET", "/v1/messages/{}"),
                          ("GET", "/v1/attachments"), ("GET", "/v1/attachments/{}"), ("DELETE", "/v1/attachments/{}"),
                          *WEBHOOK_ROUTES}
    for key, operation in operations(spec).items():
        responses = operation["responses"]
        assert ("requestBody" in operation) == ("413" in responses), key
        if "requestBody" in operation or any(p["in"] == "query" for p in operation.get("parameters", [])):
            assert "400" in responses, key
        runs_signal_cli = key not in without_signal_cli
        if key == ("GET", "/v1/health"):
            # 503 while received messages cannot be stored; it never runs signal-cli.
            assert {"429", "503", "504"} & set(responses) == {"503"}, key
        else:
            # 429 also documents the token rate limits (signal_api/access) of every protected route.
            assert {"400", "429", "503", "504"} <= set(responses) if runs_signal_cli else not {"503", "504"} & set(responses), key
        for status, response in responses.items():
            if (key, status) == (("GET", "/v1/health"), "503"):
                # Liveness answers an error; ?deep=1 its findings.
                assert response["content"]["application/json"]["schema"] == {"oneOf": [
                    {"$ref": "#/components/schemas/Error"}, {"$ref": "#/components/schemas/Health"}]}, key
            elif status != "default" and int(status) >= 400 and "$ref" not in response:
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, key
    assert spec["components"]["responses"]["RATE_LIMITED"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RateLimitError"}
