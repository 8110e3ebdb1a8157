"""The ``signal-api`` command: ``serve`` (gunicorn, one gevent worker) and the operator's subcommands,
``tokens create|list|revoke`` among them (the API tokens of ``SIGNAL_API_AUTH=token``).

The subcommands' work lives in :mod:`signal_api.operator`; this module only parses the command line.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from signal_api.config import Config
from signal_api.operator import commands as operator

GUNICORN_CONF = Path(__file__).resolve().parent / "gunicorn_conf.py"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = argparse.ArgumentParser(prog="signal-api", description="HTTP API for Signal Messenger (signal-cli)")
    commands = parser.add_subparsers(dest="command", required=True)
    parser.add_argument("--version", action="version", version=operator.version_text())
    commands.add_parser("serve", help="serve the API with gunicorn (one gevent worker)")
    commands.add_parser("check-config", help="check everything start-up checks (and run signal-cli --version); "
                                             "print the effective settings and every problem")
    commands.add_parser("migrate", help="create or upgrade the service's database in SIGNAL_API_DATA_DIR")
    commands.add_parser("accounts", help="list the registered accounts, one number per line")
    openapi = commands.add_parser("openapi", help="write the OpenAPI document (as /swagger/doc.json serves it)")
    openapi.add_argument("file", nargs="?", help="where to write it (default: standard output)")
    link = commands.add_parser("link", help="link this service as a new device of a phone's account (QR code)")
    link.add_argument("--device-name", required=True, help="the name the phone shows for this device")
    table = commands.add_parser("config-table", help="print the README's configuration table")
    table.add_argument("--write", metavar="FILE", help="rewrite the table inside FILE (the README) instead")
    add_token_commands(commands)
    args = parser.parse_args(argv)
    if args.command == "check-config":
        return operator.check_config()
    if args.command == "config-table":
        return operator.config_table(args.write)
    config = operator.load_config()
    if config is None:
        return 2
    if args.command == "migrate":
        return migrate(config)
    if args.command == "accounts":
        return operator.accounts(config)
    if args.command == "openapi":
        return operator.openapi(config, args.file)
    if args.command == "link":
        return operator.link(config, args.device_name)
    if args.command == "tokens":
        return tokens(config, args)
    return serve(config)


def migrate(config: Config) -> int:
    """Apply the pending migrations and say which."""
    from signal_api.operator.checks import startup_problems
    from signal_api.storage.inbox import connect
    from signal_api.storage.migrate import apply_migrations, current_version

    problems = [p for p in startup_problems(config) if p.variable == "SIGNAL_API_DATA_DIR"]
    for problem in problems:
        print(f"signal-api: cannot migrate: {problem}", file=sys.stderr)
    if problems:
        return 2
    config.data_dir.mkdir(parents=True, exist_ok=True)
    db = connect(config.database_path)
    applied = apply_migrations(db)
    print(f"{config.database_path}: schema version {current_version(db)}"
          + (f" (applied {', '.join(map(str, applied))})" if applied else " (up to date)"))
    db.close()
    return 0


def add_token_commands(commands: argparse._SubParsersAction) -> None:
    """``tokens create|list|revoke``."""
    from signal_api.access.tokens import SCOPES

    tokens_parser = commands.add_parser("tokens", help="create, list and revoke API tokens (SIGNAL_API_AUTH=token)")
    actions = tokens_parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a token and print it (on the last line; shown only once)")
    create.add_argument("name", help="a name for the token (letters, digits, '.', '_', '-')")
    create.add_argument("--account", action="append", default=[], metavar="NUMBER",
                        help="an account the token may act for (repeat for several; default: every account)")
    create.add_argument("--scope", action="append", default=[], choices=SCOPES,
                        help="a scope the token has (repeat for several; default: every scope)")
    create.add_argument("--rate", metavar="N/s", help="at most N requests per second (or N/m, N/h)")
    actions.add_parser("list", help="list the tokens (never the tokens themselves)")
    revoke = actions.add_parser("revoke", help="revoke a token; a running service refuses it at once")
    revoke.add_argument("name")


def tokens(config: Config, args: argparse.Namespace) -> int:
    """Run one ``tokens`` action on the service's database."""
    from signal_api.access.tokens import TokenError, TokenStore
    from signal_api.storage.inbox import Inbox

    inbox = Inbox(config.database_path)  # opens (and migrates) the service's database
    store = TokenStore(inbox.execute)
    try:
        if args.action == "create":
            token = store.create(args.name, accounts=args.account, scopes=args.scope, rate=args.rate)
            print(f"Created token {args.name!r}. It is shown only this once; keep it secret:")
            print(token)
        elif args.action == "list":
            print_tokens(store.list())
        else:
            store.revoke(args.name)
            print(f"Revoked token {args.name!r}.")
    except TokenError as exc:
        print(f"signal-api tokens: {exc}", file=sys.stderr)
        return 1
    finally:
        inbox.close()
    if config.auth != "token" and args.action == "create":
        print("Note: tokens are checked only with SIGNAL_API_AUTH=token (now: none).", file=sys.stderr)
    return 0


def print_tokens(tokens: list) -> None:  # list[Token]
    """The tokens as a table: name, accounts, scopes, rate, created, last used."""
    rows = [("NAME", "ACCOUNTS", "SCOPES", "RATE", "CREATED", "LAST USED")]
    for token in tokens:
        rows.append((token.name, ",".join(token.accounts) if token.accounts else "(every)",
                     ",".join(token.scopes) if token.scopes else "(every)", str(token.rate or "-"),
                     _when(token.created_at), _when(token.last_used_at)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def _when(ms: int | None) -> str:
    if ms is None:
        return "never"
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(ms / 1000))


def serve(config: Config) -> int:
    """Replace this process with gunicorn serving ``wsgi:app``, unless a start-up check fails."""
    from signal_api.operator.checks import startup_problems

    problems = startup_problems(config)
    for problem in problems:
        print(f"signal-api: cannot start: {problem}", file=sys.stderr)
    if problems:
        return 2
    os.environ.setdefault("PORT", str(config.port))
    argv = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "signal_api.wsgi:app"]
    os.execv(sys.executable, argv)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
