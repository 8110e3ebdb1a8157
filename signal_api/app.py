"""The application factory.

``create_app`` builds a fully wired app but starts nothing; ``start_background`` (called by
``wsgi.py`` in the server process, or by tests that want a live backend) starts the daemon,
the JSON-RPC reader and other background work.
"""
from __future__ import annotations

import atexit
import logging
import sqlite3
import time
from collections.abc import Mapping
from typing import Any

import flask

from signal_api import __version__
from signal_api.access import init_app as init_access
from signal_api.errors import http as http_errors
from signal_api.receive import websocket as ws
from signal_api import signalcli_http
from signal_api.api import register_all
from signal_api.api_config import ApiConfig
from signal_api.config import Config, ConfigError, ConfigErrors
from signal_api.extensions import SignalApi, swagger_assets_blueprint
from signal_api.observability import metrics as observed_metrics, requests_log
from signal_api.observability.logs import set_log_level
from signal_api.operator.checks import simulator_guard
from signal_api.translate.identifiers import IdentifierError, unescape_path_segment
from signal_api.receive.leadership import Leadership
from signal_api.receive.retention import RetentionJob
from signal_api.receive.scheduler import AutoReceiveScheduler, receive_all_accounts
from signal_api.access.scopes import open_route
from signal_api.services import EXTENSION_KEY, Services, get_services
from signal_api.signalcli import ReceiveOptions, SignalBackend, make_backend
from signal_api.signalcli.children import reap_orphans
from signal_api.receive.webhook_urls import forbidden_address
from signal_api.receive.webhooks import SubscriptionDispatchers, WebhookDispatcher
from signal_api.storage.inbox_tail import InboxTail
from signal_api.storage.webhook_subscriptions import ENV_WEBHOOK

log = logging.getLogger(__name__)

def create_app(
    config: Config | Mapping[str, str] | None = None,
    *,
    backend: SignalBackend | None = None,
    testing: bool = False,
) -> flask.Flask:
    """Build the app from a Config, an environment-like mapping, or ``os.environ``."""
    if not isinstance(config, Config):
        config = Config.from_env(config)
    app = flask.Flask(__name__)
    app.config.update(
        TESTING=testing,
        API_TITLE="Signal Messenger REST API",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/swagger",
        OPENAPI_JSON_PATH="doc.json",
        OPENAPI_SWAGGER_UI_PATH="index.html",
        OPENAPI_SWAGGER_UI_URL="/swagger/ui/",
        API_SPEC_OPTIONS={
            "info": {"description": "This is the Signal Cli REST API documentation."},
            **_servers(config),
        },
        JSON_SORT_KEYS=False,
        # The original reads bodies of any size into memory several times; we refuse huge ones.
        MAX_CONTENT_LENGTH=config.max_body_bytes,
    )
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.url_map.strict_slashes = False
    set_log_level(config.log_level)

    # Server pings keep idle sockets (and proxies) alive and detect dead clients; the select()
    # this enables also lets the socket carry a send timeout without breaking idle reads.
    app.config["SOCK_SERVER_OPTIONS"] = {"ping_interval": config.ws_ping_interval}
    try:
        services = app.extensions[EXTENSION_KEY] = Services.build(config, backend or make_backend(config))
    except (sqlite3.Error, OSError) as exc:
        raise ConfigError("SIGNAL_API_DATA_DIR", f"cannot use {config.data_dir} (database "
                                                 f"{config.database_path}): {exc}") from exc
    requests_log.init_app(app, observed_metrics.init_app(app, services))
    _docs_redirects(app)
    # Per-number trust modes (api-config.yml) apply to every call, in every mode.
    services.backend.trust_mode_lookup = ApiConfig(config.signal_cli_config_dir).trust_mode
    api = SignalApi(app)
    register_all(api)
    app.register_blueprint(swagger_assets_blueprint())
    ws.sock.init_app(app)
    app.register_blueprint(ws.bp)
    app.register_blueprint(signalcli_http.bp)
    init_access(app, api)  # after every route: it refuses a route that declares no scope
    http_errors.init_app(app)
    app.url_value_preprocessor(_unescape_number)
    return app


def start_background(app: flask.Flask) -> None:
    """Start the backend's background work once; stop it at interpreter exit."""
    services = get_services(app)
    if services.started:
        return
    services.started = True
    config = services.config
    refusals = simulator_guard(config)
    if refusals:
        services.started = False
        raise ConfigErrors([problem.as_error() for problem in refusals], config)
    if config.uses_simulator:
        log.warning(
            "*** SIMULATOR MODE *** signal-cli is the built-in simulator (%s): no message leaves this "
            "machine. Set SIGNAL_CLI_BINARY / SIGNAL_CLI_NATIVE_BINARY to a real signal-cli to use Signal.",
            " ".join(config.command),
        )
    log.info("mode %s, signal-cli config dir %s, data dir %s", config.mode, config.signal_cli_config_dir,
             config.data_dir)
    if config.receive_webhook_url and not config.uses_json_rpc and not config.auto_receive_schedule:
        log.warning(
            "RECEIVE_WEBHOOK_URL is set, but in MODE=%s messages are fetched from Signal only when something "
            "receives (GET /v1/receive or an open WebSocket): webhooks fire only then. Set "
            "AUTO_RECEIVE_SCHEDULE (e.g. '*/1 * * * *') or use MODE=json-rpc to have every message delivered.",
            config.mode)
    if config.shares_workers:
        # Every worker hears of every stored row and can call the daemon; the one that wins the
        # leader lock (now or when the leader is gone) also runs what must run once.
        services.tail = InboxTail(services.inbox)
        services.tail.start()
        services.backend.start()
        services.leadership = Leadership(config.data_dir, lambda: _lead(services))
        services.leadership.start()
    else:
        _lead(services)
    atexit.register(stop_background, app)


