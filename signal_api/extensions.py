"""flask-smorest adapted to the original API's conventions.

* errors are ``{"error": "..."}`` (not smorest's ``{code, status, message, errors}``);
* validation failures are 400, not webargs' 422, and their message names the field;
* a JSON body is parsed whatever its Content-Type says (clients send ``text/plain``), read the way
  the original reads it (``schemas.common.BodyRule``): Go's encoding/json, so keys match
  case-insensitively, the last of duplicate keys wins, invalid UTF-8 and lone surrogates become
  U+FFFD; on top of that a body nested deeper than :data:`MAX_JSON_DEPTH` is a 400 and a chunked
  body over the size limit a 413, like one with a Content-Length;
* path parameters naming an account or a recipient are checked before the view runs, the same
  way in every mode (``translate.identifiers``);
* Swagger UI's assets are served by the service itself (deployments are often offline).
"""
from __future__ import annotations

import http
import json
import logging
import re
import weakref
from collections.abc import Mapping
from typing import Any

import flask
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from marshmallow import EXCLUDE, Schema, fields
from webargs.flaskparser import FlaskParser, abort
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from signal_api.observability.requests_log import logged_path
from signal_api.errors.request import naming_field
from signal_api.schemas.common import INVALID_REQUEST, BodyRule, OriginalText, OversizedNumber
from signal_api.translate.identifiers import check_account_number, check_recipient_text

log = logging.getLogger(__name__)

#: Deeper JSON bodies are refused (the original's own bodies are at most 3 levels deep).
MAX_JSON_DEPTH = 64
# A JSON integer longer than this is no field's value (int64 has 19 digits): it is not converted.
_MAX_INTEGER_DIGITS = 25
_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_WHITESPACE = re.compile(r"[ \t\n\r]*")
# Path parameters that name the account, and those that name a recipient, on every route.
ACCOUNT_PATH_PARAMETER = "number"
RECIPIENT_PATH_PARAMETERS = ("numberToTrust", "uuid")


class ErrorSchema(Schema):
    """The error body of every failed request."""

    error = fields.String(required=True, metadata={"description": "What went wrong"})


class RateLimitErrorSchema(ErrorSchema):
    """The 429 body: the challenge tokens lift the limit via the rate-limit-challenge route."""

    challenge_tokens = fields.List(fields.String())
    account = fields.String()


class BodyError(ValueError):
    """A body the original's JSON binding could not read; ``str(exc)`` says why."""


class SignalParser(FlaskParser):
    """webargs parser with the original's body binding and 400 status."""

    DEFAULT_VALIDATION_STATUS = 400
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "json": EXCLUDE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[type[Schema], Schema] = {}

    def _get_schema(self, argmap: Any, req: flask.Request) -> Schema:
        # webargs instantiates a schema class on every request (a deepcopy of all its fields).
        # Our schemas keep no state between loads, so one instance per class serves every request.
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            schema = self._schemas.get(argmap)
            if schema is None:
                schema = self._schemas.setdefault(argmap, argmap())
            return schema
        return super()._get_schema(argmap, req)

    def load_json(self, req: flask.Request, schema: Schema) -> Any:
        rule = getattr(schema, "body_rule", BodyRule.BIND)
        data = read_body(req)
        if rule is BodyRule.OPTIONAL and data == b"":
            return {}
        if rule is BodyRule.OPTIONAL_WITHOUT_LENGTH and not _announces_body(req):
            return {}
        try:
            value = decode_json(data, whole=rule is BodyRule.OPTIONAL)
        except BodyError as exc:
            abort(400, message=invalid_request_message(getattr(schema, "invalid_request", INVALID_REQUEST), str(exc)))
        if value is None:
            return {}  # Go's json.Unmarshal of null into a struct changes nothing
        if not isinstance(value, Mapping):
            abort(400, message=invalid_request_message(getattr(schema, "invalid_request", INVALID_REQUEST),
                                                       "the body must be a JSON object"))
        return value

    def pre_load(self, location_data: Any, *, schema: Schema, req: flask.Request, location: str) -> Any:
        if location == "json" and isinstance(location_data, Mapping):
            return _match_keys(location_data, schema)
        return location_data

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):  # noqa: ANN001, ANN201
        abort(
            error_status_code or self.DEFAULT_VALIDATION_STATUS,
            exc=error,
            message=validation_message(error.messages, getattr(schema, "invalid_request", INVALID_REQUEST)),
            headers=error_headers,
        )


