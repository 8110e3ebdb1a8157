"""The ``signal-api`` command: ``serve`` (gunicorn, one gevent worker) and ``check-config``."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from signal_api.config import Config, ConfigError

GUNICORN_CONF = Path(__file__).resolve().parent / "gunicorn_conf.py"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = argparse.ArgumentParser(prog="signal-api", description="HTTP API for Signal Messenger (signal-cli)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the API with gunicorn (one gevent worker)")
    commands.add_parser("check-config", help="validate the environment and print the effective settings")
    commands.add_parser("migrate", help="create or upgrade the service's database in SIGNAL_API_DATA_DIR")
    args = parser.parse_args(argv)
    try:
        config = Config.from_env()
    except ConfigError as exc:
        print(f"signal-api: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "check-config":
        print(config)
        return 0
    if args.command == "migrate":
        return migrate(config)
    return serve(config)


def migrate(config: Config) -> int:
    """Apply the pending migrations and say which."""
    from signal_api.storage.inbox import connect
    from signal_api.storage.migrate import apply_migrations, current_version

    db = connect(config.database_path)
    applied = apply_migrations(db)
    print(f"{config.database_path}: schema version {current_version(db)}"
          + (f" (applied {', '.join(map(str, applied))})" if applied else " (up to date)"))
    db.close()
    return 0


def serve(config: Config) -> int:
    """Replace this process with gunicorn serving ``wsgi:app``."""
    os.environ.setdefault("PORT", str(config.port))
    argv = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "signal_api.wsgi:app"]
    os.execv(sys.executable, argv)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
