"""The subprocess runner: argv, stdin, exit codes, stderr noise and the timeout kill.

The "signal-cli" here is a tiny Python program whose behaviour each test scripts; the simulator
tests elsewhere cover the same paths against a full signal-cli stand-in.
"""
from __future__ import annotations

import json
import sys
import time

import pytest

from signal_api.signalcli import errors
from signal_api.signalcli.cli import CliBackend, parse_json_lines


def scripted(tmp_path, body: str, timeout: float = 10.0) -> CliBackend:
    script = tmp_path / "fake_signal_cli.py"
    script.write_text("import sys, json, time\nargv = sys.argv[1:]\n" + body)
    return CliBackend((sys.executable, str(script)), tmp_path / "cfg", timeout=timeout)


def test_argv_has_global_options_before_the_command_and_text_on_stdin(tmp_path):
    backend = scripted(tmp_path, "print(json.dumps({'argv': argv, 'stdin': sys.stdin.read()}))")
    result = backend.call("send", {"message": "hi -there", "recipient": ["+4915100000002"],
                                   "attachment": ["/tmp/a.png"], "notifySelf": True}, account="+4915100000001")
    assert result["argv"] == [
        "--config", str(tmp_path / "cfg"), "--output", "json", "-a", "+4915100000001", "send",
        "--message-from-stdin", "+4915100000002", "--attachment", "/tmp/a.png", "--notify-self",
    ]
    assert result["stdin"] == "hi -there"


@pytest.mark.parametrize("code, error_class", [
    (1, errors.UserError),
    (2, errors.UnexpectedError),
    (3, errors.NetworkError),
    (4, errors.UntrustedIdentityError),
    (5, errors.RateLimitError),
    (6, errors.CaptchaRejectedError),
])
def test_each_exit_code_maps_to_its_error(tmp_path, code, error_class):
    backend = scripted(tmp_path, f"sys.stderr.write('INFO  Main - noise\\nthe real problem\\n'); sys.exit({code})")
    with pytest.raises(error_class) as caught:
        backend.call("listGroups", account="+4915100000001")
    if code != 4:
        assert caught.value.message == "the real problem"
    else:
        assert caught.value.message == errors.UNTRUSTED_MESSAGE


def test_stderr_noise_never_corrupts_the_json_result(tmp_path):
    backend = scripted(tmp_path, (
        "sys.stderr.write('WARN  AccountHelper - No profile name set.\\n"
        "Some multi-line warning without a level\\n  continued\\n')\n"
        "print(json.dumps([{'number': '+4915100000001'}]))"
    ))
    assert backend.list_accounts() == ["+4915100000001"]


def test_a_failed_send_keeps_the_printed_result_for_challenge_tokens(tmp_path):
    result = {"timestamp": 1, "results": [{"type": "RATE_LIMIT_FAILURE", "token": "abc"}]}
    backend = scripted(tmp_path, (
        f"print(json.dumps({result!r}))\n"
        "sys.stderr.write('Failed to send message due to rate limiting\\n'); sys.exit(5)"
    ))
    with pytest.raises(errors.RateLimitError) as caught:
        backend.call("send", {"recipient": ["+4915100000002"], "message": "x"}, account="+4915100000001")
    assert caught.value.challenge_tokens == ["abc"]


def test_argparse_errors_keep_the_error_line_not_the_usage_block(tmp_path):
    backend = scripted(tmp_path, (
        "sys.stderr.write('usage: signal-cli [-h] ...\\n       more usage\\n"
        "signal-cli: error: argument -t/--target-timestamp is required\\n'); sys.exit(1)"
    ))
    with pytest.raises(errors.UserError, match="^signal-cli: error: argument -t/--target-timestamp is required$"):
        backend.call("remoteDelete", account="+4915100000001")


def test_the_process_is_killed_at_the_timeout(tmp_path):
    marker = tmp_path / "still-running"
    backend = scripted(tmp_path, f"time.sleep(2); open({str(marker)!r}, 'w').write('x')", timeout=0.5)
    started = time.monotonic()
    with pytest.raises(errors.BackendTimeoutError, match="process killed as timeout reached"):
        backend.call("version")
    assert time.monotonic() - started < 2
    time.sleep(2.5)
    assert not marker.exists(), "the timed-out process kept running"


def test_a_missing_binary_is_backend_unavailable(tmp_path):
    backend = CliBackend(("/nonexistent/signal-cli",), tmp_path, timeout=5)
    with pytest.raises(errors.BackendUnavailableError):
        backend.call("version")


def test_parse_json_lines_skips_stray_lines():
    assert parse_json_lines('{"a":1}\nINFO x\n\n{"b":2}\n') == [{"a": 1}, {"b": 2}]
