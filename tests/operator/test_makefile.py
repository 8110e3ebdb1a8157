"""`make run` installs only what serving needs and says so; `make test` adds the test tools."""
from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def planned(target: str, tmp_path: Path) -> list[str]:
    """The commands make would run for ``target`` on a machine without a venv (make -n)."""
    result = subprocess.run(["make", "--no-print-directory", "-n", "-C", str(ROOT), target,
                             f"VENV={tmp_path / 'venv'}"],
                            capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.splitlines()


def pip_installs(commands: list[str]) -> list[str]:
    return [c for c in commands if " -m pip install " in c and "--upgrade pip" not in c]


def test_make_run_installs_the_package_without_the_test_extra_and_shows_progress(tmp_path):
    commands = planned("run", tmp_path)
    installs = pip_installs(commands)
    assert installs and all(c.rstrip().endswith("-e .") for c in installs), installs
    # pip shows what it fetches (the slow part); compiling the bytecode after it is quick and quiet.
    assert not any("--quiet" in c or "-q " in c for c in installs)
    assert any(c.startswith("echo") and "installing" in c for c in commands)
    assert commands[-1].endswith("signal-api serve")


def test_make_test_adds_the_test_tools(tmp_path):
    installs = pip_installs(planned("test", tmp_path))
    assert any("'.[test]'" in c for c in installs), installs
