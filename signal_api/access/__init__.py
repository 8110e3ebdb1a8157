"""Who may do what: API tokens, scopes, rate limits, origins and idempotent sends.

Off by default (``SIGNAL_API_AUTH=none``, as the original). With ``SIGNAL_API_AUTH=token`` every
route but health, about and the API docs needs a token made with ``signal-api tokens create``.

* :mod:`~signal_api.access.tokens` the token store (hashed, in the service's database);
* :mod:`~signal_api.access.authentication` how a request presents a token; :func:`identity`;
* :mod:`~signal_api.access.scopes` the ``@scope`` each view declares, and the spec's security;
* :mod:`~signal_api.access.accounts` which account a request acts for;
* :mod:`~signal_api.access.limits` per-token and per-account rate limits;
* :mod:`~signal_api.access.origins` CORS and the ``Origin`` check (``ALLOWED_ORIGINS``);
* :mod:`~signal_api.access.gate` the ``before_request`` hook that applies them all;
* :mod:`~signal_api.access.idempotency` ``Idempotency-Key`` on send-like routes (task I's branch).

For other modules: ``identity() -> str | None`` is the name of the token that authenticated the
current request, None when auth is off, on open routes and outside a request. It is set before
any view runs and never raises.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import flask
    from flask_smorest import Api

    from signal_api.access.authentication import identity

__all__ = ["identity", "init_app"]


def init_app(app: flask.Flask, api: Api) -> None:
    """Install the gate on ``app`` (after every route is registered) and the security schemes in its spec."""
    import flask

    from signal_api.access.gate import EXTENSION_KEY, Gate
    from signal_api.access.limits import MemoryRateLimiter
    from signal_api.access.shared_limits import SharedRateLimiter
    from signal_api.access.origins import OriginPolicy
    from signal_api.access.scopes import SECURITY_SCHEMES, check_every_route_declared
    from signal_api.access.tokens import TokenStore
    from signal_api.services import get_services

    check_every_route_declared(app)
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    config = get_services(app).config
    inbox = get_services(app).inbox
    gate = app.extensions[EXTENSION_KEY] = Gate(
        auth=config.auth,
        tokens=TokenStore(inbox.execute),
        origins=OriginPolicy(config.allowed_origins),
        send_rate=config.send_rate,
        limiter=SharedRateLimiter(inbox) if config.shares_workers else MemoryRateLimiter(),
    )
    app.before_request(gate.check)
    app.after_request(lambda response: gate.origins.add_cors_headers(flask.request, response))


def __getattr__(name: str) -> Any:
    # signal_api.config imports signal_api.access.limits, and with it this package: importing
    # flask here cost `signal-api serve` 0.2 s before gunicorn even started.
    if name == "identity":
        from signal_api.access.authentication import identity

        return identity
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
