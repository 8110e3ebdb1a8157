"""Apply the numbered SQL files of ``migrations/`` to a database (forward only).

The schema version is SQLite's ``PRAGMA user_version``; file ``NNNN_name.sql`` brings the
database to version NNNN. Each file runs in its own write transaction, which first reads the
version again: workers starting together (``WORKERS`` > 1) apply each file once, the others wait
for it and then find it applied.
"""
from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")


def migrations_dir() -> Path:
    """The folder of SQL files: the checkout's ``migrations/`` or the installed copy."""
    checkout = Path(__file__).resolve().parents[2] / "migrations"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "signal-api" / "migrations"


def available(folder: Path | None = None) -> list[tuple[int, Path]]:
    """(version, file) pairs in version order; refuses gaps and duplicates."""
    folder = folder or migrations_dir()
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    found.sort()
    versions = [v for v, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations in {folder} must be numbered 0001, 0002, ... without gaps: {versions}")
    return found


def current_version(connection: sqlite3.Connection) -> int:
    """The schema version of an open database."""
    return connection.execute("PRAGMA user_version").fetchone()[0]


# How long a starting worker waits for another one's migration (a fresh database takes well under 1 s).
MIGRATION_WAIT_MS = 60_000


def apply_migrations(connection: sqlite3.Connection, folder: Path | None = None) -> list[int]:
    """Bring the database up to the newest version; return the versions this call applied."""
    applied = []
    pending = [(number, path) for number, path in available(folder) if number > current_version(connection)]
    if not pending:
        return applied
    busy_timeout = connection.execute("PRAGMA busy_timeout").fetchone()[0]
    connection.execute(f"PRAGMA busy_timeout = {MIGRATION_WAIT_MS}")
    try:
        for number, path in pending:
            if _apply(connection, number, path.read_text()):
                applied.append(number)
    finally:
        connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout)}")
    return applied


def _apply(connection: sqlite3.Connection, number: int, script: str) -> bool:
    # executescript would commit at once; statement by statement the file, the version bump and
    # the check before them share one transaction (SQLite's DDL is transactional).
    connection.execute("BEGIN IMMEDIATE")
    try:
        if current_version(connection) >= number:
            connection.execute("COMMIT")
            return False  # another process applied it while this one waited
        for statement in statements(script):
            connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {number}")
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return True


def statements(script: str) -> list[str]:
    """The complete SQL statements of a script, in order (comments and blank lines dropped)."""
    found, pending = [], ""
    for line in script.splitlines(keepends=True):
        if not pending and (not line.strip() or line.lstrip().startswith("--")):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            found.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement at the end of a migration: {pending.strip()[:80]!r}")
    return found
