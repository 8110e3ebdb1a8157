"""``python -m benchmarks --quick`` (what ``make bench`` runs, shortened) completes and reports every figure.

It checks that the benchmarks run and what they print, never how fast anything was.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.__main__ import KEYS, NOT_MEASURABLE

ROOT = Path(__file__).resolve().parents[1]


def test_quick_run_prints_a_bench_line_with_every_figure(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--results", str(results)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    last = proc.stdout.rstrip("\n").splitlines()[-1]
    assert last.startswith("BENCH ")
    figures = json.loads(last.removeprefix("BENCH "))
    assert list(figures)[:len(KEYS)] == list(KEYS)
    measured = {key: value for key, value in figures.items() if key in KEYS and key not in NOT_MEASURABLE}
    assert all(isinstance(value, (int, float)) for value in measured.values()), measured
    assert figures["fanout_lost"] == 0 and figures["fanout_subscribers"] > 0
    for key, reason in NOT_MEASURABLE.items():
        assert figures[key] is None
        assert f"not measured: {reason}" in proc.stdout
    written = json.loads(results.read_text())
    assert {key: written[key] for key in figures} == figures
    assert written["_run"]["quick"] is True
