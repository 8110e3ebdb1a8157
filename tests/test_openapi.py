"""The OpenAPI spec offers every route of the original, each with a summary and its tag."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from signal_api.app import create_app

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "swagger.json"
# Routes the original serves that its own swagger.json does not list (anchor-api.md section 6).
UNDOCUMENTED_BY_THE_ORIGINAL = {("GET", "/v1/search")}
# Routes signal-api adds.
OURS_ONLY = {("GET", "/v1/messages/{}")}


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
def original():
    return json.loads(REFERENCE.read_text())


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
