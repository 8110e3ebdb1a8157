"""Children that die with their owner, the records that let a new worker reap leftovers, the daemon lock."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from signal_api.signalcli.children import (
    ChildRegistry,
    DaemonConflictError,
    DaemonLock,
    ProcessId,
    reap_orphans,
)
from tests.conftest import Harness
from tests.helpers import wait_for
from tests.processes import daemons_on, is_alive

SLEEPER = [sys.executable, "-c", "import time\nwhile True: time.sleep(1)"]
# A child that ignores its parent-death signal (what a missed signal leaves behind); it creates
# the file named by its argument once it does.
STUBBORN = [sys.executable, "-c", ("import pathlib, signal, sys, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                                   "pathlib.Path(sys.argv[1]).touch()\nwhile True: time.sleep(1)")]

OWNER = textwrap.dedent("""
    import json, sys, threading, time
    from pathlib import Path
    from signal_api.signalcli.children import ChildRegistry

    registry = ChildRegistry.for_data_dir(Path(sys.argv[1]))
    argv = json.loads(sys.argv[2])
    children = []
    # Forked on behalf of a thread that ends at once: the child must not die with that thread.
    thread = threading.Thread(target=lambda: children.append(registry.spawn(argv, role="test",
                                                                            start_new_session=True)))
    thread.start()
    thread.join()
    print(children[0].pid, flush=True)
    time.sleep(600)
""")


def start_owner(data_dir: Path, argv: list[str]) -> tuple[subprocess.Popen, int]:
    """A process that starts ``argv`` through a ChildRegistry; (that process, the child's pid)."""
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(data_dir), json.dumps(argv)],
                             stdout=subprocess.PIPE, text=True)
    child = int(owner.stdout.readline())
    return owner, child


def kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_a_child_outlives_the_thread_it_was_started_from_and_dies_with_its_process(tmp_path):
    owner, child = start_owner(tmp_path, SLEEPER)
    try:
        assert (tmp_path / "processes" / f"{child}.json").exists()
        time.sleep(0.5)
        assert is_alive(child), "the child died with the short-lived thread that asked for it"
        owner.kill()
        owner.wait()
        assert wait_for(lambda: not is_alive(child), 10)
    finally:
        owner.kill()
        owner.wait()
        kill(child)


def test_a_new_owner_reaps_what_a_dead_one_left(tmp_path):
    ready = tmp_path / "ignoring"
    owner, child = start_owner(tmp_path, [*STUBBORN, str(ready)])
    try:
        assert wait_for(ready.exists)
        owner.kill()
        owner.wait()
        time.sleep(0.5)
        assert is_alive(child)  # it ignored the parent-death signal
        assert reap_orphans(tmp_path, grace=0.5) == [child]
        assert not is_alive(child)
        assert list((tmp_path / "processes").iterdir()) == []
    finally:
        owner.kill()
        owner.wait()
        kill(child)


def write_record(data_dir: Path, child: ProcessId, owner: ProcessId, argv: list[str]) -> Path:
    directory = data_dir / "processes"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{child.pid}.json"
    path.write_text(json.dumps({"role": "test", "child": child.as_dict(), "owner": owner.as_dict(), "argv": argv}))
    return path


def test_reaping_never_touches_a_pid_that_is_now_another_process(tmp_path):
    other = subprocess.Popen(SLEEPER)
    try:
        identity = ProcessId.of(other.pid)
        gone_owner = ProcessId(999_999_999, 1)
        # Same pid, another start time: the pid was reused.
        write_record(tmp_path, ProcessId(other.pid, identity.start + 1), gone_owner, SLEEPER)
        assert reap_orphans(tmp_path, grace=0.5) == []
        # Same pid and start time, another command line.
        write_record(tmp_path, identity, gone_owner, [sys.executable, "-m", "signal_api.simulator", "daemon"])
        assert reap_orphans(tmp_path, grace=0.5) == []
        assert other.poll() is None
        # The record of a live owner (another service on this data dir) is left alone.
        kept = write_record(tmp_path, identity, identity, SLEEPER)
        assert reap_orphans(tmp_path, grace=0.5) == [] and kept.exists()
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_a_child_started_here_is_not_reaped_by_this_process(tmp_path):
    registry = ChildRegistry.for_data_dir(tmp_path)
    process = registry.spawn(SLEEPER, role="test", start_new_session=True)
    try:
        assert reap_orphans(tmp_path, grace=0.5) == []
        assert process.poll() is None
    finally:
        process.kill()
        process.wait()
        registry.forget(process)
    assert list((tmp_path / "processes").iterdir()) == []


