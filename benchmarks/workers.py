"""json-rpc mode, ``WORKERS=2``: sends/s at 32 connections with two gunicorn workers sharing one daemon.

Run next to the one-worker figure of the ``send`` scenario: on this 2-core machine the second
worker competes with the simulator daemon and the load generator for the same cores, so the
ratio says how much of a send's cost one worker serialised.
"""
from __future__ import annotations

import json
import statistics

from benchmarks.support import SEND_BODY, run_loadgen, service

CONCURRENCY = 32


def main(quick: bool) -> dict:
    rounds, duration = (1, 1.0) if quick else (3, 8.0)
    with service("json-rpc", env={"WORKERS": "2"}) as api:
        figures = [run_loadgen(["http", "--concurrency", str(CONCURRENCY), "--duration", str(duration),
                                "--port", str(api.port), "--method", "POST", "--path", "/v2/send",
                                "--body", json.dumps(SEND_BODY)], timeout=duration + 60)
                   for _ in range(rounds)]
    for index, round_figures in enumerate(figures, 1):
        print(f"  round {index}: two workers {round_figures['rps']:7.0f} sends/s "
              f"(p99 {round_figures['p99_ms']:.1f} ms, {round_figures['failures']} failed)")
    return {"workers2_send_rps": statistics.median(r["rps"] for r in figures),
            "workers2_send_failures": sum(r["failures"] for r in figures)}
