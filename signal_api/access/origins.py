"""Browsers: which web origins may use the API (``ALLOWED_ORIGINS``; default none).

A browser names the page that makes a request in its ``Origin`` header; other clients send none
and are not concerned. For an allowed origin, REST answers carry the CORS headers that let the
page read them, and preflights are answered. Otherwise:

* a WebSocket upgrade from another origin is refused before the upgrade (a page could otherwise
  read the message stream, history included);
* a POST, PUT or DELETE from another origin is refused (a page can send those without a
  preflight, e.g. a text/plain "form"), unless the origin is the API's own (its Swagger UI);
* a preflight from another origin is refused, so the browser never sends the request.
"""
from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import flask  # imported where answers are made: signal_api.config imports parse_origins

ANY = "*"
UNSAFE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})
ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key"
EXPOSED_HEADERS = "Retry-After, WWW-Authenticate, Idempotent-Replayed"
PREFLIGHT_MAX_AGE = "600"


def parse_origins(text: str) -> tuple[str, ...]:
    """``ALLOWED_ORIGINS``: a comma list of ``scheme://host[:port]`` or ``*``; ValueError otherwise."""
    origins = []
    for item in (part.strip() for part in (text or "").split(",")):
        if not item:
            continue
        if item != ANY:
            parts = urlsplit(item)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") \
                    or parts.query or parts.fragment or "@" in parts.netloc:
                raise ValueError(f"{item!r} is not an origin like https://example.com or http://localhost:3000")
            item = f"{parts.scheme}://{parts.netloc}".lower()
        origins.append(item)
    return tuple(origins)


class OriginPolicy:
    """Applies ``ALLOWED_ORIGINS`` to requests and answers."""

    def __init__(self, allowed: tuple[str, ...]) -> None:
        self.allowed = frozenset(allowed)

    def allows(self, origin: str) -> bool:
        """True for an origin in ``ALLOWED_ORIGINS`` (or any origin with ``*``)."""
        return ANY in self.allowed or origin.strip().rstrip("/").lower() in self.allowed

    def refusal(self, request: flask.Request, *, websocket: bool) -> str | None:
        """Why the request's origin may not make it; None when it may."""
        origin = request.headers.get("Origin")
        if origin is None or self.allows(origin):
            return None
        if websocket:
            return f"Origin {origin} may not open WebSockets: add it to ALLOWED_ORIGINS"
        if request.method in UNSAFE_METHODS and not _same_origin(origin, request):
            return f"Origin {origin} may not use this API: add it to ALLOWED_ORIGINS"
        return None

    def preflight(self, request: flask.Request) -> flask.Response | None:
        """The answer to a CORS preflight (None when the request is not one)."""
        import flask
        origin = request.headers.get("Origin")
        method = request.headers.get("Access-Control-Request-Method")
        if request.method != "OPTIONS" or origin is None or method is None:
            return None
        if not self.allows(origin):
            response = flask.jsonify({"error": f"Origin {origin} is not allowed: add it to ALLOWED_ORIGINS"})
            response.status_code = 403
            return response
        response = flask.Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        return response

    def add_cors_headers(self, request: flask.Request, response: flask.Response) -> flask.Response:
        """Let an allowed origin read ``response``."""
        origin = request.headers.get("Origin")
        # Through the headers rather than response.vary, whose parse-and-rebuild per answer was
        # ~1% of the worker's time on POST /v2/send.
        if "Vary" not in response.headers:
            response.headers["Vary"] = "Origin"
        elif "origin" not in (part.strip().lower() for part in response.headers["Vary"].split(",")):
            response.headers["Vary"] = response.headers["Vary"] + ", Origin"
        if origin is not None and self.allows(origin):
            # No Access-Control-Allow-Credentials: a page must attach the token itself; the
            # browser's own cookies and cached Basic credentials never work cross-site.
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response


def _same_origin(origin: str, request: flask.Request) -> bool:
    # The host part only: behind a TLS proxy the page is https while the request reaching us is http.
    return urlsplit(origin).netloc.lower() == request.host.lower()
