"""General: about, health and the API's own configuration."""
from __future__ import annotations

import flask
from flask_smorest import abort

from signal_api.access.accounts import EveryAccount
from signal_api.access.gate import AUTH_TOKEN
from signal_api.access.scopes import open_route, scope
from signal_api.observability import logs
from signal_api.api_config import DEFAULT_TRUST_MODE, ApiConfig
from signal_api.config import TRUST_MODES
from signal_api.errors.request import RequestError
from signal_api.extensions import SignalBlueprint
from signal_api.observability.health import deep_health
from signal_api.schemas.general import (
    AboutSchema,
    ConfigurationSchema,
    HealthArgsSchema,
    HealthSchema,
    TrustModeSchema,
)
from signal_api.services import get_services

blp = SignalBlueprint("General", __name__, description="General information and configuration")

@blp.route("/v1/about", methods=["GET"])
@open_route
@blp.without_signal_cli
@blp.response(200, AboutSchema)
def about():
    """Lists general information about the API"""
    config = get_services().config
    return {
        "versions": ["v1", "v2"],
        "build": 2,
        "mode": config.about_mode,
        "version": config.build_version,
        "capabilities": {"v2/send": ["quotes", "mentions"]},
        "backend": "simulator" if config.uses_simulator else "signal-cli",
    }


@blp.route("/v1/health", methods=["GET"])
@open_route
@blp.without_signal_cli
@blp.arguments(HealthArgsSchema, location="query")
@blp.response(204, description="Liveness: the service runs and can store received messages")
@blp.alt_response(200, schema=HealthSchema, description="deep=1: signal-cli, the inbox and every account are fine")
@blp.alt_response(503, schema={"oneOf": [{"$ref": f"#/components/schemas/{name}"} for name in ("Error", "Health")]},
                  description="deep=1: the same body, ``reasons`` naming each failed check. Without deep: "
                              "``{\"error\"}`` while received messages cannot be stored")
def health(args):
    """API Health Check

    204 while the service works; 503 with the reason while received messages cannot be stored
    (they are kept in memory meanwhile). With ``?deep=1``: 200 or 503 with what a quick check of
    signal-cli, the inbox and the accounts found (no account numbers when SIGNAL_API_AUTH=token).
    """
    services = get_services()
    if args["deep"]:
        body = deep_health(services, show_numbers=services.config.auth != AUTH_TOKEN)
        response = flask.jsonify(HealthSchema().dump(body))
        response.status_code = 200 if body["status"] == "ok" else 503
        return response
    failure = services.receiver.storage_failure
    if failure is not None:
        # Answered directly: a monitor polling every few seconds must not fill the log with
        # errors; the failure itself is logged once when it starts.
        response = flask.jsonify({"error": failure})
        response.status_code = 503
        return response
    return None


@blp.route("/v1/configuration", methods=["GET"])
@scope("manage", account=EveryAccount())
@blp.without_signal_cli
@blp.response(200, ConfigurationSchema)
def get_configuration():
    """List the REST API configuration."""
    return {"logging": {"level": logs.current_log_level()}}


@blp.route("/v1/configuration", methods=["POST"])
@scope("manage", account=EveryAccount())
@blp.without_signal_cli
@blp.arguments(ConfigurationSchema)
@blp.response(204)
def set_configuration(body):
    """Set the REST API configuration."""
    level = ((body.get("logging") or {}).get("level")) or ""
    if level and level not in logs.LEVELS:
        abort(400, message="Couldn't set log level - invalid log level")
    if level:
        logs.set_log_level(level)
    return None


def _api_config() -> ApiConfig:
    return ApiConfig(get_services().config.signal_cli_config_dir)


@blp.route("/v1/configuration/<number>/settings", methods=["GET"])
@scope("manage")
@blp.without_signal_cli
@blp.response(200, TrustModeSchema)
@blp.alt_response(400, description="Malformed number")
def get_account_settings(number):
    """List account specific settings."""
    return {"trust_mode": _api_config().trust_mode(number) or DEFAULT_TRUST_MODE}


@blp.route("/v1/configuration/<number>/settings", methods=["POST"])
@scope("manage")
@blp.without_signal_cli
@blp.arguments(TrustModeSchema)
@blp.response(204)
def set_account_settings(body, number):
    """Set account specific settings.

    The trust mode applies to every later signal-cli call for this number, in every mode
    (json-rpc included, where the original refused it).
    """
    mode = body.get("trust_mode")
    if mode not in TRUST_MODES:
        raise RequestError("Invalid trust mode")
    _api_config().set_trust_mode(number, mode)
    return None
