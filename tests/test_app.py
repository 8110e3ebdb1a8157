"""HTTP conventions shared by every route: about, health, configuration, errors, Swagger."""
from __future__ import annotations

import re

import pytest

from signal_api.app import create_app
from signal_api.observability.logs import set_log_level
from signal_api.config import SIMULATOR_COMMAND


@pytest.fixture
def client(tmp_path):
    app = create_app({"SIGNAL_API_DATA_DIR": str(tmp_path), "SIGNAL_CLI_CONFIG_DIR": str(tmp_path / "cfg"),
                      "SIGNAL_CLI_BINARY": SIMULATOR_COMMAND}, testing=True)
    return app.test_client()


@pytest.mark.parametrize("mode, reported", [
    ("normal", "normal"), ("native", "native"), ("json-rpc", "json-rpc"), ("json-rpc-native", "json-rpc"),
])
def test_about_reports_mode_version_and_capabilities(tmp_path, mode, reported):
    app = create_app({"MODE": mode, "SIGNAL_API_DATA_DIR": str(tmp_path),
                      "SIGNAL_CLI_BINARY": SIMULATOR_COMMAND, "SIGNAL_CLI_NATIVE_BINARY": SIMULATOR_COMMAND})
    response = app.test_client().get("/v1/about")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.json == {
        "versions": ["v1", "v2"], "build": 2, "mode": reported, "version": "0.101.0",
        "capabilities": {"v2/send": ["quotes", "mentions"]}, "backend": "simulator",
    }


def test_about_reports_a_real_signal_cli(tmp_path):
    app = create_app({"SIGNAL_CLI_BINARY": "/usr/bin/signal-cli", "SIGNAL_API_DATA_DIR": str(tmp_path)})
    assert app.test_client().get("/v1/about").json["backend"] == "signal-cli"


def test_health_is_an_empty_204(client):
    response = client.get("/v1/health")
    assert response.status_code == 204
    assert response.data == b""


def test_log_level_configuration_round_trip(client):
    assert client.get("/v1/configuration").json == {"logging": {"Level": "info"}}
    # Go matches keys case-insensitively and ignores the Content-Type: so do we.
    response = client.post("/v1/configuration", data='{"logging": {"level": "debug"}}', content_type="text/plain")
    assert response.status_code == 204
    assert client.get("/v1/configuration").json == {"logging": {"Level": "debug"}}
    assert client.post("/v1/configuration", json={"logging": {"Level": "error"}}).status_code == 204
    # The original reports "error" as ""; we report it.
    assert client.get("/v1/configuration").json == {"logging": {"Level": "error"}}
    client.post("/v1/configuration", json={"logging": {"Level": "info"}})


def test_the_log_level_from_the_environment_is_reported_even_error(tmp_path):
    # The original reports LOG_LEVEL=error as "Level": "" (it knows no name for it); we report it.
    app = create_app({"SIGNAL_API_DATA_DIR": str(tmp_path), "LOG_LEVEL": "error"}, testing=True)
    try:
        assert app.test_client().get("/v1/configuration").json == {"logging": {"Level": "error"}}
    finally:
        set_log_level("info")  # the level is the process's: leave it as the other tests expect


def test_an_invalid_log_level_is_a_400(client):
    response = client.post("/v1/configuration", json={"logging": {"Level": "loud"}})
    assert response.status_code == 400
    assert response.json == {"error": "Couldn't set log level - invalid log level"}


@pytest.mark.parametrize("body, message", [
    ("{not json", "Couldn't process request - invalid request: the body is not valid JSON "
                  "(Expecting property name enclosed in double quotes at line 1 column 2)"),
    ('{"logging": "x"}', "Couldn't process request - invalid request: logging: expected a JSON object"),
    ("[1, 2]", "Couldn't process request - invalid request: the body must be a JSON object"),
])
def test_bad_bodies_are_400_naming_the_problem(client, body, message):
    response = client.post("/v1/configuration", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json == {"error": message}


def test_unknown_routes_answer_json(client):
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert "error" in response.json


def test_swagger_spec_and_page(client):
    spec = client.get("/swagger/doc.json")
    assert spec.status_code == 200
    assert spec.json["openapi"] == "3.0.3"
    assert "/v2/send" in spec.json["paths"]
    assert spec.json["paths"]["/v1/about"]["get"]["summary"] == "Lists general information about the API"
    page = client.get("/swagger/index.html")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, "the page loads no assets at all?"
    assert all(not s.startswith(("http:", "https:", "//")) for s in sources), sources
    assert "http://" not in html and "https://" not in html.replace("https://swagger.io", "")
    for source in sources:
        assert client.get(source).status_code == 200, source


def test_each_operation_has_a_summary_and_a_tag(client):
    spec = client.get("/swagger/doc.json").json
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation.get("summary"), (method, path)
            assert operation.get("tags"), (method, path)


def test_a_body_over_the_size_limit_is_a_413(tmp_path):
    app = create_app({"SIGNAL_API_DATA_DIR": str(tmp_path), "SIGNAL_API_MAX_BODY_BYTES": "2048",
                      "SIGNAL_CLI_BINARY": SIMULATOR_COMMAND}, testing=True)
    body = '{"number": "+4915100000001", "recipients": ["+4915100000002"], "message": "' + "x" * 4096 + '"}'
    response = app.test_client().post("/v2/send", data=body, content_type="application/json")
    assert response.status_code == 413
    assert "error" in response.json


def test_a_method_the_route_lacks_is_a_405_naming_the_allowed_ones(client):
    response = client.patch("/v1/about")
    assert response.status_code == 405
    assert response.json == {"error": "The method is not allowed for the requested URL."}
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD", "OPTIONS"}
