"""What the receiver does with messages signal-cli handed over when the inbox refuses the write.

Each fault is a real SQLite failure: a read-only database (``PRAGMA query_only``), a database
another connection holds locked, and a disk I/O error (a file-size limit in a child process).
"""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from signal_api.receive.hub import ReceiveHub
from signal_api.receive.receiver import Receiver
from signal_api.signalcli.base import SignalBackend
from signal_api.storage.inbox import HTTP_CONSUMER, Inbox
from tests.helpers import wait_for

A = "+4915100000001"


class HandingOverBackend(SignalBackend):
    """A backend that only hands over messages; records when it is told to stop and resume taking."""

    pushes_messages = True  # like the daemon: messages come whether or not someone asks

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    def call(self, method, params=None, *, account=None, timeout=None):  # noqa: ANN001, ANN201
        raise AssertionError("not used")

    def hold_intake(self) -> None:
        self.events.append("hold")

    def resume_intake(self) -> None:
        self.events.append("resume")

    def hand_over(self, *texts: str) -> None:
        self._publish([message(text) for text in texts])


def message(text: str) -> dict:
    return {"envelope": {"source": "+4915100000009", "sourceDevice": 1, "timestamp": int(text[1:]) + 1000,
                         "dataMessage": {"message": text}}, "account": A}


def stored_texts(inbox: Inbox) -> list[str]:
    return [m.payload["envelope"]["dataMessage"]["message"] for m in inbox.after(A, 0, 1000)]


@pytest.fixture
def pipeline(tmp_path):
    made = []

    def make(*, limit=100, busy_timeout=2.0, pushes=True):
        inbox = Inbox(tmp_path / "db", busy_timeout=busy_timeout)
        backend = HandingOverBackend()
        backend.pushes_messages = pushes
        hub = ReceiveHub()
        receiver = Receiver(backend, inbox, hub, kept_limit=limit)
        made.append(receiver)
        return backend, inbox, hub, receiver

    yield make
    for receiver in made:
        receiver.stop()
        receiver.join()


def test_a_read_only_database_keeps_messages_in_order_then_stores_them_once(pipeline):
    backend, inbox, hub, receiver = pipeline()
    live = hub.subscribe(A)
    backend.hand_over("m0")
    inbox.execute("PRAGMA query_only = ON")
    backend.hand_over("m1", "m2")
    backend.hand_over("m3")
    assert stored_texts(inbox) == ["m0"]
    assert receiver.storage_failure == (
        "cannot store received messages: attempt to write a readonly database; 3 kept in memory")
    assert [live.get(0.1).payload["envelope"]["dataMessage"]["message"]] == ["m0"]
    assert live.get(0.1) is None, "a message was published before it was stored"

    inbox.execute("PRAGMA query_only = OFF")
    assert wait_for(lambda: receiver.storage_failure is None, timeout=10)
    backend.hand_over("m4")
    assert stored_texts(inbox) == ["m0", "m1", "m2", "m3", "m4"]
    assert [live.get(1).payload["envelope"]["dataMessage"]["message"] for _ in range(4)] == ["m1", "m2", "m3", "m4"]
    assert backend.events == [], "below the limit the backend keeps taking"