def read_body(req: flask.Request) -> bytes:
    """The request body; 413 when it is over the limit, also when it came chunked."""
    data = req.get_data(cache=True)
    limit = req.max_content_length
    if limit is not None and req.content_length is None and len(data) >= limit:
        # Werkzeug stops reading a chunked body at the limit without saying so: look for more.
        if req.environ["wsgi.input"].read(1):
            raise RequestEntityTooLarge()
    return data


def _announces_body(req: flask.Request) -> bool:
    # Go's Request.ContentLength: 0 without the header, -1 (a body) when chunked.
    return bool(req.content_length) or "chunked" in req.headers.get("Transfer-Encoding", "").lower()


def decode_json(data: bytes, *, whole: bool = False) -> Any:
    """The first JSON value of ``data`` as Go's encoding/json reads it (``whole``: nothing may follow).

    Invalid UTF-8 and lone surrogates become U+FFFD, as in Go (a message cut inside an emoji is
    still sent); NaN and Infinity are not JSON; integers too long for any field are not converted
    (:class:`OversizedNumber`); a value nested deeper than :data:`MAX_JSON_DEPTH` is refused.
    """
    text = data.decode("utf-8", errors="replace")
    start = _JSON_WHITESPACE.match(text).end()
    if start == len(text):
        raise BodyError("the body is empty")
    decoder = json.JSONDecoder(parse_int=_parse_int, parse_constant=_refuse_constant)
    try:
        value, end = decoder.raw_decode(text, start)
    except RecursionError:
        raise BodyError(f"the body is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:
        raise BodyError(f"the body is not valid JSON ({_reason(exc)})") from None
    if whole and _JSON_WHITESPACE.match(text, end).end() != len(text):
        raise BodyError("the body is not valid JSON (more data after the first value)")
    return _normalised(value, 0)


def _parse_int(digits: str) -> int | OversizedNumber:
    return int(digits) if len(digits) <= _MAX_INTEGER_DIGITS else OversizedNumber(digits)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)


