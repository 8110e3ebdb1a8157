"""The database holds received messages and secrets: no other local user may read it."""
from __future__ import annotations

import os
import stat

from signal_api.storage.inbox import Inbox
from tests.storage.test_inbox import message, texts

A = "+4915100000001"


def _others_bits(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode) & 0o077


def test_a_new_database_and_its_wal_files_are_private_even_under_umask_022(tmp_path):
    previous = os.umask(0o022)
    try:
        inbox = Inbox(tmp_path / "data" / "inbox.db")
        inbox.store([message(A, "secret")])
        files = [p for p in (tmp_path / "data").iterdir() if p.name.startswith("inbox.db")]
        assert {p.name for p in files} >= {"inbox.db", "inbox.db-wal", "inbox.db-shm"}
        assert {p.name: _others_bits(p) for p in files} == {p.name: 0 for p in files}
        assert _others_bits(tmp_path / "data") == 0
        inbox.close()
    finally:
        os.umask(previous)


def test_an_existing_readable_database_is_made_private_and_keeps_its_messages(tmp_path):
    path = tmp_path / "inbox.db"
    inbox = Inbox(path)
    inbox.store([message(A, "kept")])
    inbox.close()
    for name in ("inbox.db", "inbox.db-wal", "inbox.db-shm"):
        if (tmp_path / name).exists():
            os.chmod(tmp_path / name, 0o644)
    reopened = Inbox(path)
    assert texts(reopened.after(A, 0, 10)) == ["kept"]
    assert _others_bits(path) == 0
    for name in ("inbox.db-wal", "inbox.db-shm"):
        if (tmp_path / name).exists():
            assert _others_bits(tmp_path / name) == 0
    reopened.close()
