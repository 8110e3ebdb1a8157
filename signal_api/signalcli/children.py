"""Long-lived signal-cli children (the daemon, ``link``) that end with the worker that started them.

Two mechanisms, because either alone leaves a gap:

* a parent-death signal (Linux ``prctl(PR_SET_PDEATHSIG)``, set in the child before exec). The
  kernel sends it when the *thread* that forked the child ends, so every fork happens on a thread
  that lives as long as the process: the main thread (a gevent worker runs every greenlet on it),
  or else one spawner thread kept for the purpose.
* a record per child in ``<data dir>/processes/``. A worker that starts reaps what a dead worker
  left (its parent-death signal was missed or ignored, a wrapper script forked instead of exec,
  no prctl on this platform), after checking in /proc that the pid still is that child: same
  start time and the command line it was started with.

The daemon also needs :class:`DaemonLock`, so that a second daemon never runs on a config dir.
"""
from __future__ import annotations

import ctypes
import fcntl
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
#: What a child gets when its worker dies: the JVM runs its shutdown hooks and saves its state.
DEATH_SIGNAL = signal.SIGTERM
#: How long a leftover child may take to end after SIGTERM before it gets SIGKILL.
REAP_GRACE = 5.0
REGISTRY_DIR = "processes"
DAEMON_LOCK_FILE = "signal-cli-daemon.lock"


