"""Run the benchmarks (``python -m benchmarks [--quick] [NAME...]``; ``make bench`` runs them all).

Each scenario runs on the simulator, on localhost, within a time bound. The run prints each
scenario's figures, then a table of the figures beside the issue's targets, and ends with one
line ``BENCH {json}``; the same figures go to ``benchmarks/results.json`` (git-ignored: a run's
record lives in the README). A figure that could not be measured is null, and the table says why.
The exit status is 1 when a scenario failed, 0 otherwise; no figure makes the run fail.
"""
from __future__ import annotations

import argparse
import json
import platform
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from benchmarks import accounts, framework_floor, inbox_store, jsonrpc_latency, normal_mode, sending, websocket_fanout, workers
from benchmarks.support import load_average

#: name -> (run(quick) -> figures, the keys it measures, its time bound in seconds)
SCENARIOS: dict[str, tuple[Callable[[bool], dict], tuple[str, ...], int]] = {
    "send": (sending.main, ("api_cpu_ms_per_send", "jsonrpc_send_added_ms_p50", "jsonrpc_send_added_ms_p99",
                            "jsonrpc_send_rps", "raw_daemon_rps", "health_p99_ms_32c", "rss_idle_mb", "startup_s"),
             180),
    "normal": (normal_mode.main, ("normal_mode_ratio",), 120),
    "fanout": (websocket_fanout.main, ("fanout_subscribers", "fanout_p50_ms", "fanout_p99_ms", "fanout_lost",
                                       "rss_1000_ws_mb"), 300),
    "workers": (workers.main, ("workers2_send_rps",), 120),
    "inbox": (inbox_store.main, ("inbox_store_msgs_per_s",), 60),
    "accounts": (accounts.main, (), 240),
    "split-replies": (jsonrpc_latency.main, (), 60),
    "floor": (framework_floor.main, ("floor_cpu_ms_per_send", "floor_cpu_ms_per_health", "floor_send_ms_p50",
                                         "floor_startup_s"), 90),
}
#: Keys no scenario can measure yet, and why.
NOT_MEASURABLE: dict[str, str] = {}
#: The BENCH line's keys in the issue's order, then the framework's floor; (target text, check) where the issue sets a target.
KEYS: dict[str, tuple[str, Callable[[float, dict], bool]] | None] = {
    "api_cpu_ms_per_send": ("<= 0.4", lambda v, r: v <= 0.4),
    "jsonrpc_send_added_ms_p50": ("<= 0.7", lambda v, r: v <= 0.7),
    "jsonrpc_send_added_ms_p99": None,
    "jsonrpc_send_rps": (">= 0.95 x raw_daemon_rps",
                         lambda v, r: r.get("raw_daemon_rps") is not None and v >= 0.95 * r["raw_daemon_rps"]),
    "raw_daemon_rps": (">= 3000", lambda v, r: v >= 3000),
    "workers2_send_rps": None,
    "normal_mode_ratio": ("<= 1.05", lambda v, r: v <= 1.05),
    "health_p99_ms_32c": ("<= 50", lambda v, r: v <= 50),
    "fanout_subscribers": None,
    "fanout_p50_ms": None,
    "fanout_p99_ms": ("<= 100", lambda v, r: v <= 100),
    "fanout_lost": ("0", lambda v, r: v == 0),
    "inbox_store_msgs_per_s": None,
    "rss_idle_mb": ("<= 60", lambda v, r: v <= 60),
    "rss_1000_ws_mb": ("<= 150", lambda v, r: v <= 150),
    "startup_s": ("<= 1", lambda v, r: v <= 1),
    # Not the issue's: the same requests to the bare stack (benchmarks/floor_app.py), the part of
    # api_cpu_ms_per_send and of the added latency that signal-api's own code cannot remove.
    "floor_cpu_ms_per_send": None,
    "floor_cpu_ms_per_health": None,
    "floor_send_ms_p50": None,
    "floor_startup_s": None,
}
RESULTS = Path(__file__).resolve().parent / "results.json"


class ScenarioTimeout(Exception):
    """A scenario ran past its time bound."""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (seconds, few sockets): checks the "
                                                             "benchmarks work; its figures are not comparable")
    parser.add_argument("--results", type=Path, default=RESULTS, help=f"where to write the figures ({RESULTS})")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"scenarios to run (default: all): {', '.join(SCENARIOS)}")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)} (choose from {', '.join(SCENARIOS)})")
    names = args.names or list(SCENARIOS)
    started = time.time()
    print(f"signal-api benchmarks ({'quick' if args.quick else 'full'}) on {platform.node()}, "
          f"{platform.python_implementation()} {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M:%SZ', time.gmtime())}; load average {load_average()}")
    results: dict = {}
    reasons = dict(NOT_MEASURABLE)
    failed = False
    for name in names:
        run, keys, bound = SCENARIOS[name]
        print(f"== {name} (load average {load_average()})")
        try:
            results.update(_bounded(lambda: run(args.quick), bound))
        except Exception as exc:  # noqa: BLE001 - one failed scenario must not hide the others' figures
            traceback.print_exc()
            failed = True
            for key in keys:
                reasons[key] = f"scenario {name} failed: {type(exc).__name__}: {exc}"
    for key in KEYS:
        if key not in results and key not in reasons:
            reasons[key] = "its scenario was not run"
    figures = {key: results.get(key) for key in KEYS}
    figures.update({key: value for key, value in results.items() if key not in KEYS})
    figures = {key: round(value, 4) if isinstance(value, float) else value for key, value in figures.items()}
    meta = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)), "machine": platform.node(),
            "quick": args.quick, "duration_s": round(time.time() - started, 1), "load_average": load_average(),
            "null_because": {key: reasons[key] for key in KEYS if figures[key] is None}}
    _print_table(figures, reasons)
    args.results.write_text(json.dumps({**figures, "_run": meta}, indent=2) + "\n")
    print(f"figures written to {args.results}; run took {meta['duration_s']} s; load average {load_average()}")
    print("BENCH " + json.dumps(figures, separators=(",", ":")))
    return 1 if failed else 0


def _bounded(call: Callable[[], dict], seconds: int) -> dict:
    """``call()``, interrupted with :class:`ScenarioTimeout` after ``seconds`` (its cleanups still run)."""
    def expire(signum: int, frame: object) -> None:
        raise ScenarioTimeout(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        return call()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _print_table(figures: dict, reasons: dict) -> None:
    rows = [("figure", "value", "target", "met")]
    for key, target in KEYS.items():
        value = figures[key]
        if value is None:
            rows.append((key, "null", target[0] if target else "", f"not measured: {reasons[key]}"))
            continue
        met = "" if target is None else ("yes" if target[1](value, figures) else "no")
        rows.append((key, f"{value:.3f}" if isinstance(value, float) else str(value), target[0] if target else "",
                     met))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    print()
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    print()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
