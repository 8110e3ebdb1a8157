"""The framework's floor: the service's stack with nothing of the service in it.

Flask, flask-smorest (webargs, marshmallow) and gunicorn's gevent worker, the same versions and
worker settings as ``signal-api serve``, answering ``POST /v2/send`` (the benchmark's body
validated by a three-field schema, a 201 ``{"timestamp"}`` serialised by a response schema, no
signal-cli) and ``GET /v1/health`` (204). What a request costs here no change to signal-api's own
code can remove; :mod:`benchmarks.framework_floor` measures it beside the service.
"""
from __future__ import annotations

import time

import marshmallow as ma
from flask import Flask
from flask_smorest import Api, Blueprint


class SendBody(ma.Schema):
    number = ma.fields.String(required=True)
    recipients = ma.fields.List(ma.fields.String(), required=True)
    message = ma.fields.String(required=True)


class SendReply(ma.Schema):
    timestamp = ma.fields.String()


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(API_TITLE="floor", API_VERSION="1", OPENAPI_VERSION="3.0.2")
    api = Api(app)
    blueprint = Blueprint("floor", __name__)

    @blueprint.route("/v2/send", methods=["POST"])
    @blueprint.arguments(SendBody)
    @blueprint.response(201, SendReply)
    def send(body: dict) -> dict:
        """Validate a send body and answer as a send would."""
        return {"timestamp": str(time.time_ns() // 1_000_000)}

    @blueprint.route("/v1/health", methods=["GET"])
    @blueprint.response(204)
    def health() -> None:
        """Answer 204."""

    api.register_blueprint(blueprint)
    return app


app = create_app()
