"""json-rpc mode, one gevent worker: what the API adds to a send, its CPU per send, sends/s next to
the daemon's own, health under load, start-up time and idle memory.

* added latency: sequential, alternating one ``POST /v2/send`` with the same ``send`` written
  raw on the daemon's socket; API p50/p99 minus raw p50/p99;
* throughput: 32 connections for a fixed time, alternating rounds of API and raw (median);
* CPU per send: the worker's CPU seconds in the API rounds / sends answered;
* ``GET /v1/health`` at 32 connections: p50/p99.
"""
from __future__ import annotations

import json
import statistics
import time

from benchmarks.support import SEND_BODY, RawDaemon, percentile, process_rss_mb, raw_send_params, request, \
    run_loadgen, service

CONCURRENCY = 32


def main(quick: bool) -> dict:
    pairs, rounds, duration = (30, 1, 1.0) if quick else (400, 3, 8.0)
    with service("json-rpc") as api:
        startup, ready = api.startup_s, api.ready_s
        time.sleep(0.5)
        rss_idle = process_rss_mb(api.worker_pid)
        added = _added_latency(api, pairs)
        api_rounds, raw_rounds = [], []
        for _ in range(rounds):
            api_rounds.append(_load(api, "http", duration, method="POST", path="/v2/send", body=json.dumps(SEND_BODY)))
            raw_rounds.append(_load(api, "raw", duration, socket=str(api.daemon_socket),
                                    request=json.dumps({"jsonrpc": "2.0", "method": "send",
                                                        "params": raw_send_params()})))
        health = _load(api, "http", duration, method="GET", path="/v1/health")
        rss_after = process_rss_mb(api.worker_pid)
    api_rps = statistics.median(r["rps"] for r in api_rounds)
    raw_rps = statistics.median(r["rps"] for r in raw_rounds)
    cpu_ms = statistics.median(r["cpu_s"] / r["count"] * 1000 for r in api_rounds if r["count"])
    failures = sum(r["failures"] for r in api_rounds + raw_rounds + [health])
    print(f"  start-up to first /v1/health 204 : {startup:8.2f} s (daemon listening after {ready:.2f} s)")
    print(f"  worker RSS idle / after sends    : {rss_idle:8.1f} MB / {rss_after:.1f} MB")
    print(f"  sequential send, {pairs} alternating pairs: API p50 {added['api_p50']:.2f} ms p99 {added['api_p99']:.2f} "
          f"ms; raw p50 {added['raw_p50']:.2f} ms p99 {added['raw_p99']:.2f} ms")
    for index, (a, r) in enumerate(zip(api_rounds, raw_rounds), 1):
        print(f"  round {index}: API {a['rps']:7.0f} sends/s (p99 {a['p99_ms']:.1f} ms, "
              f"{a['cpu_s'] / max(a['count'], 1) * 1000:.3f} worker CPU ms/send, {_generator(a)}); "
              f"raw daemon {r['rps']:7.0f} sends/s ({_generator(r)})")
    print(f"  GET /v1/health, {CONCURRENCY} connections: {health['rps']:.0f}/s, p50 {health['p50_ms']:.1f} ms, "
          f"p99 {health['p99_ms']:.1f} ms, max {health['max_ms']:.1f} ms "
          f"({health['cpu_s'] / max(health['count'], 1) * 1000:.3f} worker CPU ms/request, {_generator(health)})")
    if failures:
        first = next(r["first_failure"] for r in api_rounds + raw_rounds + [health] if r["failures"])
        print(f"  {failures} failed requests, the first: {first}")
    return {
        "api_cpu_ms_per_send": cpu_ms,
        "jsonrpc_send_added_ms_p50": added["api_p50"] - added["raw_p50"],
        "jsonrpc_send_added_ms_p99": added["api_p99"] - added["raw_p99"],
        "jsonrpc_send_rps": api_rps,
        "raw_daemon_rps": raw_rps,
        "health_p99_ms_32c": health["p99_ms"],
        "rss_idle_mb": rss_idle,
        "startup_s": startup,
        "daemon_ready_s": ready,
        "send_failures": failures,
    }


def _generator(figures: dict) -> str:
    """How busy the load generator was: near 100% means it, not the service, set the pace."""
    return f"load generator {figures['loadgen_cpu_s'] / figures['elapsed_s']:.0%} busy"


def _added_latency(api, pairs: int) -> dict:  # noqa: ANN001 - a support.Service
    conn = api.connection()
    raw = RawDaemon(api.daemon_socket)
    params = raw_send_params()
    try:
        for _ in range(10):  # warm-up: connections, first-request imports
            request(conn, "POST", "/v2/send", SEND_BODY)
            raw.call("send", params)
        api_times, raw_times = [], []
        for _ in range(pairs):
            started = time.perf_counter()
            status, body = request(conn, "POST", "/v2/send", SEND_BODY)
            api_times.append(time.perf_counter() - started)
            if status != 201:
                raise RuntimeError(f"POST /v2/send answered {status}: {body[:200]!r}")
            started = time.perf_counter()
            raw.call("send", params)
            raw_times.append(time.perf_counter() - started)
    finally:
        conn.close()
        raw.close()
    return {"api_p50": percentile(api_times, 0.5) * 1000, "api_p99": percentile(api_times, 0.99) * 1000,
            "raw_p50": percentile(raw_times, 0.5) * 1000, "raw_p99": percentile(raw_times, 0.99) * 1000}


def _load(api, kind: str, duration: float, **options: str) -> dict:  # noqa: ANN001 - a support.Service
    args = [kind, "--concurrency", str(CONCURRENCY), "--duration", str(duration), "--cpu-pid", str(api.worker_pid)]
    if kind == "http":
        args += ["--port", str(api.port)]
    for key, value in options.items():
        args += [f"--{key}", value]
    return run_loadgen(args, timeout=duration + 60)
