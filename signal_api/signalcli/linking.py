"""Supervised ``signal-cli link`` processes (CLI modes).

``link`` prints the device link URI on its first stdout line and then keeps running until the
phone scans it (``Associated with: +49…``, exit 0) or signal-cli gives up. The original left
that process running unsupervised (anchor-api.md §13 item 26); here every one is watched by a
thread that drains its output, reaps it when it exits and kills its process group at a
deadline, so none is ever left behind.
"""
from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from typing import IO

from signal_api.signalcli import errors

log = logging.getLogger(__name__)

_EOF = None


class LinkProcesses:
    """The running ``link`` processes of one backend."""

    def __init__(self, deadline: float) -> None:
        #: Seconds a ``link`` process may wait for the scan before it is killed.
        self.deadline = deadline
        self._processes: dict[int, subprocess.Popen] = {}
        self._lock = threading.Lock()

    def start(self, argv: Sequence[str], *, first_line_timeout: float) -> str:
        """Start ``argv`` and return its first stdout line; the process stays supervised.

        Raises:
            SignalCliError: signal-cli exited (or could not start) before printing the URI.
        """
        try:
            process = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, start_new_session=True)
        except OSError as exc:
            raise errors.BackendUnavailableError(f"Couldn't start signal-cli ({argv[0]}): {exc}") from exc
        with self._lock:
            self._processes[process.pid] = process
        lines: queue.Queue[str | None] = queue.Queue()
        stderr: list[str] = []
        watcher = threading.Thread(target=self._watch, args=(process, lines, stderr), daemon=True,
                                   name=f"link-{process.pid}")
        watcher.start()
        try:
            first = lines.get(timeout=first_line_timeout)
        except queue.Empty:
            _kill_group(process)
            raise errors.BackendTimeoutError("process killed as timeout reached") from None
        if first is _EOF:
            watcher.join()
            message = "".join(stderr).strip() or f"signal-cli exited with code {process.returncode}"
            raise errors.from_exit_code(process.returncode or 1, message)
        return first.strip()

    def active(self) -> list[int]:
        """Process ids of the ``link`` processes still running."""
        with self._lock:
            return list(self._processes)

    def stop_all(self) -> None:
        """Kill every running ``link`` process (the service is stopping)."""
        with self._lock:
            processes = list(self._processes.values())
        for process in processes:
            _kill_group(process)

    def _watch(self, process: subprocess.Popen, lines: queue.Queue[str | None], stderr: list[str]) -> None:
        timer = threading.Timer(self.deadline, self._expire, args=(process,))
        timer.daemon = True
        timer.start()
        collector = threading.Thread(target=lambda: stderr.extend(_decoded(process.stderr)), daemon=True)
        collector.start()
        linked = None
        try:
            for line in _decoded(process.stdout):
                lines.put(line)
                if line.startswith("Associated with: "):
                    linked = line[len("Associated with: "):].strip()
            lines.put(_EOF)
            process.wait()
            collector.join(timeout=5)
        finally:
            timer.cancel()
            with self._lock:
                self._processes.pop(process.pid, None)
        if process.returncode == 0 and linked:
            log.info("device linked as %s", linked)
        else:
            log.warning("link (pid %s) ended with code %s: %s", process.pid, process.returncode,
                        "".join(stderr).strip())

    def _expire(self, process: subprocess.Popen) -> None:
        log.warning("link (pid %s) was not completed within %g s; killing it", process.pid, self.deadline)
        _kill_group(process)


def _decoded(stream: IO[bytes]) -> Iterator[str]:
    return (raw.decode("utf-8", "replace") for raw in stream)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def wait_until_gone(processes: LinkProcesses, timeout: float) -> bool:
    """True once no ``link`` process is running (for shutdown and tests)."""
    end = time.monotonic() + timeout
    while processes.active():
        if time.monotonic() >= end:
            return False
        time.sleep(0.05)
    return True