def _lead(services: Services) -> None:
    """Start what one process runs for the service: daemon, receiving, webhooks, retention, schedule."""
    # Before anything starts: a worker killed with SIGKILL may have left its daemon or links running.
    reap_orphans(services.config.data_dir)
    # What an earlier run set aside because it could not be stored goes in before anything new.
    services.receiver.intake.recover()
    services.background = background_jobs(services)
    if services.config.shares_workers:
        services.backend.take_lead()
    else:
        services.backend.start()
    for job in services.background:
        job.start()


def begin_shutdown(app: flask.Flask, *, wait: float = 0.0) -> None:
    """The server is stopping: close WebSockets (1001) and end receives, so connections drain at once.

    With ``wait``, return once every WebSocket has hung up or after ``wait`` seconds.
    """
    services = get_services(app)
    if services.leadership is not None:
        services.leadership.stop_trying()  # a worker that is stopping must not take over now
    services.hub.close_all()
    services.receiver.stop()
    deadline = time.monotonic() + wait
    while services.hub.open_subscriptions() and time.monotonic() < deadline:
        time.sleep(0.05)


def stop_background(app: flask.Flask) -> None:
    """Stop what ``start_background`` started."""
    services = get_services(app)
    if services.started:
        services.started = False
        if services.leadership is not None:
            services.leadership.stop_trying()  # no election while stopping
        for job in reversed(services.background):
            job.stop()
        services.receiver.stop()
        services.backend.stop()
        services.receiver.join()
        if services.tail is not None:
            services.tail.stop()
        if services.leadership is not None:
            services.leadership.release()  # once the daemon has ended: the next leader starts its own


def background_jobs(services: Services) -> list[Any]:
    """The periodic and delivery jobs the configuration asks for (not started)."""
    config = services.config
    jobs: list[Any] = [
        RetentionJob(services.inbox, max_age_seconds=config.retention_days * 86400,
                     max_per_account=config.retention_max_messages)
    ]
    if not config.receive_webhook_url:
        # Deliveries left pending by an earlier configuration would pin their messages forever.
        services.inbox.execute("UPDATE webhook_deliveries SET state = 'failed', "
                               "last_error = 'RECEIVE_WEBHOOK_URL no longer set' "
                               "WHERE subscription_id = ? AND state = 'pending'", (ENV_WEBHOOK,))
    else:
        jobs.append(WebhookDispatcher(services.inbox, config.receive_webhook_url,
                                      secret=config.receive_webhook_secret, timeout=config.webhook_timeout,
                                      max_attempts=config.webhook_max_attempts,
                                      on_attempt=_webhook_observer(services)))
    services.subscription_dispatchers = SubscriptionDispatchers(
        services.webhooks,
        lambda subscription: WebhookDispatcher(
            services.inbox, subscription.url, secret=subscription.secret, timeout=config.webhook_timeout,
            max_attempts=config.webhook_max_attempts, on_attempt=_webhook_observer(services),
            subscription_id=subscription.id, address_check=forbidden_address, listen=False),
    )
    jobs.append(services.subscription_dispatchers)
    if config.auto_receive_schedule:
        jobs.append(AutoReceiveScheduler(config.auto_receive_schedule, lambda: scheduled_receive(services)))
    return jobs


def _webhook_observer(services: Services) -> Any:
    return services.metrics.observe_webhook_attempt if services.metrics is not None else None


def scheduled_receive(services: Services) -> None:
    """One tick of AUTO_RECEIVE_SCHEDULE: receive for every registered account, store it all."""
    options = services.config.auto_receive
    receive_options = ReceiveOptions(
        timeout=options.timeout, ignore_attachments=options.ignore_attachments,
        ignore_stories=options.ignore_stories, ignore_avatars=options.ignore_avatars,
        ignore_stickers=options.ignore_stickers, send_read_receipts=options.send_read_receipts,
    )
    receive_all_accounts(
        services.backend.list_accounts,
        lambda account: services.receiver.receive_account(account, receive_options),
        log,
    )


def _docs_redirects(app: flask.Flask) -> None:
    # A browser pointed at the service (or at /swagger/) lands on the API documentation.
    @open_route
    def to_swagger_ui() -> flask.Response:
        return flask.redirect("/swagger/index.html", code=302)

    for path, name in (("/", "root_redirect"), ("/swagger/", "swagger_redirect")):
        app.add_url_rule(path, name, to_swagger_ui, methods=["GET"])


def _unescape_number(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # The original unescapes {number} a second time, so %2B49... works from clients that
    # encode twice; done here once for every route.
    if values and "number" in values:
        try:
            values["number"] = unescape_path_segment(values["number"])
        except IdentifierError as exc:
            flask.abort(400, str(exc))


def _servers(config: Config) -> dict[str, list[dict[str, str]]]:
    # SWAGGER_HOST / SWAGGER_IP name the host the Swagger UI sends its requests to.
    if not config.swagger_host and not config.swagger_ip:
        return {}
    host = config.swagger_host or f"{config.swagger_ip}:{config.port}"
    scheme = "https" if config.swagger_https else "http"
    return {"servers": [{"url": f"{scheme}://{host}"}]}
