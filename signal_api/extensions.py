"""flask-smorest adapted to the original API's conventions.

* errors are ``{"error": "..."}`` (not smorest's ``{code, status, message, errors}``);
* validation failures are 400, not webargs' 422, and their message names the field;
* a JSON body is parsed whatever its Content-Type says (clients send ``text/plain``);
* body keys match case-insensitively, as Go's encoding/json does;
* Swagger UI's assets are served by the service itself (deployments are often offline).
"""
from __future__ import annotations

import http
import logging
from collections.abc import Mapping
from typing import Any

import flask
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from marshmallow import EXCLUDE, Schema, fields
from webargs import core
from webargs.flaskparser import FlaskParser, abort
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

INVALID_REQUEST = "Couldn't process request - invalid request"


class ErrorSchema(Schema):
    """The error body of every failed request."""

    error = fields.String(required=True, metadata={"description": "What went wrong"})


class RateLimitErrorSchema(ErrorSchema):
    """The 429 body: the challenge tokens lift the limit via the rate-limit-challenge route."""

    challenge_tokens = fields.List(fields.String())
    account = fields.String()


class SignalParser(FlaskParser):
    """webargs parser with the original's leniency and 400 status."""

    DEFAULT_VALIDATION_STATUS = 400
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "json": EXCLUDE}

    def _raw_load_json(self, req: flask.Request) -> Any:
        data = req.get_data(cache=True)
        if not data.strip():
            return core.missing
        return core.parse_json(data)

    def _handle_invalid_json_error(self, error: Exception, req: flask.Request, *args: Any, **kwargs: Any):  # noqa: ANN202
        abort(400, exc=error, message=f"{INVALID_REQUEST}: the body is not valid JSON")

    def pre_load(self, location_data: Any, *, schema: Schema, req: flask.Request, location: str) -> Any:
        if location == "json" and isinstance(location_data, Mapping):
            return _match_keys(location_data, schema)
        return location_data

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):  # noqa: ANN001, ANN201
        abort(
            error_status_code or self.DEFAULT_VALIDATION_STATUS,
            exc=error,
            message=validation_message(error.messages),
            headers=error_headers,
        )


# What an operation that runs signal-cli may answer besides its own responses (signal_api/errors.py):
# signal-cli's user errors are 400, rate limits 429, signal-cli unreachable 503, no answer in time 504.
SIGNAL_CLI_ERROR_RESPONSES = {
    "400": "BAD_REQUEST",
    "429": "RATE_LIMITED",
    "503": "SERVICE_UNAVAILABLE",
    "504": "GATEWAY_TIMEOUT",
}


class SignalBlueprint(Blueprint):
    """A smorest blueprint that parses arguments with :class:`SignalParser`.

    Every operation documents :data:`SIGNAL_CLI_ERROR_RESPONSES` unless its view is marked with
    :meth:`without_signal_cli`, and 413 when it takes a body.
    """

    ARGUMENTS_PARSER = SignalParser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_signal_cli_errors_doc)

    @staticmethod
    def without_signal_cli(func):  # noqa: ANN001, ANN205
        """Mark a view that never runs signal-cli (put it under ``@blp.route``)."""
        func._apidoc = {**getattr(func, "_apidoc", {}), "signal_cli": False}
        return func

    @staticmethod
    def _prepare_signal_cli_errors_doc(doc: dict, doc_info: dict, *, api: Api, **kwargs: Any) -> dict:
        responses = doc.setdefault("responses", {})
        # An error documented by its description only (alt_response without a schema) has the
        # body every error has.
        for status, response in responses.items():
            if str(status).isdigit() and int(status) >= 400 and isinstance(response, Mapping):
                response.setdefault("content", {api.DEFAULT_RESPONSE_CONTENT_TYPE: {"schema": api.ERROR_SCHEMA}})
        documented = {str(status) for status in responses}
        if "requestBody" in doc and "413" not in documented:
            responses["413"] = http.HTTPStatus(413).name  # a body over MAX_CONTENT_LENGTH
        if doc_info.get("signal_cli", True):
            for status, name in SIGNAL_CLI_ERROR_RESPONSES.items():
                if status not in documented:
                    responses[status] = name
        return doc


