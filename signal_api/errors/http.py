"""The one place that turns signal-cli failures into HTTP responses.

* user, network and protocol errors: 400 with signal-cli's own message (as the original);
* rate limits: 429 with ``challenge_tokens`` and ``account`` (in every mode and route), and
  ``Retry-After`` when signal-cli says how long to wait;
* signal-cli unreachable or not startable: 503; no answer in time: 504;
* a limit of the service reached for now (``RetryLaterError``): 429 with ``Retry-After``.
"""
from __future__ import annotations

import logging
from typing import Any

import flask

from signal_api.translate.attachments import AttachmentError
from signal_api.translate.identifiers import IdentifierError, MalformedAccountError
from signal_api.errors.request import RequestError, RetryLaterError, naming_field
from signal_api.errors import backend as errors
from signal_api.observability.requests_log import logged_path
from signal_api.services import get_services

log = logging.getLogger(__name__)

RATE_LIMIT_HINT = (
    "Use the attached challenge tokens to lift the rate limit restrictions via the "
    "'/v1/accounts/{number}/rate-limit-challenge' endpoint."
)


def status_for(error: errors.SignalCliError) -> int:
    """The HTTP status code of a backend error."""
    if isinstance(error, errors.RateLimitError):
        return 429
    if isinstance(error, errors.BackendUnavailableError):
        return 503
    if isinstance(error, errors.BackendTimeoutError):
        return 504
    return 400


def error_body(error: errors.SignalCliError, account: str | None) -> dict[str, Any]:
    """The JSON body for a backend error."""
    if isinstance(error, errors.RateLimitError):
        body: dict[str, Any] = {"error": f"{error.message.rstrip('.')}. {RATE_LIMIT_HINT}"}
        tokens = error.challenge_tokens
        if tokens:
            body["challenge_tokens"] = tokens
        if account:
            body["account"] = account
        return body
    return {"error": error.message}


def handle_signal_cli_error(error: errors.SignalCliError) -> flask.Response:
    """Flask error handler for every :class:`SignalCliError` a view lets through."""
    status = status_for(error)
    level = logging.WARNING if status >= 500 else logging.INFO
    # The masked path: a failed verify must not log its verification code.
    log.log(level, "%s %s -> %s: %s", flask.request.method, logged_path(flask.request), status, error.message)
    response = flask.jsonify(error_body(error, _request_account()))
    response.status_code = status
    if isinstance(error, errors.RateLimitError) and error.retry_after_seconds is not None:
        # A header, not a body field: the body stays the original's.
        response.headers["Retry-After"] = str(error.retry_after_seconds)
    return response


def handle_request_error(error: ValueError) -> flask.Response:
    """Flask error handler for problems the service finds in a request: 400."""
    response = flask.jsonify({"error": str(error)})
    response.status_code = 400
    return response


def handle_malformed_account(error: MalformedAccountError) -> flask.Response:
    """Flask error handler for an account number that names no account: 400 in signal-cli's words.

    The CLI and the daemon word it differently (the original passes either on); the backend
    in use says which, so a client sees the same text whether or not signal-cli was asked.
    """
    message = get_services().backend.malformed_account_message(error.opens_account)
    if message is None:
        return handle_request_error(error)
    return handle_request_error(ValueError(naming_field(message, error.field) if error.field else message))


def handle_retry_later(error: RetryLaterError) -> flask.Response:
    """Flask error handler for a limit reached for now: 429 with ``Retry-After`` (seconds)."""
    response = flask.jsonify({"error": str(error)})
    response.status_code = 429
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def init_app(app: flask.Flask) -> None:
    """Register the handlers on the app."""
    app.register_error_handler(errors.SignalCliError, handle_signal_cli_error)
    for error_class in (RequestError, IdentifierError, AttachmentError):
        app.register_error_handler(error_class, handle_request_error)
    app.register_error_handler(MalformedAccountError, handle_malformed_account)
    app.register_error_handler(RetryLaterError, handle_retry_later)


def _request_account() -> str | None:
    number = (flask.request.view_args or {}).get("number")
    if number:
        return str(number)
    body = flask.request.get_json(force=True, silent=True)
    if isinstance(body, dict) and isinstance(body.get("number"), str):
        return body["number"]
    return None
