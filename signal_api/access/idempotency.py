"""``Idempotency-Key`` on the send-like routes: a retried send is answered again, never sent twice.

``@idempotent`` (one line right under ``@blp.route``) gives a view the header. A request whose key
was used before by the same owner (API token; none without auth), for the same account and route,
with the same body, within ``SIGNAL_API_IDEMPOTENCY_TTL`` seconds (24 h), gets the first response
again (status, body, Content-Type / Retry-After / Location) plus ``Idempotent-Replayed: true``,
and signal-cli is not run. A repeat while the first still runs waits for it, at most the command
timeout plus a grace, and answers as it did. The same key with another body is 422.

Which outcomes are kept (replayed until the key expires):

* every 2xx: signal-cli sent (a 201 that lists per-recipient failures included).

Not kept (the next request with the key runs again; requests that waited get the answer all the same):

* 4xx: nothing was sent. The service refused the request (validation), signal-cli did (an
  untrusted identity, an unknown group) or Signal rate-limited it (429); the client may fix the
  cause and retry with the same key.
* 5xx: signal-cli unreachable (503), no answer in time (504), a bug (500). They are transient,
  and replaying one for a day would make the key useless. After a 504 signal-cli may still have
  sent: a retry with the key sends again.

Bodies compare as JSON values (key order and whitespace do not matter); a body that is not JSON
compares byte for byte. A claim left pending by a worker that died is taken over once it is older
than the command timeout plus the grace.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import flask

from signal_api import access
from signal_api.errors.request import RequestError
from signal_api.services import get_services
from signal_api.storage.idempotency import DONE, PENDING, IdempotencyStore, KeyRecord, KeyScope, StoredResponse
from signal_api.storage.inbox import StorageError

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# A UUID, a ULID, a Matrix transaction id, a Stripe key: visible ASCII, spaces only inside.
_KEY = re.compile(r"[!-~](?:[ -~]*[!-~])?")
# Beyond the command timeout, what a send may take besides signal-cli (writing attachments).
IN_FLIGHT_GRACE = 10.0
# The response headers a replay repeats; the others are the server's or set after the view.
REPLAYED_HEADERS = ("Content-Type", "Retry-After", "Location")
_REPLAYED = {name.lower() for name in REPLAYED_HEADERS}

BAD_KEY = f"{HEADER}: must be 1 to {MAX_KEY_LENGTH} printable ASCII characters, without leading or trailing spaces"
REUSED_KEY = f"{HEADER}: this key was already used with another request body"
STILL_RUNNING = f"{HEADER}: the first request with this key is still running; retry later"

_NOT_JSON = object()


def key_owner() -> str | None:
    """The name of the API token that made the request; None without one (auth off)."""
    # signal_api.access.identity comes with the API tokens (task T); without it there is no owner.
    identity = getattr(access, "identity", None)
    return identity() if identity is not None else None


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Give a send-like view the ``Idempotency-Key`` header (put it right under ``@blp.route``)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request_key()
        if key is None:
            return view(*args, **kwargs)
        return _answer_once(view, args, kwargs, key)

    wrapper._apidoc = _documented(getattr(view, "_apidoc", {}))  # type: ignore[attr-defined]
    return wrapper


def request_key() -> str | None:
    """The request's key (None without the header); a malformed one is a 400 naming the header."""
    # A header sent twice reaches WSGI joined with ", " (one key), as every repeated header does.
    value = flask.request.headers.get(HEADER)
    if value is None:
        return None
    if len(value) > MAX_KEY_LENGTH or not _KEY.fullmatch(value):
        raise RequestError(BAD_KEY)
    return value


def body_fingerprint(data: bytes, parsed: Any = None) -> str:
    """SHA-256 of the body as a JSON value (canonical form), or of its bytes when it is not JSON.

    ``parsed`` is ``data`` already parsed by :func:`parsed_body` (parsed here when not given).
    """
    canonical = _canonical_json(parsed_body(data) if parsed is None else parsed)
    return hashlib.sha256(b"json:" + canonical if canonical is not None else b"raw:" + data).hexdigest()


