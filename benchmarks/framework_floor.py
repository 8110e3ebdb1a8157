"""The framework's floor beside the service: the same requests to :mod:`benchmarks.floor_app`.

Runs the floor app on gunicorn with the gevent worker (one worker, 1,000 connections, no access
log, as the service runs) and measures what :mod:`benchmarks.sending` measures for the service:
worker CPU ms per ``POST /v2/send`` and per ``GET /v1/health`` at 32 connections, and the p50 of
sequential sends on one connection (the floor of ``jsonrpc_send_added_ms_p50``, since the app
calls nothing), and the time from starting gunicorn to the first 204 (the floor of ``startup_s``). The service's figure minus the floor's is what signal-api's own code costs.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.support import SEND_BODY, child_pids, free_port, percentile, request, run_loadgen

CONCURRENCY = 32
GUNICORN_SETTINGS = """\
worker_class = "gevent"
workers = 1
worker_connections = 1000
accesslog = None
control_socket_disable = True
loglevel = "warning"
"""


def main(quick: bool) -> dict:
    sequential, rounds, duration = (30, 1, 1.0) if quick else (400, 3, 8.0)
    with _floor_app() as (port, worker, startup):
        latency = _sequential_p50_ms(port, sequential)
        sends = [_load(port, worker, duration, "POST", "/v2/send", json.dumps(SEND_BODY)) for _ in range(rounds)]
        health = _load(port, worker, duration, "GET", "/v1/health", "")
    post_ms = statistics.median(r["cpu_s"] / r["count"] * 1000 for r in sends)
    get_ms = health["cpu_s"] / health["count"] * 1000
    print(f"  Flask + flask-smorest on gunicorn gevent, nothing else: POST /v2/send {post_ms:.3f} worker CPU ms "
          f"per request at {CONCURRENCY} connections ({statistics.median(r['rps'] for r in sends):.0f}/s), "
          f"GET /v1/health {get_ms:.3f} ms ({health['rps']:.0f}/s); sequential POST p50 {latency:.2f} ms; "
          f"start-up to the first 204 {startup:.2f} s")
    return {"floor_cpu_ms_per_send": post_ms, "floor_cpu_ms_per_health": get_ms, "floor_send_ms_p50": latency,
            "floor_startup_s": startup}


@contextlib.contextmanager
def _floor_app() -> Iterator[tuple[int, int, float]]:
    with tempfile.TemporaryDirectory(prefix="signal-api-floor-") as root:
        conf = Path(root) / "gunicorn_conf.py"
        conf.write_text(GUNICORN_SETTINGS)
        port = free_port()
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(conf), "--bind", f"127.0.0.1:{port}",
                                    "benchmarks.floor_app:app"], cwd=Path(__file__).resolve().parents[1],
                                   env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_answering(port, process)
            startup = time.perf_counter() - started
            workers = child_pids(process.pid)
            if len(workers) != 1:
                raise RuntimeError(f"expected one gunicorn worker, found {workers}")
            yield port, workers[0], startup
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _wait_answering(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.02)  # as support._wait_healthy polls the service
        if process.poll() is not None:
            raise RuntimeError(f"the floor app exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            if request(conn, "GET", "/v1/health")[0] == 204:
                conn.close()
                return
        except OSError:
            pass
    raise RuntimeError("the floor app did not answer within 30 s")


def _sequential_p50_ms(port: int, count: int) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for _ in range(10):
            request(conn, "POST", "/v2/send", SEND_BODY)
        times = []
        for _ in range(count):
            started = time.perf_counter()
            status, body = request(conn, "POST", "/v2/send", SEND_BODY)
            times.append(time.perf_counter() - started)
            if status != 201:
                raise RuntimeError(f"the floor app answered {status}: {body[:200]!r}")
    finally:
        conn.close()
    return percentile(times, 0.5) * 1000


def _load(port: int, worker: int, duration: float, method: str, path: str, body: str) -> dict:
    return run_loadgen(["http", "--concurrency", str(CONCURRENCY), "--duration", str(duration), "--cpu-pid",
                        str(worker), "--port", str(port), "--method", method, "--path", path, "--body", body],
                       timeout=duration + 60)