def _normalised(value: Any, depth: int) -> Any:
    if isinstance(value, str):
        if value.isascii() or not _SURROGATE.search(value):  # isascii: fast for big base64 strings
            return value
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, (list, dict)):
        if depth >= MAX_JSON_DEPTH:
            raise BodyError(f"the body is nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(value, list):
            return [_normalised(item, depth + 1) for item in value]
        return {_normalised(key, depth + 1): _normalised(item, depth + 1) for key, item in value.items()}
    return value


def check_path_identifiers(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Refuse a path ``{number}`` that cannot be an account, or a malformed recipient in the path."""
    values = values or {}
    if isinstance(values.get(ACCOUNT_PATH_PARAMETER), str):
        view = flask.current_app.view_functions.get(endpoint or "")
        check_account_number(values[ACCOUNT_PATH_PARAMETER], ACCOUNT_PATH_PARAMETER,
                             opens_account=getattr(view, "opens_account", False))
    for name in RECIPIENT_PATH_PARAMETERS:
        if isinstance(values.get(name), str):
            check_recipient_text(values[name], name)


# What an operation that runs signal-cli may answer besides its own responses (signal_api/errors/http.py):
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
        self.url_value_preprocessor(check_path_identifiers)

    @staticmethod
    def without_signal_cli(func):  # noqa: ANN001, ANN205
        """Mark a view that never runs signal-cli (put it under ``@blp.route``)."""
        func._apidoc = {**getattr(func, "_apidoc", {}), "signal_cli": False}
        return func

    @staticmethod
    def opens_account(func):  # noqa: ANN001, ANN205
        """Mark a view whose signal-cli command opens the account itself (register, verify, delete data).

        signal-cli's daemon words a bad account number differently for those (put it right above the def).
        """
        func.opens_account = True
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
        response = {"description": "Rate limited", "schema": RateLimitErrorSchema, "headers": {
            "Retry-After": {"description": "Seconds to wait, when signal-cli or the service says",
                            "schema": {"type": "integer", "minimum": 0}}}}
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
        if error.code and error.code >= 500 and getattr(error, "original_exception", None) is None:
            # An unhandled exception's traceback is logged by Flask already (one record per 500).
            log.error("%s %s failed: %s", flask.request.method, logged_path(flask.request), message)
        # The exception's own headers (e.g. a 405's Allow) except its HTML Content-Type.
        headers = {key: value for key, value in error.get_headers() if key.lower() != "content-type"}
        headers.update(data.get("headers") or {})
        return {"error": message}, error.code, headers


def validation_message(messages: Any, invalid_request: str = INVALID_REQUEST) -> str:
    """Turn marshmallow's nested messages into one line that names each field.

    Binding failures follow the original's ``invalid_request`` text; when there are none, a text
    the original gives word for word (:class:`OriginalText`) is the answer, naming its field.
    """
    flat = _flatten(messages, ())
    bound = [(path, text) for path, text in flat if not isinstance(text, OriginalText)]
    if flat and not bound:
        path, text = flat[0]
        where = _where(path)
        return text if not where or text.names_field else naming_field(text, where)
    parts = [f"{_where(path)}: {text}" if _where(path) else text for path, text in bound]
    return invalid_request_message(invalid_request, "; ".join(parts))


def invalid_request_message(invalid_request: str, detail: str) -> str:
    """The original's invalid-request text followed by what exactly is wrong."""
    if not detail:
        return invalid_request
    # register/verify/unregister's text ends in a period: the detail follows in parentheses.
    return f"{invalid_request} ({detail})" if invalid_request.endswith(".") else f"{invalid_request}: {detail}"


def _where(path: tuple[str, ...]) -> str:
    return ".".join(p for p in path if p not in ("json", "query", "path", "_schema", "view_args"))


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
    return [(path, messages if isinstance(messages, str) else str(messages))]


def _match_keys(data: Mapping[str, Any], schema: Schema) -> dict[str, Any]:
    """Rename keys that match a field only case-insensitively (Go's encoding/json rule).

    As in Go, keys are applied in order, so the last of two keys naming the same field wins, and
    a null leaves the field as it was.
    """
    fields_by_key, lowered = _key_index(schema)
    out: dict[str, Any] = {}
    for key, value in data.items():
        target = key if key in fields_by_key else lowered.get(str(key).lower(), key)
        if value is None:
            out.setdefault(target, None)
        else:
            out[target] = _match_nested(fields_by_key.get(target), value)
    return out


_KEY_INDEXES: weakref.WeakKeyDictionary[Schema, tuple[dict[str, fields.Field], dict[str, str]]] = \
    weakref.WeakKeyDictionary()


def _key_index(schema: Schema) -> tuple[dict[str, fields.Field], dict[str, str]]:
    # Built once per schema instance (one per schema class, see SignalParser): per request it was
    # 1.5% of the worker's time on POST /v2/send.
    index = _KEY_INDEXES.get(schema)
    if index is None:
        fields_by_key = {(f.data_key or n): f for n, f in schema.fields.items()}
        index = _KEY_INDEXES[schema] = (fields_by_key, {key.lower(): key for key in fields_by_key})
    return index


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