def test_a_second_service_on_the_same_data_dir_refuses_to_start_a_daemon(make_api, tmp_path):
    first = make_api("json-rpc")
    assert wait_for(lambda: len(daemons_on(first.config_dir)) == 1)
    second = Harness("json-rpc", tmp_path)
    with pytest.raises(DaemonConflictError, match=rf"another signal-api \(pid {os.getpid()}\) runs the signal-cli "
                                                  r"daemon for config dir .*not starting a second one"):
        second.start()
    second.stop()
    assert len(daemons_on(first.config_dir)) == 1
    assert first.client.get("/v1/accounts").status_code == 200


def test_a_daemon_someone_else_runs_on_the_config_dir_is_refused(tmp_path):
    config_dir = tmp_path / "signal-cli"
    socket_path = tmp_path / "theirs.sock"
    theirs = subprocess.Popen([sys.executable, "-m", "signal_api.simulator", "--config", str(config_dir),
                               "daemon", "--socket", str(socket_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(socket_path.exists)
        ours = Harness("json-rpc", tmp_path / "ours", SIGNAL_CLI_CONFIG_DIR=str(config_dir))
        with pytest.raises(DaemonConflictError, match=rf"a signal-cli daemon \(pid {theirs.pid}\) already runs "
                                                      "on config dir"):
            ours.start()
        ours.stop()
        assert [d.pid for d in daemons_on(config_dir)] == [theirs.pid]
    finally:
        theirs.terminate()
        theirs.wait(10)


def test_the_lock_waits_for_a_daemon_its_dead_owner_left_and_then_refuses(tmp_path):
    # The lock is held through a descriptor a process inherited (as the daemon inherits it).
    holder = DaemonLock(tmp_path, tmp_path / "signal-cli")
    holder.acquire()
    assert holder.fd is not None
    child = subprocess.Popen(SLEEPER, pass_fds=(holder.fd,))
    holder.release()
    # The lock names this process as its owner; pretend it is a worker that is gone.
    (tmp_path / "signal-cli-daemon.lock").write_text(json.dumps({"owner": {"pid": 999_999_999, "start": 1}}))
    try:
        late = DaemonLock(tmp_path, tmp_path / "signal-cli", wait=0.5)
        with pytest.raises(DaemonConflictError, match="still holds"):
            late.acquire()
        releaser = threading.Timer(0.5, child.kill)
        releaser.start()
        patient = DaemonLock(tmp_path, tmp_path / "signal-cli", wait=30)
        patient.acquire()  # once the inheriting process is gone
        assert child.poll() is not None
        patient.release()
    finally:
        child.kill()
        child.wait()


@pytest.mark.parametrize("locale", ["POSIX", "C", "en_US.ISO-8859-1", ""])
def test_children_get_a_utf8_locale_whatever_the_services(monkeypatch, locale):
    """A JVM decodes argv with the locale's charset: non-ASCII values must not become U+FFFD."""
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        monkeypatch.delenv(name, raising=False)
    if locale:
        monkeypatch.setenv("LANG", locale)
    child = ChildRegistry().spawn([sys.executable, "-c", "import os; print(os.environ.get('LC_ALL', ''))"],
                                  role="probe", stdout=subprocess.PIPE)
    out, _ = child.communicate(timeout=30)
    assert out.decode().strip() == "C.UTF-8"


def test_a_utf8_locale_is_left_alone(monkeypatch):
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    child = ChildRegistry().spawn([sys.executable, "-c", "import os; print(os.environ['LC_ALL'])"],
                                  role="probe", stdout=subprocess.PIPE)
    out, _ = child.communicate(timeout=30)
    assert out.decode().strip() == "de_DE.UTF-8"
