"""What the command-line builder relies on, asserted against the real signal-cli 0.13.19 parser.

``signal_api/signalcli/argv.py`` chooses its forms from these facts; if a signal-cli upgrade
changed one of them, the builder would have to change with it, and this file says which.
"""
from __future__ import annotations

import pytest

from signal_api.signalcli.argv import reads_as_value
from tests.conformance.real_parser import RealParser, real_parser  # noqa: F401 (fixture)

HEAD = ["--config=/tmp/facts", "--account=+4915112345678", "send"]
TOKENS = ["a", "-", "--", "-x", "--x", "-1", "-12", "-0", "-1.5", "-.5", "-1e5", "-١", "-5\n", "-1 ", " -1", "-x y",
          "@x", "=x", "", " ", "\n-x", "--attachment=/etc/passwd", "-a/etc/passwd", "-mhi", "－x"]


def test_repeated_list_options_keep_only_the_last_list(real_parser):  # noqa: F811
    """So a list cannot be ``--flag=v1 --flag=v2``."""
    (reading,) = real_parser.parse([[*HEAD, "--mention=0:1:a", "--mention=2:1:b"]])
    assert reading.set["mention"] == ["2:1:b"]


def test_an_attached_list_value_takes_only_one_value(real_parser):  # noqa: F811
    """So a list cannot be ``--flag=v1 v2``: v2 would become a recipient."""
    (reading,) = real_parser.parse([[*HEAD, "--mention=0:1:a", "2:1:b"]])
    assert (reading.set["mention"], reading.set["recipient"]) == (["0:1:a"], ["2:1:b"])


def test_reads_as_value_is_the_real_parsers_test(real_parser):  # noqa: F811
    readings = real_parser.parse([[*HEAD, "--mention", "0:1:a", token] for token in TOKENS])
    for token, reading in zip(TOKENS, readings):
        read_as_value = reading.error is None and reading.set.get("mention") == ["0:1:a", token]
        assert read_as_value == reads_as_value(token), (token, reading)


def test_an_attached_value_is_always_the_value(real_parser):  # noqa: F811
    readings = real_parser.parse([[*HEAD, f"--quote-message={token}"] for token in TOKENS])
    assert [r.set.get("quote_message") if r.error is None else r.error for r in readings] == TOKENS


def test_after_a_double_dash_every_token_is_a_positional_and_logging_reads_nothing(real_parser):  # noqa: F811
    tokens = [t for t in TOKENS if t] + ["-v", "--log-file=/tmp/x", "--scrub-log", "--verbose"]
    (reading,) = real_parser.parse([[*HEAD, "--message-from-stdin", "--", *tokens]])
    assert reading.set["recipient"] == tokens
    assert reading.logging_untouched, reading.logging


def test_the_logging_pre_parser_reads_options_anywhere_before_a_double_dash(real_parser):  # noqa: F811
    """Why no value may stand alone before ``--``: signal-cli's first parser would read it."""
    (reading,) = real_parser.parse([[*HEAD, "--message", "x", "--log-file=/tmp/x"]])
    assert reading.logging["log_file"] == "/tmp/x" and reading.error is not None


def test_a_missing_javac_fails_the_run_saying_so(tmp_path, monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="javac"):
        RealParser(tmp_path)
