"""The subprocess runner: argv, stdin, exit codes, stderr noise and the timeout kill.

The "signal-cli" here is a tiny Python program whose behaviour each test scripts; the simulator
tests elsewhere cover the same paths against a full signal-cli stand-in.
"""
from __future__ import annotations

import logging
import sys
import time

import pytest

from signal_api.errors import backend as errors
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
        f"--config={tmp_path / 'cfg'}", "--output=json", "--account=+4915100000001", "send",
        "--message-from-stdin", "--attachment=/tmp/a.png", "--notify-self", "--", "+4915100000002",
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


def test_parser_errors_become_one_plain_line_and_the_usage_goes_to_the_debug_log(tmp_path, caplog):
    # What the real 0.13.19 prints for an option it does not know.
    backend = scripted(tmp_path, (
        "sys.stderr.write('usage: signal-cli send [-h] [-g [GROUP_ID [GROUP_ID ...]]]\\n"
        "                  [-u [USERNAME [USERNAME ...]]] [--note-to-self]\\n"
        "signal-cli: error: unrecognized arguments: \\'--bogus\\'\\n\\nDid you mean:\\n\\t--group\\n'); sys.exit(1)"
    ))
    caplog.set_level(logging.DEBUG, logger="signal_api")
    with pytest.raises(errors.UserError) as caught:
        backend.call("send", account="+4915100000001")
    assert caught.value.message == errors.PARSER_REFUSED
    assert "unrecognized arguments: '--bogus'" in caplog.text
    assert "usage: signal-cli send" in caplog.text


def test_a_java_stack_trace_gives_its_message_line_without_paths(tmp_path, caplog):
    attachment = tmp_path / "data" / "tmp" / "3f1c.png"
    backend = scripted(tmp_path, (
        f"sys.stderr.write('INFO  Main - starting\\n"
        f"Failed to send message: {attachment} (No such file or directory) (FileNotFoundException)\\n"
        f"java.io.FileNotFoundException: {attachment} (No such file or directory)\\n"
        "\\tat java.base/java.io.FileInputStream.open0(Native Method)\\n"
        "\\tat org.asamk.signal.commands.SendCommand.handleCommand(SendCommand.java:228)\\n"
        "Caused by: java.io.IOException: gone\\n'); sys.exit(2)"
    ))
    caplog.set_level(logging.DEBUG, logger="signal_api")
    with pytest.raises(errors.UnexpectedError) as caught:
        backend.call("send", account="+4915100000001")
    assert caught.value.message == "Failed to send message: 3f1c.png (No such file or directory) (FileNotFoundException)"
    assert "SendCommand.java:228" in caplog.text, "the full stderr belongs in the debug log"


def test_a_python_traceback_gives_its_exception_line(tmp_path):
    backend = scripted(tmp_path, "def handle(params):\n    return params['account']\nhandle({})\n")
    with pytest.raises(errors.UserError) as caught:
        backend.call("listGroups", account="+4915100000001")
    assert caught.value.message == "KeyError: 'account'"


@pytest.mark.parametrize("text", [
    "User +4915100000001 is not registered.",
    "Invalid group id: /Vd8s/abc+def==",
    "Failed to send message: Unregistered user \"+4915100000099\"",
])
def test_signal_clis_own_one_line_messages_stay_byte_identical(tmp_path, text):
    backend = scripted(tmp_path, f"sys.stderr.write({text + chr(10)!r}); sys.exit(1)")
    with pytest.raises(errors.UserError) as caught:
        backend.call("listGroups", account="+4915100000001")
    assert caught.value.message == text


def test_the_process_is_killed_at_the_timeout(tmp_path):
    marker = tmp_path / "still-running"
    backend = scripted(tmp_path, f"time.sleep(2); open({str(marker)!r}, 'w').write('x')", timeout=0.5)
    started = time.monotonic()
    with pytest.raises(errors.BackendTimeoutError, match="process killed as timeout reached"):
        backend.call("version")
    assert time.monotonic() - started < 2
    time.sleep(2.5)
    assert not marker.exists(), "the timed-out process kept running"


def test_a_missing_binary_is_backend_unavailable_without_its_path(tmp_path):
    binary = tmp_path / "bin" / "signal-cli"
    backend = CliBackend((str(binary),), tmp_path, timeout=5)
    with pytest.raises(errors.BackendUnavailableError) as caught:
        backend.call("version")
    assert caught.value.message == "Couldn't start signal-cli: No such file or directory"


def test_parse_json_lines_skips_stray_lines():
    assert parse_json_lines('{"a":1}\nINFO x\n\n{"b":2}\n') == [{"a": 1}, {"b": 2}]


def test_holding_intake_ends_a_running_receive_and_keeps_what_it_printed(tmp_path):
    from signal_api.signalcli.base import ReceiveOptions

    backend = scripted(tmp_path, (
        "for i in range(3):\n"
        "    print(json.dumps({'envelope': {'timestamp': i}, 'account': '+4915100000001'}), flush=True)\n"
        "time.sleep(60)\n"
    ), timeout=120)
    handed_over = []

    def handler(messages):
        handed_over.extend(messages)
        if len(handed_over) == 3:
            backend.hold_intake()

    backend.add_message_handler(handler)
    started = time.monotonic()
    assert backend.poll("+4915100000001", ReceiveOptions(timeout=60)) == 3
    assert time.monotonic() - started < 30, "the receive was not ended"
    assert [m["envelope"]["timestamp"] for m in handed_over] == [0, 1, 2]
    # While held, no new receive is started at all.
    runs = tmp_path / "runs"
    backend_log = scripted(tmp_path, f"open({str(runs)!r}, 'a').write('x')")
    backend_log.hold_intake()
    assert backend_log.poll("+4915100000001", ReceiveOptions(timeout=1)) == 0
    assert not runs.exists()
    backend_log.resume_intake()
    assert backend_log.poll("+4915100000001", ReceiveOptions(timeout=1)) == 0
    assert runs.read_text() == "x"

