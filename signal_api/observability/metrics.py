"""``GET /metrics``: the service's figures in Prometheus' text format (prometheus_client).

Each app has its own registry (tests build many apps in one process). Counters and histograms
are updated where things happen: HTTP requests (``requests_log.py``), signal-cli calls (the one
hook in ``SignalBackend``, both backends), webhook attempts. What is a state rather than an
event (inbox depth, oldest undelivered message, WebSocket subscribers, daemon restarts) is read
at scrape time by :class:`ServiceStateCollector`, so it costs nothing between scrapes.

Labels never carry request values: a route is its template (``/v1/send/<number>`` style), an
unmatched path is ``<unmatched>``, a signal-cli command is a method name chosen by the code.
Account numbers do appear as labels of the inbox figures: ``/metrics`` is an ``admin`` route.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import flask
from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, ProcessCollector,
                               disable_created_metrics, generate_latest)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from signal_api.access.accounts import EveryAccount
from signal_api.access.scopes import scope

if TYPE_CHECKING:
    from signal_api.services import Services

# The *_created series double the output and no dashboard reads them.
disable_created_metrics()

EXTENSION_KEY = "signal_api.metrics"
#: The scope a token needs for ``/metrics`` when auth is on (the service's accounts are labels).
METRICS_SCOPE = "admin"
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
# From a cached health check to a send through a cold JVM.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class Metrics:
    """The counters and histograms of one app, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        # The worker's CPU, memory and open files (process_*), as the default registry has them.
        ProcessCollector(registry=self.registry)
        self.http_requests = Counter(
            "signal_api_http_requests", "HTTP requests by route template, method and status",
            ("route", "method", "status"), registry=self.registry)
        self.http_duration = Histogram(
            "signal_api_http_request_duration_seconds", "HTTP request latency by route template and method",
            ("route", "method"), buckets=LATENCY_BUCKETS, registry=self.registry)
        self.signal_cli_calls = Counter(
            "signal_api_signal_cli_calls", "signal-cli calls by command and outcome (ok or the error's kind)",
            ("command", "outcome"), registry=self.registry)
        self.signal_cli_duration = Histogram(
            "signal_api_signal_cli_call_duration_seconds", "signal-cli call duration by command",
            ("command",), buckets=LATENCY_BUCKETS, registry=self.registry)
        # labels() costs more than the update itself: each request's pair of series, found once
        # (keys are bounded: route templates, known methods or "other", statuses).
        self._request_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self.webhook_attempts = Counter(
            "signal_api_webhook_deliveries", "webhook POSTs by outcome (delivered, failed)",
            ("outcome",), registry=self.registry)

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """One HTTP request has been answered."""
        # A client may send any method token: each would be a new series kept forever.
        key = (route, method if method in HTTP_METHODS else "other", status)
        series = self._request_series.get(key)
        if series is None:
            series = self._request_series[key] = (self.http_requests.labels(key[0], key[1], str(status)),
                                                  self.http_duration.labels(key[0], key[1]))
        series[0].inc()
        series[1].observe(seconds)

    def observe_signal_cli_call(self, command: str, seconds: float, error: BaseException | None) -> None:
        """One signal-cli call has returned (``error`` None) or failed."""
        self.signal_cli_calls.labels(command, "ok" if error is None else _error_kind(error)).inc()
        self.signal_cli_duration.labels(command).observe(seconds)

    def observe_webhook_attempt(self, delivered: bool) -> None:
        """One webhook POST has succeeded or failed."""
        self.webhook_attempts.labels("delivered" if delivered else "failed").inc()

    def watch(self, services: Services) -> None:
        """Report the state of ``services`` at each scrape."""
        self.registry.register(ServiceStateCollector(services))

    def exposition(self) -> flask.Response:
        """The scrape response."""
        return flask.Response(generate_latest(self.registry), mimetype=None,
                              headers={"Content-Type": CONTENT_TYPE_LATEST})


def _error_kind(error: BaseException) -> str:
    # Class names of the typed backend errors (signal_api/errors/backend.py): a fixed, small set.
    return type(error).__name__


class ServiceStateCollector(Collector):
    """Inbox depth and age, WebSocket subscribers and daemon restarts, read when scraped."""

    def __init__(self, services: Services, clock: Any = time.time) -> None:
        self.services = services
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        from signal_api.storage.inbox import HTTP_CONSUMER

        depth = GaugeMetricFamily("signal_api_inbox_undelivered_messages",
                                  "stored messages no API client has taken yet, per account", labels=("account",))
        age = GaugeMetricFamily("signal_api_inbox_oldest_undelivered_age_seconds",
                                "age of the oldest message no API client has taken yet, per account",
                                labels=("account",))
        inbox = self.services.inbox
        try:
            accounts = [row[0] for row in inbox.execute("SELECT DISTINCT account FROM messages")]
            now_ms = self.clock() * 1000
            for account in accounts:
                position = inbox.position(HTTP_CONSUMER, account)
                count, oldest = inbox.execute(
                    "SELECT COUNT(*), MIN(received_at) FROM messages WHERE account = ? AND id > ? AND event IS NULL",
                    (account, position))[0]
                depth.add_metric((account,), count)
                age.add_metric((account,), max(0.0, (now_ms - oldest) / 1000) if oldest is not None else 0.0)
            pending = inbox.execute("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'")[0][0]
        except Exception:  # noqa: BLE001 - an unreadable inbox must not fail the scrape; /v1/health says why
            pending = None
        yield depth
        yield age
        if pending is not None:
            yield GaugeMetricFamily("signal_api_webhook_pending_deliveries", "webhook deliveries still to be made",
                                    value=pending)
        yield GaugeMetricFamily("signal_api_websocket_subscribers", "open WebSocket subscriptions",
                                value=self.services.hub.open_subscriptions())
        supervisor = getattr(self.services.backend, "supervisor", None)
        if supervisor is not None:
            yield CounterMetricFamily("signal_api_signal_cli_daemon_restarts",
                                      "times the service's signal-cli daemon was started again after it ended",
                                      value=max(0, supervisor.starts - 1))


def init_app(app: flask.Flask, services: Services) -> Metrics:
    """Create the app's metrics, hook them to the backend and serve ``/metrics``."""
    metrics = app.extensions[EXTENSION_KEY] = services.metrics = Metrics()
    metrics.watch(services)
    services.backend.call_observer = metrics.observe_signal_cli_call
    # Every account's figures: a token must cover every account (as other routes about no one account).
    app.add_url_rule("/metrics", "metrics", scope(METRICS_SCOPE, account=EveryAccount())(_scrape), methods=["GET"])
    return metrics


def get_metrics(app: flask.Flask | None = None) -> Metrics | None:
    """The metrics of ``app`` (default: the current app), if it has them."""
    return (app or flask.current_app).extensions.get(EXTENSION_KEY)


def _scrape() -> flask.Response:
    """Prometheus metrics (text format 0.0.4)."""
    metrics = get_metrics()
    assert metrics is not None
    return metrics.exposition()
