"""Device links waiting for a phone to scan them: bounded, one per device name, and supervised.

:class:`PendingLinks` is shared by both backends: at most ``limit`` links wait at once (the next
request is refused with 429 and ``Retry-After``), and a second request for a device name that is
still waiting gets the same URI instead of a new ``link`` process or ``startLink``.

:class:`LinkProcesses` runs ``signal-cli link`` (CLI modes). It prints the device link URI on its
first stdout line and then keeps running until the phone scans it (``Associated with: +49…``,
exit 0) or signal-cli gives up. The original left that process running unsupervised
(anchor-api.md §13 item 26); here every one is watched by a thread that drains its output, reaps
it when it exits and kills its process group at a deadline, and it ends with the worker that
started it (:mod:`signal_api.signalcli.children`), so none is ever left behind.
"""
from __future__ import annotations

import logging
import math
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import IO

from signal_api.errors import backend as errors
from signal_api.errors.request import RetryLaterError
from signal_api.signalcli.children import ChildRegistry

log = logging.getLogger(__name__)

_EOF = None
DEFAULT_LIMIT = 3
# A request that reuses a link still being started waits this much longer than the one starting it.
_REUSE_MARGIN = 5.0


class PendingLink:
    """One link waiting for its scan; its URI is known once signal-cli printed it."""

    def __init__(self, device_name: str, expires: float) -> None:
        self.device_name = device_name
        #: ``time.monotonic()`` by which the link ends (scanned or given up) at the latest.
        self.expires = expires
        self.uri: str | None = None
        self.error: BaseException | None = None
        self._ready = threading.Event()

    def resolve(self, uri: str) -> None:
        """The URI is known: hand it to every request waiting for this link."""
        self.uri = uri
        self._ready.set()

    def fail(self, error: BaseException) -> None:
        """The link could not be started: requests waiting for it get the same error."""
        self.error = error
        self._ready.set()

    def wait(self, timeout: float) -> str:
        """The URI, once known (raises the starter's error, or BackendTimeoutError)."""
        if not self._ready.wait(timeout):
            raise errors.BackendTimeoutError("process killed as timeout reached")
        if self.error is not None:
            raise self.error
        assert self.uri is not None
        return self.uri


class PendingLinks:
    """The links of one backend that wait for a scan: at most ``limit``, one per device name."""

    def __init__(self, limit: int = DEFAULT_LIMIT, *, deadline: float) -> None:
        self.limit = limit
        #: Seconds a link may wait for its scan.
        self.deadline = deadline
        self._links: dict[str, PendingLink] = {}
        self._lock = threading.Lock()

    def open(self, device_name: str, start: Callable[[PendingLink], str], *, timeout: float) -> str:
        """The URI of the link waiting for ``device_name``; ``start(link)`` makes one if there is none.

        ``start`` returns the URI and calls :meth:`close` when the link ends.

        Raises:
            RetryLaterError: ``limit`` links are already waiting.
            SignalCliError: the link could not be started.
        """
        with self._lock:
            link = self._links.get(device_name)
            reused = link is not None
            if link is None:
                if len(self._links) >= self.limit:
                    raise RetryLaterError(
                        f"Too many device links are waiting to be scanned (at most {self.limit}); "
                        "scan one or try again later", retry_after=self._retry_after())
                link = self._links[device_name] = PendingLink(device_name, time.monotonic() + self.deadline)
        if reused:
            return link.wait(timeout + _REUSE_MARGIN)
        try:
            uri = start(link)
        except BaseException as exc:
            link.fail(exc)
            self.close(link)
            raise
        link.resolve(uri)
        return uri

    def close(self, link: PendingLink) -> None:
        """The link ended (scanned, given up or failed): its slot is free."""
        with self._lock:
            if self._links.get(link.device_name) is link:
                del self._links[link.device_name]

    def waiting(self) -> list[str]:
        """The device names of the links waiting now."""
        with self._lock:
            return list(self._links)

    def _retry_after(self) -> int:
        soonest = min(link.expires for link in self._links.values())
        return max(1, math.ceil(soonest - time.monotonic()))


class LinkProcesses:
    """The running ``link`` processes of one backend."""

    def __init__(self, deadline: float, *, limit: int = DEFAULT_LIMIT, children: ChildRegistry | None = None) -> None:
        #: Seconds a ``link`` process may wait for the scan before it is killed.
        self.deadline = deadline
        self.pending = PendingLinks(limit, deadline=deadline)
        self.children = children or ChildRegistry()
        self._processes: dict[int, subprocess.Popen] = {}
        self._lock = threading.Lock()

    def start(self, device_name: str, argv: Sequence[str], *, first_line_timeout: float) -> str:
        """The URI of the link waiting for ``device_name``, from a new ``argv`` process if there is none.

        The process stays supervised until the phone scans the URI or the deadline passes.

        Raises:
            RetryLaterError: the limit of waiting links is reached.
            SignalCliError: signal-cli exited (or could not start) before printing the URI.
        """
        return self.pending.open(device_name, lambda link: self._run(link, argv, first_line_timeout),
                                 timeout=first_line_timeout)

    def _run(self, link: PendingLink, argv: Sequence[str], first_line_timeout: float) -> str:
        try:
            process = self.children.spawn(argv, role="link", stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, start_new_session=True)
        except OSError as exc:
            raise errors.BackendUnavailableError(f"Couldn't start signal-cli ({argv[0]}): {exc}") from exc
        with self._lock:
            self._processes[process.pid] = process
        lines: queue.Queue[str | None] = queue.Queue()
        stderr: list[str] = []
        watcher = threading.Thread(target=self._watch, args=(process, link, lines, stderr), daemon=True,
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

    def _watch(self, process: subprocess.Popen, link: PendingLink, lines: queue.Queue[str | None],
               stderr: list[str]) -> None:
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
            self.children.forget(process)
            self.pending.close(link)
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