def parsed_body(data: bytes) -> Any:
    """The body as a JSON value, or a marker object when it is not JSON."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return _NOT_JSON


def _answer_once(view: Callable[..., Any], args: tuple, kwargs: dict, key: str) -> flask.Response:
    services = get_services()
    data = flask.request.get_data(cache=True)
    body = parsed_body(data)
    owner = key_owner()
    scope = KeyScope(owner="" if owner is None else f"token:{owner}", account=_account(body),
                     route=f"{flask.request.method} {flask.request.url_rule.rule}", key=key)
    fingerprint = body_fingerprint(data, body)
    store = IdempotencyStore(services.inbox)
    limit = services.config.command_timeout + IN_FLIGHT_GRACE
    deadline = time.monotonic() + limit
    while True:
        try:
            claim = store.claim(scope, fingerprint, ttl=services.config.idempotency_ttl, in_flight_limit=limit)
        except StorageError as exc:
            flask.abort(503, f"{HEADER}: keys cannot be recorded now ({exc.reason})")
        if claim.taken:
            return _run(view, args, kwargs, store, scope, claim.attempt, limit)
        record = claim.record
        if record.fingerprint != fingerprint:
            flask.abort(422, REUSED_KEY)
        if record.state == DONE:
            return _replay(record)
        if time.monotonic() >= deadline:
            flask.abort(409, STILL_RUNNING)
        finished = _wait_for(store, scope, record.attempt, limit, deadline)
        if finished is not None:
            return _replay(finished)
        # Released, taken over or abandoned: claim again.


def _wait_for(store: IdempotencyStore, scope: KeyScope, attempt: str, limit: float,
              deadline: float) -> KeyRecord | None:
    """Poll until ``attempt`` finished (its record) or no longer holds the key (None)."""
    pause = 0.02
    while time.monotonic() < deadline:
        time.sleep(pause)
        pause = min(pause * 2, 0.25)
        try:
            record = store.record(scope)
        except StorageError as exc:
            flask.abort(503, f"{HEADER}: keys cannot be read now ({exc.reason})")
        if record is None or record.attempt != attempt or store.is_abandoned(record, limit):
            return None
        if record.state != PENDING:
            return record if record.response is not None else None
    return None


def _run(view: Callable[..., Any], args: tuple, kwargs: dict, store: IdempotencyStore, scope: KeyScope,
         attempt: str, limit: float) -> flask.Response:
    """Run the view as Flask would (errors become their responses) and record the response."""
    app = flask.current_app
    try:
        try:
            result = view(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - as Flask's dispatch does; unhandled ones are re-raised
            result = app.handle_user_exception(exc)
        response = app.make_response(result)
    except BaseException:
        try:
            store.release(scope, attempt)
        except StorageError as exc:
            log.warning("an Idempotency-Key could not be released (%s); it frees itself later", exc.reason)
        raise
    kept = 200 <= response.status_code < 300
    stored = StoredResponse(response.status_code,
                            [(n, v) for n, v in response.headers if n.lower() in _REPLAYED], response.get_data())
    try:
        store.finish(scope, attempt, stored, keep=kept, waiters_window=limit)
    except StorageError as exc:
        log.warning("the response to an Idempotency-Key could not be recorded (%s); a retry runs again", exc.reason)
    return response


def _replay(record: KeyRecord) -> flask.Response:
    stored = record.response
    assert stored is not None  # finished records carry their response
    response = flask.Response(stored.body, status=stored.status)
    response.headers.remove("Content-Type")
    response.headers.extend(stored.headers)
    response.headers[REPLAYED_HEADER] = "true"
    log.info("%s %s: answered from an Idempotency-Key (%s)", flask.request.method, flask.request.path, stored.status)
    return response


def _canonical_json(value: Any) -> bytes | None:
    if value is _NOT_JSON:
        return None
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode("ascii")
    except (ValueError, RecursionError):
        return None


def _account(body: Any) -> str:
    # Keys are kept per account: the route's {number}, else the body's "number" (/v2/send).
    number = (flask.request.view_args or {}).get("number")
    if number is None and isinstance(body, dict):
        number = body.get("number")
    return number if isinstance(number, str) else ""


HEADER_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": (
        "Makes the request safe to retry: a repeat with the same key and body within 24 h (the same API "
        "token, account and route) gets the first response again with `Idempotent-Replayed: true` and sends "
        "nothing; a repeat while the first runs waits for it. Only 2xx responses are kept: after a 4xx or "
        "5xx the key may be used again. The same key with another body is 422."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": "^[!-~]([ -~]*[!-~])?$"},
}
REPLAYED_HEADER_DOC = {
    "description": "`true` when this is the kept response of an earlier request with the same Idempotency-Key",
    "schema": {"type": "string", "enum": ["true"]},
}


def _documented(apidoc: dict[str, Any]) -> dict[str, Any]:
    """smorest's doc of the view plus the header parameter, the replay header and the 409/422 answers."""
    doc = copy.deepcopy(apidoc)
    doc.setdefault("arguments", {}).setdefault("parameters", []).append(copy.deepcopy(HEADER_PARAMETER))
    responses = doc.setdefault("response", {}).setdefault("responses", {})
    for status in doc.get("success_status_codes", []):
        for response in responses.get(status, []):
            if isinstance(response, dict):
                response.setdefault("headers", {})[REPLAYED_HEADER] = copy.deepcopy(REPLAYED_HEADER_DOC)
    responses.setdefault(409, []).append({"description": "The first request with this Idempotency-Key is still "
                                                         "running", "content_type": None})
    responses.setdefault(422, []).append({"description": "The Idempotency-Key was used with another body",
                                          "content_type": None})
    return doc
