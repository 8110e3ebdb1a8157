"""The token store and ``signal-api tokens``: create, list, revoke; stored hashed, never in clear."""
from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signal_api import cli
from signal_api.access.tokens import TokenError, TokenStore
from signal_api.storage.inbox import Inbox
from tests.access.conftest import A, B


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNAL_API_DATA_DIR", str(tmp_path / "api"))
    monkeypatch.setenv("SIGNAL_CLI_CONFIG_DIR", str(tmp_path / "signal-cli"))
    monkeypatch.setenv("SIGNAL_API_AUTH", "token")
    return tmp_path / "api" / "signal-api.db"


def run_cli(capsys, *args: str) -> tuple[int, list[str], str]:
    code = cli.main(["tokens", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def store_of(db_path) -> TokenStore:
    return TokenStore(Inbox(db_path).execute)


def test_create_prints_the_token_alone_on_its_last_line_and_it_authenticates(env, capsys):
    code, lines, _ = run_cli(capsys, "create", "bot", "--account", A, "--scope", "send", "--scope", "receive",
                             "--rate", "5/s")
    assert code == 0
    token = lines[-1]
    assert token.startswith("sapi_") and " " not in token
    checked = store_of(env).authenticate(token)
    assert checked is not None and checked.name == "bot"
    assert checked.accounts == (A,) and checked.scopes == ("send", "receive") and str(checked.rate) == "5/s"


def test_without_account_or_scope_a_token_may_do_everything(env, capsys):
    token = run_cli(capsys, "create", "ops")[1][-1]
    checked = store_of(env).authenticate(token)
    assert checked.accounts is None and checked.scopes is None and checked.rate is None
    assert checked.has_account(B) and all(checked.has_scope(s) for s in ("send", "receive", "manage", "admin"))


def test_list_shows_each_tokens_settings_and_never_the_token(env, capsys):
    bot = run_cli(capsys, "create", "bot", "--account", A, "--account", B, "--scope", "send", "--rate", "2/m")[1][-1]
    ops = run_cli(capsys, "create", "ops")[1][-1]
    store_of(env).authenticate(bot)  # marks it used
    code, lines, _ = run_cli(capsys, "list")
    assert code == 0
    assert lines[0].split() == ["NAME", "ACCOUNTS", "SCOPES", "RATE", "CREATED", "LAST", "USED"]
    bot_row, ops_row = lines[1].split(), lines[2].split()
    assert bot_row[:4] == ["bot", f"{A},{B}", "send", "2/m"] and bot_row[-1] != "never"
    assert ops_row[:4] == ["ops", "(every)", "(every)", "-"] and ops_row[-1] == "never"
    text = "\n".join(lines)
    for token in (bot, ops):
        secret = token.split("_", 2)[2]  # the secret itself may contain "_"
        assert len(secret) == 43 and token not in text and secret not in text


def test_revoke_refuses_the_token_and_a_second_revoke_fails(env, capsys):
    token = run_cli(capsys, "create", "bot")[1][-1]
    store = store_of(env)
    assert store.authenticate(token) is not None
    assert run_cli(capsys, "revoke", "bot")[0] == 0
    assert store.authenticate(token) is None  # the same open store: nothing cached
    code, _, err = run_cli(capsys, "revoke", "bot")
    assert code == 1 and "no token named 'bot'" in err
    assert [t.name for t in store.list()] == []


@pytest.mark.parametrize(("args", "message"), [
    (["bot", "--account", "4915100000001"], "invalid account"),
    (["bot", "--rate", "0/s"], "invalid rate"),
    (["bot", "--rate", "lots"], "invalid rate"),
    (["bad name"], "invalid token name"),
    (["-x"], None),  # argparse: not a name
])
def test_bad_arguments_are_refused_with_a_reason(env, capsys, args, message):
    if message is None:
        with pytest.raises(SystemExit):
            cli.main(["tokens", "create", *args])
        return
    code, _, err = run_cli(capsys, "create", *args)
    assert code == 1 and message in err


def test_an_unknown_scope_is_refused_by_the_command_line(env, capsys):
    with pytest.raises(SystemExit):
        cli.main(["tokens", "create", "bot", "--scope", "everything"])
    assert "invalid choice" in capsys.readouterr().err


def test_a_name_is_taken_until_revoked(env, capsys):
    assert run_cli(capsys, "create", "bot")[0] == 0
    code, _, err = run_cli(capsys, "create", "bot")
    assert code == 1 and "exists already" in err
    run_cli(capsys, "revoke", "bot")
    assert run_cli(capsys, "create", "bot")[0] == 0


def test_the_database_file_holds_no_token_in_clear(env, capsys):
    tokens = [run_cli(capsys, "create", f"t{i}", "--account", A)[1][-1] for i in range(3)]
    store_of(env).authenticate(tokens[0])
    db = sqlite3.connect(env)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    files = [env, env.with_name(env.name + "-wal")]
    data = b"".join(path.read_bytes() for path in files if path.exists())
    assert b"t0" in data  # the rows are there...
    for token in tokens:
        secret = token.split("_", 2)[2]  # the secret is base64url: it may hold "_" itself
        assert len(secret) == 43
        assert token.encode() not in data and secret.encode() not in data  # ...but not the tokens


def test_tokens_differ_and_a_token_for_one_row_does_not_open_another(env):
    store = store_of(env)
    first, second = store.create("one"), store.create("two")
    assert first != second
    forged = "_".join(first.split("_", 2)[:2] + second.split("_", 2)[2:])  # row of one, secret of two
    assert store.authenticate(forged) is None
    assert store.authenticate(first).name == "one" and store.authenticate(second).name == "two"


@pytest.fixture(scope="module")
def one_token_store(tmp_path_factory) -> tuple[TokenStore, str]:
    store = TokenStore(Inbox(tmp_path_factory.mktemp("db") / "signal-api.db").execute)
    return store, store.create("real")


@settings(max_examples=300, deadline=None)
@given(presented=st.one_of(st.text(), st.from_regex(r"sapi_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", fullmatch=True)))
def test_any_presented_text_but_the_token_is_refused_without_an_error(one_token_store, presented):
    store, real = one_token_store
    assert (store.authenticate(presented) is not None) == (presented == real)


def test_last_used_is_written_at_most_once_a_minute(tmp_path):
    now = [1_000.0]
    store = TokenStore(Inbox(tmp_path / "signal-api.db").execute, clock=lambda: now[0])
    token = store.create("bot")
    store.authenticate(token)
    assert store.list()[0].last_used_at == 1_000_000
    now[0] += 30
    store.authenticate(token)
    assert store.list()[0].last_used_at == 1_000_000
    now[0] += 31
    store.authenticate(token)
    assert store.list()[0].last_used_at == 1_061_000


def test_store_errors_name_the_problem(tmp_path):
    store = TokenStore(Inbox(tmp_path / "signal-api.db").execute)
    with pytest.raises(TokenError, match="invalid scope"):
        store.create("bot", scopes=["root"])
