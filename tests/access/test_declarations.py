"""A route without a declared scope cannot exist; settings of the access layer are validated."""
from __future__ import annotations

import pytest

from signal_api.access.accounts import EveryAccount
from signal_api.access.scopes import check_every_route_declared, route_access, scope
from signal_api.app import create_app
from signal_api.config import Config, ConfigError


def build(tmp_path, **env):
    return create_app({"SIGNAL_API_DATA_DIR": str(tmp_path), "SIGNAL_CLI_CONFIG_DIR": str(tmp_path / "cfg"), **env})


def test_every_rule_of_the_url_map_declares_its_access(tmp_path):
    app = build(tmp_path)
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 60
    with app.app_context():
        undeclared = [rule.rule for rule in rules if route_access(rule.endpoint) is None]
        scoped = {rule.rule for rule in rules if (access := route_access(rule.endpoint)) and not access.is_open}
    assert undeclared == []
    assert "/v1/receive/<number>" in scoped  # GET and the WebSocket alike


def test_an_app_with_an_undeclared_route_is_refused_and_such_a_route_is_never_served(tmp_path):
    app = build(tmp_path)
    app.add_url_rule("/v1/new-thing/<number>", "new_thing", lambda number: "served")
    with pytest.raises(RuntimeError, match="new-thing.*declares no scope"):
        check_every_route_declared(app)
    response = app.test_client().get("/v1/new-thing/+4915100000001")  # auth off, still refused
    assert response.status_code == 403 and response.json["error"]


def test_a_route_without_number_must_say_where_its_account_is(tmp_path):
    app = build(tmp_path)
    app.add_url_rule("/v1/everything", "everything", scope("admin")(lambda: "x"))
    with pytest.raises(RuntimeError, match="has no \\{number\\}"):
        check_every_route_declared(app)
    app = build(tmp_path / "2")
    app.add_url_rule("/v1/everything", "everything", scope("admin", account=EveryAccount())(lambda: "x"))
    check_every_route_declared(app)


def test_an_unknown_scope_cannot_be_declared():
    with pytest.raises(ValueError, match="unknown scope"):
        scope("root")


def test_access_settings_default_to_off():
    config = Config.from_env({})
    assert (config.auth, config.allowed_origins, config.send_rate) == ("none", (), None)


@pytest.mark.parametrize(("variable", "value"), [
    ("SIGNAL_API_AUTH", "basic"), ("SIGNAL_API_SEND_RATE", "5"), ("SIGNAL_API_SEND_RATE", "0/s"),
    ("ALLOWED_ORIGINS", "app.example"), ("ALLOWED_ORIGINS", "https://app.example/path"),
    ("ALLOWED_ORIGINS", "ftp://app.example"), ("ALLOWED_ORIGINS", "https://user@app.example"),
])
def test_bad_access_settings_name_their_variable(variable, value):
    with pytest.raises(ConfigError) as caught:
        Config.from_env({variable: value})
    assert caught.value.variable == variable


def test_access_settings_parse(tmp_path):
    config = Config.from_env({"SIGNAL_API_AUTH": "TOKEN", "SIGNAL_API_SEND_RATE": "10/m",
                              "ALLOWED_ORIGINS": " https://App.example ,http://localhost:3000/, *"})
    assert config.auth == "token" and str(config.send_rate) == "10/m"
    assert config.allowed_origins == ("https://app.example", "http://localhost:3000", "*")
