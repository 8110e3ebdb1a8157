"""Numbered SQL migrations: an empty database and a previous-version one both reach the newest."""
from __future__ import annotations

import sqlite3

from signal_api.storage.migrate import apply_migrations, available, current_version


def tables(db):
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_an_empty_database_gets_every_migration(tmp_path):
    db = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    newest = available()[-1][0]
    assert apply_migrations(db) == list(range(1, newest + 1))
    assert current_version(db) == newest
    assert {"messages", "consumer_cursors", "webhook_deliveries"} <= tables(db)
    assert apply_migrations(db) == []  # idempotent


def test_a_previous_version_database_keeps_its_rows_and_is_upgraded(tmp_path):
    db = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    first_sql = available()[0][1].read_text()
    db.executescript(f"BEGIN; {first_sql}; PRAGMA user_version = 1; COMMIT;")
    db.execute("INSERT INTO messages (account, received_at, payload) VALUES ('+491', 1, '{}')")
    applied = apply_migrations(db)
    assert applied and applied[0] == 2
    assert db.execute("SELECT account FROM messages").fetchall() == [("+491",)]
    assert "webhook_deliveries" in tables(db)


def test_the_signal_api_migrate_command(tmp_path, monkeypatch):
    from signal_api.cli import main

    monkeypatch.setenv("SIGNAL_API_DATA_DIR", str(tmp_path))
    assert main(["migrate"]) == 0
    db = sqlite3.connect(tmp_path / "signal-api.db")
    assert current_version(db) == available()[-1][0]


def test_workers_starting_together_apply_each_migration_once(tmp_path):
    import threading

    path = tmp_path / "signal-api.db"
    newest = available()[-1][0]
    results: list[list[int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def migrate() -> None:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0.1)
        db.execute("PRAGMA journal_mode = WAL")
        start.wait()
        try:
            results.append(apply_migrations(db))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=migrate) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    assert sorted(v for applied in results for v in applied) == list(range(1, newest + 1))
    assert current_version(sqlite3.connect(path)) == newest
