"""The simulator reads group ids and phone numbers as signal-cli 0.13.19's own classes do, and
refuses them with the same texts (run through ``TextsProbe.java`` on the real jars).

These texts reach clients verbatim (the original passes signal-cli's error through), so the
simulator's must be the real ones.
"""
from __future__ import annotations

import base64
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from signal_api.simulator import network
from signal_api.simulator.errors import UserError
from tests.conformance.real_parser import LIB
from tests.conformance.real_signal_cli import JAVA_HOME, real_command

PROBE_SOURCE = Path(__file__).with_name("TextsProbe.java")
LOCAL_NUMBER = "+4915100000001"  # the probe's account number


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """Ask the real classes about a batch of (kind, value): [("OK", result) | ("ERR", message)]."""
    real_command()  # fails the test when the real signal-cli is not installed
    javac = shutil.which("javac")
    if javac is None:
        pytest.fail("javac (JDK 17 or later) is needed to compile tests/conformance/TextsProbe.java")
    classes = tmp_path_factory.mktemp("texts-probe")
    compiled = subprocess.run([javac, "--release", "17", "-d", str(classes), str(PROBE_SOURCE)],
                              capture_output=True, text=True, timeout=300)
    assert compiled.returncode == 0, compiled.stderr

    def ask(queries: list[tuple[str, str]]) -> list[tuple[str, str]]:
        stdin = "".join(f"{kind} {base64.b64encode(value.encode()).decode()}\n" for kind, value in queries)
        result = subprocess.run([str(JAVA_HOME / "bin" / "java"), "-cp", f"{classes}:{LIB}/*", "TextsProbe"],
                                input=stdin.encode(), capture_output=True, timeout=300,
                                env={**os.environ, "COLUMNS": "80"})
        assert result.returncode == 0, result.stderr.decode()[-3000:]
        answers = [line.split(" ", 1) for line in result.stdout.decode().splitlines()]
        assert len(answers) == len(queries)
        return [(status, base64.b64decode(text).decode()) for status, text in answers]

    return ask


GROUP_IDS = ["", "a", "=", "==", "foo", "Zm9v", "Zm9vYmFy", "fooba", "Zg", "Zg=", "Zg==", "Zg===", "Zm8==",
             "Zg==Zg", "Zm9v YmFy", "not a group", "é", "日本", "-x", "a" * 32,
             base64.b64encode(bytes(16)).decode(), base64.b64encode(bytes(32)).decode(),
             base64.b64encode(bytes(32)).decode().rstrip("=")]


def simulated_group_id(text: str) -> tuple[str, str]:
    try:
        return "OK", network.parse_group_id(text)
    except UserError as exc:
        return "ERR", exc.message


def test_group_ids_are_read_and_refused_as_signal_cli_does(real):
    rng = random.Random(9)
    alphabet = "ABCabcxyz0189+/=-_ é?"
    values = GROUP_IDS + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(400)]
    expected = real([("group", value) for value in values])
    assert [simulated_group_id(value) for value in values] == expected


# Values the real formatter refuses, and numbers it reads the same without knowing the account.
RECIPIENTS = ["", " ", "abc", "a@b", "+49 151 00000002", "+49-151-00000002", "+4915100000002", "(+49) 151 000"]


def test_recipients_are_read_and_refused_as_signal_cli_does(real):
    expected = real([("recipient", value) for value in RECIPIENTS])
    simulated = []
    for value in RECIPIENTS:
        try:
            _, number = network.parse_recipient(value)
            simulated.append(("OK", f"Number[number={number}]"))
        except UserError as exc:
            simulated.append(("ERR", exc.message))
    assert simulated == expected


NUMBERS = ["", "abc", "a@b", " 4915100000002", "4915100000002", "0151 00000002", "00491510000000", "12",
           "+49abc", "+", "+49 151 00000002", "＋4915100000002"]


def test_numbers_are_completed_with_the_accounts_country_code_as_signal_cli_does(real):
    # getUserStatus reads its numbers this way (and looks up a refused one as nothing).
    expected = real([("number", value) for value in NUMBERS])
    simulated = []
    for value in NUMBERS:
        try:
            simulated.append(("OK", network.format_number(value, LOCAL_NUMBER)))
        except network.InvalidNumber as exc:
            simulated.append(("ERR", str(exc)))
    assert simulated == expected