class SignalApi(Api):
    """Api whose error responses are the original's ``{"error": "..."}``."""

    ERROR_SCHEMA = ErrorSchema

    def init_app(self, app: flask.Flask, **kwargs: Any) -> None:
        super().init_app(app, **kwargs)
        # The 429 body of SIGNAL_CLI_ERROR_RESPONSES (the other statuses are smorest's own).
        response = {"description": "Rate limited", "schema": RateLimitErrorSchema}
        prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
        self.spec.components.response("RATE_LIMITED", response, lazy=True)

    def register_blueprint(self, blp, **options):  # noqa: ANN001, ANN003, ANN201
        super().register_blueprint(blp, **options)
        if not getattr(blp, "tag_in_spec", True):
            # The blueprint's views carry another area's tag; don't list an empty tag of its own.
            self.spec._tags = [tag for tag in self.spec._tags if tag["name"] != blp.name]

    def handle_http_exception(self, error: HTTPException):  # noqa: ANN201
        data = getattr(error, "data", None) or {}
        message = data.get("message")
        if message is None and "messages" in data:
            message = validation_message(data["messages"])
        if message is None:
            message = error.description or error.name
        if error.code and error.code >= 500:
            log.error("%s %s failed: %s", flask.request.method, flask.request.path, message,
                      exc_info=getattr(error, "original_exception", None))
        # The exception's own headers (e.g. a 405's Allow) except its HTML Content-Type.
        headers = {key: value for key, value in error.get_headers() if key.lower() != "content-type"}
        headers.update(data.get("headers") or {})
        return {"error": message}, error.code, headers


def validation_message(messages: Any) -> str:
    """Turn marshmallow's nested messages into one line that names each field."""
    parts = []
    flat = _flatten(messages, ())
    if len(flat) == 1 and flat[0][1].startswith(INVALID_REQUEST.split(" - ")[0]):
        return flat[0][1]
    for path, text in flat:
        where = ".".join(p for p in path if p not in ("json", "query", "path", "_schema", "view_args"))
        parts.append(f"{where}: {text}" if where else text)
    return f"{INVALID_REQUEST}: " + "; ".join(parts) if parts else INVALID_REQUEST


def _flatten(messages: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
    if isinstance(messages, Mapping):
        out = []
        for key, value in messages.items():
            out += _flatten(value, (*path, str(key)))
        return out
    if isinstance(messages, (list, tuple)):
        out = []
        for value in messages:
            out += _flatten(value, path)
        return out
    return [(path, str(messages))]


def _match_keys(data: Mapping[str, Any], schema: Schema) -> dict[str, Any]:
    """Rename keys that match a field only case-insensitively (Go's encoding/json rule)."""
    fields_by_key = {(f.data_key or n): f for n, f in schema.fields.items()}
    lowered = {key.lower(): key for key in fields_by_key}
    out: dict[str, Any] = {}
    for key, value in data.items():
        target = key if key in fields_by_key else lowered.get(str(key).lower(), key)
        if target in out and key != target:
            continue  # an exact match wins over a case-insensitive one
        out[target] = _match_nested(fields_by_key.get(target), value)
    return out


def _match_nested(field: fields.Field | None, value: Any) -> Any:
    if isinstance(field, fields.Nested) and isinstance(value, Mapping):
        return _match_keys(value, field.schema)
    if isinstance(field, fields.List) and isinstance(value, list):
        return [_match_nested(field.inner, item) for item in value]
    return value


def swagger_assets_blueprint() -> flask.Blueprint:
    """Serve Swagger UI's css/js from the installed package under /swagger/ui/."""
    from swagger_ui_bundle import swagger_ui_path

    return flask.Blueprint("swagger_assets", __name__, static_folder=swagger_ui_path, static_url_path="/swagger/ui")
