"""Apply the numbered SQL files of ``migrations/`` to a database (forward only).

The schema version is SQLite's ``PRAGMA user_version``; file ``NNNN_name.sql`` brings the
database to version NNNN. Each file runs in its own transaction.
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


def apply_migrations(connection: sqlite3.Connection, folder: Path | None = None) -> list[int]:
    """Bring the database up to the newest version; return the versions applied."""
    applied = []
    version = current_version(connection)
    for number, path in available(folder):
        if number <= version:
            continue
        script = path.read_text()
        # executescript commits first; wrap the file and the version bump in one transaction.
        connection.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        applied.append(number)
    return applied
