"""One log line per request, its request id in the ``X-Request-ID`` header, and its metrics.

The line names the method, the path with secret path values masked (the verification code of
``/v1/register/<number>/verify/<token>``), the status, the duration and the request id; the
query string is never logged (it may carry ``?token=``). It replaces gunicorn's access log,
which is off unless ``ACCESS_LOG=1``.
"""
from __future__ import annotations

import logging
import re
import time

import flask

from signal_api.observability import request_id
from signal_api.observability.metrics import Metrics

log = logging.getLogger("signal_api.request")

UNMATCHED = "<unmatched>"
#: Path parameters whose values are secrets (the register verification code).
SECRET_PATH_PARAMETERS = frozenset({"token", "pin", "captcha", "code"})
MASK = "***"
_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def route_of(request: flask.Request) -> str:
    """The route template the request matched (a label: never a request value)."""
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


def logged_path(request: flask.Request) -> str:
    """The path to log: the request's own, with secret parameters masked."""
    rule = request.url_rule
    values = request.view_args or {}
    if rule is None or not SECRET_PATH_PARAMETERS.intersection(values):
        return request.path
    return _PARAMETER.sub(lambda m: MASK if m.group(1) in SECRET_PATH_PARAMETERS else str(values.get(m.group(1), "")),
                          rule.rule)


def init_app(app: flask.Flask, metrics: Metrics) -> None:
    """Register the hooks (first, so that every later hook's answer is logged too)."""

    @app.before_request
    def _start() -> None:
        flask.g.request_started = time.perf_counter()
        request_id.assign()

    @app.after_request
    def _finish(response: flask.Response) -> flask.Response:
        started = getattr(flask.g, "request_started", None)
        seconds = time.perf_counter() - started if started is not None else 0.0
        rid = getattr(flask.g, "request_id", None) or request_id.assign()
        response.headers[request_id.HEADER] = rid
        request = flask.request
        route = route_of(request)
        metrics.observe_request(route, request.method, response.status_code, seconds)
        path = logged_path(request)
        log.info("%s %s %s %.1fms id=%s", request.method, path, response.status_code, seconds * 1000, rid,
                 extra={"request_id": rid, "method": request.method, "path": path, "route": route,
                        "status": response.status_code, "duration_ms": round(seconds * 1000, 3),
                        "client": request.remote_addr})
        return response