# ---------------------------------------------------------------- /proc


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot; None when it is gone (or a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may contain spaces and parentheses: fields are counted after the last ")".
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def command_line(pid: int) -> list[str]:
    """The process's argv (empty when it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode("utf-8", "surrogateescape") for part in raw.split(b"\0") if part]


@dataclass(frozen=True)
class ProcessId:
    """A pid plus its start time: names one process even after the pid is reused."""

    pid: int
    start: int

    @classmethod
    def of(cls, pid: int) -> ProcessId | None:
        """The identity of a running process."""
        start = start_time(pid)
        return None if start is None else cls(pid, start)

    @classmethod
    def me(cls) -> ProcessId:
        """This process."""
        identity = cls.of(os.getpid())
        return identity if identity is not None else cls(os.getpid(), 0)

    def running(self) -> bool:
        """True while this very process runs."""
        return start_time(self.pid) == self.start

    def as_dict(self) -> dict[str, int]:
        """The JSON form kept in records and the lock file."""
        return {"pid": self.pid, "start": self.start}

    @classmethod
    def from_dict(cls, data: Any) -> ProcessId | None:
        """Read :meth:`as_dict`'s form; None when it is not that."""
        if isinstance(data, dict) and isinstance(data.get("pid"), int) and isinstance(data.get("start"), int):
            return cls(data["pid"], data["start"])
        return None


def runs_command(pid: int, argv: Sequence[str]) -> bool:
    """True when ``pid`` runs ``argv``.

    The program itself may differ: signal-cli's launcher script execs Java with the same
    arguments after its own, so the arguments after argv[0] must end the command line.
    """
    actual = command_line(pid)
    tail = list(argv[1:])
    return bool(actual) and (not tail or actual[-len(tail):] == tail)


# ---------------------------------------------------------------- spawning


def _parent_death_hook(sig: int) -> Callable[[], None] | None:
    """A preexec_fn asking the kernel to send ``sig`` to the child when its parent dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    parent = os.getpid()

    def die_with_parent() -> None:
        prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:
            # The parent died between fork and prctl: no signal would ever come.
            os.kill(os.getpid(), sig)

    return die_with_parent


def utf8_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment with a UTF-8 locale for the child.

    A JVM decodes its command line with the locale's charset: under a non-UTF-8 locale every
    non-ASCII value (a name, an emoji) would reach signal-cli as U+FFFD.
    """
    env = dict(os.environ if environ is None else environ)
    current = env.get("LC_ALL") or env.get("LC_CTYPE") or env.get("LANG") or ""
    if "utf-8" not in current.lower() and "utf8" not in current.lower():
        env["LC_ALL"] = "C.UTF-8"
    return env


class _Spawner:
    """Forks from a thread that lives as long as the process (see the module docstring)."""

    def __init__(self) -> None:
        self._requests: queue.Queue[tuple[list[str], dict[str, Any], list[Any], threading.Event]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def popen(self, argv: list[str], kwargs: dict[str, Any]) -> subprocess.Popen:
        # The main thread's id is the process id; any other thread may end before the child.
        if threading.get_native_id() == os.getpid():
            return subprocess.Popen(argv, **kwargs)
        self._ensure_thread()
        outcome: list[Any] = []
        done = threading.Event()
        self._requests.put((argv, kwargs, outcome, done))
        done.wait()
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="child-spawner", daemon=True)
                self._thread.start()

    def _serve(self) -> None:
        while True:
            argv, kwargs, outcome, done = self._requests.get()
            try:
                outcome.append(subprocess.Popen(argv, **kwargs))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, who raises it
                outcome.append(exc)
            done.set()


_SPAWNER = _Spawner()


class ChildRegistry:
    """Starts children that die with this process; records them under ``directory`` (if given)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> ChildRegistry:
        """The registry of the service whose data dir is ``data_dir``."""
        return cls(Path(data_dir) / REGISTRY_DIR)

    def spawn(self, argv: Sequence[str], *, role: str, **popen_kwargs: Any) -> subprocess.Popen:
        """``subprocess.Popen(argv, **popen_kwargs)``, bound to this process's life.

        Raises:
            OSError: the program could not be started.
        """
        argv = list(argv)
        popen_kwargs["preexec_fn"] = _parent_death_hook(DEATH_SIGNAL)
        popen_kwargs.setdefault("env", utf8_environment())
        process = _SPAWNER.popen(argv, popen_kwargs)
        self._record(process, argv, role)
        return process

    def forget(self, process: subprocess.Popen) -> None:
        """Drop the record of a child that ended (and was waited for)."""
        if self.directory is not None:
            try:
                (self.directory / f"{process.pid}.json").unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("cannot remove the record of child %s: %s", process.pid, exc)

    def _record(self, process: subprocess.Popen, argv: list[str], role: str) -> None:
        if self.directory is None:
            return
        child = ProcessId.of(process.pid)
        if child is None:
            return  # already gone
        record = {"role": role, "child": child.as_dict(), "owner": ProcessId.me().as_dict(), "argv": argv}
        path = self.directory / f"{process.pid}.json"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps(record))
            os.replace(temporary, path)
        except OSError as exc:
            # The parent-death signal still ends the child; only the reaping after a missed one is lost.
            log.warning("cannot record child %s (%s) in %s: %s", process.pid, role, self.directory, exc)


def reap_orphans(data_dir: Path, *, grace: float = REAP_GRACE) -> list[int]:
    """End the children recorded by workers that are gone; return the pids that had to be ended.

    A record whose worker still runs (another service on the same data dir) is left alone; a
    recorded pid that is now another process (different start time or command line) is not touched.
    """
    directory = Path(data_dir) / REGISTRY_DIR
    if not directory.is_dir():
        return []
    me = ProcessId.me()
    ended = []
    for path in sorted(directory.glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            record = {}
        if not isinstance(record, dict):
            record = {}
        owner = ProcessId.from_dict(record.get("owner"))
        child = ProcessId.from_dict(record.get("child"))
        if owner == me or (owner is not None and owner.running()):
            continue
        argv = record.get("argv") if isinstance(record.get("argv"), list) else []
        if child is not None and child.running() and runs_command(child.pid, argv):
            log.warning("ending %s (pid %s) left running by a worker that is gone (pid %s)",
                        record.get("role", "child"), child.pid, owner.pid if owner else "?")
            _end(child, grace)
            ended.append(child.pid)
        try:
            path.unlink()
        except OSError:
            pass
    return ended


def _end(child: ProcessId, grace: float) -> None:
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
        _signal_group(child.pid, sig)
        deadline = time.monotonic() + wait
        while child.running() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not child.running():
            return
    log.error("pid %s did not end after SIGKILL", child.pid)


def _signal_group(pid: int, sig: int) -> None:
    # Our children lead their own process group (start_new_session): a wrapper's children go too.
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# ---------------------------------------------------------------- one daemon per config dir


class DaemonConflictError(RuntimeError):
    """Another live process already runs (or holds the right to run) a daemon on the config dir."""


class DaemonLock:
    """The right to run the one signal-cli daemon of a config dir: an flock in the data dir.

    The worker holds it while it supervises the daemon, and the daemon inherits the descriptor,
    so the lock is free only once both are gone: a new worker never starts its daemon while the
    previous one is still shutting down (and still holds the account's files).
    """

    def __init__(self, data_dir: Path, config_dir: Path, *, wait: float = 10.0) -> None:
        self.path = Path(data_dir) / DAEMON_LOCK_FILE
        self.config_dir = Path(config_dir)
        #: How long to wait for a lock left by a worker that is gone (its daemon is ending).
        self.wait = wait
        self._fd: int | None = None

    @property
    def fd(self) -> int | None:
        """The locked descriptor (to pass to the daemon), or None when not held."""
        return self._fd

    def acquire(self) -> None:
        """Take the lock, or raise DaemonConflictError naming who holds it."""
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = self._holder(fd)
                if (holder is not None and holder.running()) or time.monotonic() >= deadline:
                    os.close(fd)
                    raise DaemonConflictError(self._conflict_message(holder)) from None
                time.sleep(0.1)
        try:
            _refuse_foreign_daemon(self.config_dir)
        except DaemonConflictError:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"owner": ProcessId.me().as_dict(), "config_dir": str(self.config_dir)}).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Give the lock up (the daemon has ended)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    @staticmethod
    def _holder(fd: int) -> ProcessId | None:
        try:
            data = json.loads(os.pread(fd, 4096, 0) or b"{}")
        except (OSError, ValueError):
            return None
        return ProcessId.from_dict(data.get("owner")) if isinstance(data, dict) else None

    def _conflict_message(self, holder: ProcessId | None) -> str:
        advice = "stop it, or give this service its own SIGNAL_API_DATA_DIR and SIGNAL_CLI_CONFIG_DIR"
        if holder is not None and holder.running():
            return (f"another signal-api (pid {holder.pid}) runs the signal-cli daemon for config dir "
                    f"{self.config_dir} from data dir {self.path.parent}: not starting a second one; {advice}")
        running = daemons_on(self.config_dir)
        which = f" (pid {', '.join(map(str, running))})" if running else ""
        return (f"the signal-cli daemon{which} of an earlier signal-api still holds {self.path} after "
                f"{self.wait:g} s: not starting a second one on config dir {self.config_dir}; end it first")


def _refuse_foreign_daemon(config_dir: Path) -> None:
    """Raise DaemonConflictError if any signal-cli daemon already runs on ``config_dir``."""
    pids = daemons_on(config_dir)
    if pids:
        raise DaemonConflictError(
            f"a signal-cli daemon (pid {', '.join(map(str, pids))}) already runs on config dir {config_dir}: "
            "not starting a second one; stop it, or point SIGNAL_CLI_JSON_RPC_ADDRESS at it")


def daemons_on(config_dir: Path) -> list[int]:
    """The pids of the running signal-cli daemons whose ``--config`` is ``config_dir``."""
    if not Path("/proc/self").is_dir():
        return []
    wanted = os.path.realpath(config_dir)
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        argv = command_line(int(entry))
        if "daemon" in argv and start_time(int(entry)) is not None and _config_of(argv) == wanted:
            found.append(int(entry))
    return sorted(found)


def _config_of(argv: list[str]) -> str | None:
    for index, arg in enumerate(argv):
        if arg in ("--config", "-c") and index + 1 < len(argv):
            return os.path.realpath(argv[index + 1])
        if arg.startswith("--config="):
            return os.path.realpath(arg[len("--config="):])
    return None
