"""JSON-RPC style params become signal-cli command lines in which every value stays a value.

The forms are checked against the real signal-cli's parser in tests/conformance; these tests pin
the argv itself and the refusals.
"""
from __future__ import annotations

import pytest

from signal_api.signalcli.argv import MAX_ARGUMENT_BYTES, ArgumentValueError, build_invocation, option_name

A = "+4915100000001"


def argv(method, params=None, account=A):
    return build_invocation(["signal-cli"], "/cfg", method, params, account=account).argv


def test_option_names_are_kebab_case():
    assert option_name("groupId") == "--group-id"
    assert option_name("quoteTimestamp") == "--quote-timestamp"
    assert option_name("viewOnce") == "--view-once"


def test_global_options_are_attached_to_their_flags():
    assert argv("register", {"voice": True, "captcha": "signalcaptcha://x"}) == [
        "signal-cli", "--config=/cfg", "--output=json", f"--account={A}",
        "register", "--voice", "--captcha=signalcaptcha://x"]


def test_an_account_that_looks_like_an_option_is_the_account():
    assert argv("listGroups", account="--help")[3] == "--account=--help"


def test_positionals_come_last_after_a_double_dash():
    assert argv("verify", {"verificationCode": "123456", "pin": "1234"})[-4:] == [
        "verify", "--pin=1234", "--", "123456"]
    assert argv("setPin", {"pin": "-1"})[-3:] == ["setPin", "--", "-1"]
    assert argv("send", {"message": "x", "recipient": ["+4915100000002", "--attachment=/etc/passwd"]})[-4:] == [
        "--message-from-stdin", "--", "+4915100000002", "--attachment=/etc/passwd"]


def test_no_double_dash_without_positionals():
    assert "--" not in argv("sendTyping", {"groupId": "abc=", "stop": True})


def test_group_send_keeps_option_order_and_message_on_stdin():
    invocation = build_invocation(["signal-cli"], "/cfg", "send", {
        "message": "hello", "groupId": "abc=", "textStyle": ["0:5:BOLD"], "mention": ["0:1:+4915100000002"],
        "quoteTimestamp": 1700000000000, "quoteAuthor": "+4915100000002", "notifySelf": True,
    }, account=A)
    assert invocation.argv[4:] == [
        "send", "--message-from-stdin", "--group-id=abc=", "--text-style=0:5:BOLD",
        "--mention=0:1:+4915100000002", "--quote-timestamp=1700000000000",
        "--quote-author=+4915100000002", "--notify-self"]
    assert invocation.stdin == "hello"


@pytest.mark.parametrize("value", ["-x", "--attachment=/etc/passwd", "=", "@/etc/passwd", " a\nb ", "", "-1"])
def test_a_scalar_value_is_one_token_with_its_flag(value):
    assert argv("send", {"recipient": ["+4915100000002"], "quoteMessage": value})[-3] == f"--quote-message={value}"


def test_a_list_of_one_is_attached_whatever_it_holds():
    assert argv("send", {"username": ["--attachment=/etc/passwd"]})[-1] == "--username=--attachment=/etc/passwd"


def test_a_longer_list_follows_its_flag_when_every_entry_reads_as_a_value():
    entries = ["a", "-", "-12", " -x", "b=c", "@file", ""]
    line = argv("sendPollCreate", {"recipient": ["+4915100000002"], "question": "q", "option": entries})
    assert line[line.index("--option"):] == ["--option", *entries, "--", "+4915100000002"]


@pytest.mark.parametrize("entry", ["--no-multi", "-x", "-1.5", "-1 ", "-١", "--", "-5\n"])
def test_a_longer_list_with_an_option_like_entry_is_refused_naming_the_field(entry):
    with pytest.raises(ArgumentValueError) as refused:
        argv("sendPollCreate", {"recipient": ["+4915100000002"], "question": "q", "option": ["a", entry]})
    assert str(refused.value).startswith("Couldn't process request - answers: ")


def test_username_recipients_are_named_recipients():
    with pytest.raises(ArgumentValueError, match="^Couldn't process request - recipients: "):
        argv("send", {"message": "x", "username": ["bob.12", "--attachment=/tmp/secret.txt"]})


def test_boolean_valued_options_get_true_or_false():
    assert argv("updateAccount", {"discoverableByNumber": False, "numberSharing": True})[-2:] == [
        "--discoverable-by-number=false", "--number-sharing=true"]


def test_multi_account_commands_have_no_account():
    assert argv("listAccounts", account=None) == ["signal-cli", "--config=/cfg", "--output=json", "listAccounts"]


def test_link_and_its_device_name():
    line = build_invocation(["signal-cli"], "/cfg", "link", {"name": "-n evil"}).argv
    assert line == ["signal-cli", "--config=/cfg", "link", "--name=-n evil"]


def test_a_nul_in_an_argument_is_refused_naming_the_field():
    with pytest.raises(ArgumentValueError, match="^Couldn't process request - target_author: .*NUL"):
        build_invocation(["signal-cli"], "/cfg", "sendPinMessage", {"targetAuthor": "a\0b"}, account=A)
    with pytest.raises(ArgumentValueError, match="^Couldn't process request - number: .*NUL"):
        build_invocation(["signal-cli"], "/cfg", "listGroups", {}, account="+49\0")
    # The message text goes through stdin, which may hold a NUL.
    invocation = build_invocation(["signal-cli"], "/cfg", "send", {"message": "a\0b", "recipient": ["+492"]},
                                  account=A)
    assert invocation.stdin == "a\0b"


@pytest.mark.parametrize("method, params, field", [
    ("send", {"message": "x\ud800", "recipient": ["+492"]}, "message"),
    ("send", {"message": "x", "recipient": ["+492\udfff"]}, "recipients"),
    ("updateGroup", {"name": "\udc80"}, "name"),
    ("updateGroup", {"member": ["+491", "\ud83d"]}, "members"),
])
def test_a_lone_surrogate_is_refused_naming_the_field(method, params, field):
    with pytest.raises(ArgumentValueError, match=f"^Couldn't process request - {field}: .*surrogate"):
        argv(method, params)


def test_a_value_longer_than_the_kernel_takes_is_refused_naming_the_field():
    assert argv("updateGroup", {"description": "x" * 10_000})[-1] == "--description=" + "x" * 10_000
    with pytest.raises(ArgumentValueError, match="^Couldn't process request - description: .*too long"):
        argv("updateGroup", {"description": "x" * MAX_ARGUMENT_BYTES})


def test_too_many_values_for_one_command_line_are_refused_naming_the_field():
    recipients = [f"+49151{i:08d}" for i in range(200_000)]
    with pytest.raises(ArgumentValueError, match="^Couldn't process request - recipients: .*too long"):
        argv("send", {"message": "x", "recipient": recipients})


def test_the_daemon_command_line_is_built_the_same_way(tmp_path):
    from signal_api.config import JsonRpcDaemonOptions
    from signal_api.signalcli.daemon import daemon_argv

    options = JsonRpcDaemonOptions(ignore_attachments=True, trust_new_identities="always")
    assert daemon_argv(["signal-cli"], tmp_path, tmp_path / "s.sock", options) == [
        "signal-cli", f"--config={tmp_path}", "--output=json", "--trust-new-identities=always", "daemon",
        f"--socket={tmp_path / 's.sock'}", "--receive-mode=on-connection", "--no-receive-stdout",
        "--ignore-attachments"]