def test_a_locked_database_keeps_messages_until_the_lock_is_released(pipeline, tmp_path):
    backend, inbox, _, receiver = pipeline(busy_timeout=0.05)
    other = sqlite3.connect(str(tmp_path / "db"), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    backend.hand_over("m0", "m1")
    assert receiver.storage_failure == "cannot store received messages: database is locked; 2 kept in memory"
    assert not receiver.intake.healthy
    other.execute("ROLLBACK")
    other.close()
    assert wait_for(lambda: receiver.intake.healthy, timeout=10)
    assert stored_texts(inbox) == ["m0", "m1"]


def test_at_the_limit_the_backend_is_told_to_stop_taking_and_nothing_is_dropped(pipeline):
    backend, inbox, _, receiver = pipeline(limit=3)
    inbox.execute("PRAGMA query_only = ON")
    backend.hand_over("m0", "m1")
    assert backend.events == []
    # Already on its way when the limit is reached: kept as well, beyond the limit.
    backend.hand_over("m2", "m3")
    backend.hand_over("m4")
    assert backend.events == ["hold"]
    assert receiver.intake.kept == 5
    inbox.execute("PRAGMA query_only = OFF")
    assert wait_for(lambda: backend.events == ["hold", "resume"], timeout=10)
    assert stored_texts(inbox) == ["m0", "m1", "m2", "m3", "m4"]


def test_a_backend_that_is_asked_for_messages_is_held_at_the_first_failure(pipeline):
    backend, inbox, _, receiver = pipeline(limit=100, pushes=False)
    inbox.execute("PRAGMA query_only = ON")
    backend.hand_over("m0", "m1")
    assert backend.events == ["hold"]
    assert receiver.intake.kept == 2
    inbox.execute("PRAGMA query_only = OFF")
    assert wait_for(lambda: backend.events == ["hold", "resume"], timeout=10)
    assert stored_texts(inbox) == ["m0", "m1"]


def test_an_envelope_handed_over_again_while_kept_is_stored_once(pipeline):
    backend, inbox, _, receiver = pipeline()
    inbox.execute("PRAGMA query_only = ON")
    backend.hand_over("m0", "m1")
    backend.hand_over("m1", "m2")  # signal-cli restarted and handed m1 over again
    inbox.execute("PRAGMA query_only = OFF")
    assert wait_for(lambda: receiver.intake.healthy, timeout=10)
    assert stored_texts(inbox) == ["m0", "m1", "m2"]


def test_a_disk_io_error_keeps_messages_and_they_are_stored_once_it_clears(tmp_path):
    # RLIMIT_FSIZE makes the kernel refuse to grow the WAL file (EFBIG): SQLite reports
    # "disk I/O error". Done in a child so the limit cannot touch the test runner's own files.
    script = textwrap.dedent(f"""
        import json, resource, sys
        from pathlib import Path
        from signal_api.receive.intake import Intake
        from signal_api.storage.inbox import Inbox

        def message(i):
            return {{"envelope": {{"source": "+4915100000009", "sourceDevice": 1, "timestamp": 1000 + i,
                                  "dataMessage": {{"message": "m%d" % i + " " * 3000}}}}, "account": "{A}"}}

        folder = Path({str(tmp_path / "io")!r})
        inbox = Inbox(folder / "db")
        intake = Intake(inbox, first_retry=60)
        intake.accept([message(0)])
        largest = max(path.stat().st_size for path in folder.iterdir())
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (largest, hard))
        intake.accept([message(i) for i in range(1, 40)])
        failing = intake.failure
        stored_while_failing = inbox.count()
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        flushed = intake.flush()
        texts = [m.payload["envelope"]["dataMessage"]["message"].strip() for m in inbox.after("{A}", 0, 100)]
        print(json.dumps({{"failing": failing, "stored_while_failing": stored_while_failing,
                          "flushed": flushed, "healthy": intake.healthy, "texts": texts}}))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["failing"] == "cannot store received messages: disk I/O error; 39 kept in memory"
    assert report["stored_while_failing"] == 1
    assert report["flushed"] is True and report["healthy"] is True
    assert report["texts"] == [f"m{i}" for i in range(40)]


def test_a_position_that_cannot_be_written_holds_in_memory_and_is_saved_later(tmp_path):
    inbox = Inbox(tmp_path / "db")
    inbox.store([message("m0"), message("m1")])
    inbox.execute("PRAGMA query_only = ON")
    assert [m.payload["envelope"]["dataMessage"]["message"] for m in inbox.take(HTTP_CONSUMER, A)] == ["m0", "m1"]
    assert inbox.take(HTTP_CONSUMER, A) == [], "handed out twice"
    inbox.execute("PRAGMA query_only = OFF")
    inbox.store([message("m2")])
    inbox.close()
    reopened = Inbox(tmp_path / "db")
    assert [m.payload["envelope"]["dataMessage"]["message"] for m in reopened.take(HTTP_CONSUMER, A)] == ["m2"]


def test_an_envelope_with_a_lone_surrogate_is_stored_and_reads_back_unchanged(tmp_path):
    inbox = Inbox(tmp_path / "db")
    broken = json.loads('{"envelope": {"source": "+4915100000009", "timestamp": 5, '
                        '"dataMessage": {"message": "a\\ud800b"}}, "account": "%s"}' % A)
    inbox.store([broken, message("m1")])
    assert [m.payload for m in inbox.after(A, 0)] == [broken, message("m1")]
