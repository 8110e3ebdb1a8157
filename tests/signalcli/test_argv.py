"""JSON-RPC style params become the argv the original passes (anchor-api.md section 6)."""
from __future__ import annotations

from signal_api.signalcli.argv import build_invocation, option_name


def argv(method, params=None, account="+4915100000001"):
    return build_invocation(["signal-cli"], "/cfg", method, params, account=account).argv


def test_option_names_are_kebab_case():
    assert option_name("groupId") == "--group-id"
    assert option_name("quoteTimestamp") == "--quote-timestamp"
    assert option_name("viewOnce") == "--view-once"


def test_register_with_voice_and_captcha():
    assert argv("register", {"voice": True, "captcha": "signalcaptcha://x"}) == [
        "signal-cli", "--config", "/cfg", "--output", "json", "-a", "+4915100000001",
        "register", "--voice", "--captcha", "signalcaptcha://x"]


def test_verify_takes_the_code_as_positional():
    assert argv("verify", {"verificationCode": "123456", "pin": "1234"})[-4:] == ["verify", "123456", "--pin", "1234"]


def test_group_send_uses_group_id_and_keeps_option_order():
    invocation = build_invocation(["signal-cli"], "/cfg", "send", {
        "message": "hello", "groupId": "abc=", "textStyle": ["0:5:BOLD"], "mention": ["0:1:+4915100000002"],
        "quoteTimestamp": 1700000000000, "quoteAuthor": "+4915100000002", "notifySelf": True,
    }, account="+4915100000001")
    assert invocation.argv[7:] == [
        "send", "--message-from-stdin", "--group-id", "abc=", "--text-style", "0:5:BOLD",
        "--mention", "0:1:+4915100000002", "--quote-timestamp", "1700000000000",
        "--quote-author", "+4915100000002", "--notify-self"]
    assert invocation.stdin == "hello"


def test_values_that_look_like_options_are_attached():
    assert argv("send", {"recipient": ["+4915100000002"], "quoteMessage": "-x"})[-1] == "--quote-message=-x"


def test_boolean_valued_options_get_true_or_false():
    assert argv("updateAccount", {"discoverableByNumber": False, "numberSharing": True})[-4:] == [
        "--discoverable-by-number", "false", "--number-sharing", "true"]


def test_multi_account_commands_have_no_account():
    assert argv("listAccounts", account=None) == ["signal-cli", "--config", "/cfg", "--output", "json", "listAccounts"]


def test_a_nul_in_an_argument_is_a_user_error_not_a_crash():
    # Popen cannot take a NUL in argv; the message text (stdin) may contain one.
    import pytest

    from signal_api.signalcli.errors import UserError

    with pytest.raises(UserError, match="NUL character"):
        build_invocation(["signal-cli"], "/cfg", "sendPinMessage", {"targetAuthor": "a\0b"}, account="+491")
    invocation = build_invocation(["signal-cli"], "/cfg", "send", {"message": "a\0b", "recipient": ["+492"]},
                                  account="+491")
    assert invocation.stdin == "a\0b"
