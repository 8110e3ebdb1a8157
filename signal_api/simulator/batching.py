"""Group commit: the appends of requests handled at the same time are written in one go.

A thread inside ``collected`` does not write its appends at once; it hands them over when the
block ends and waits until they are written.  The first thread to hand over becomes the writer
and writes everything handed over so far; threads arriving meanwhile queue up for the next
write, which one of them performs.  Under load each write therefore serves many requests, and
still nobody returns (and replies) before its own lines are in the files.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: One deferred append: (config dir whose state lock it needs, or None; file path; bytes).
Append = tuple[str, str, bytes]


class _Ticket:
    __slots__ = ("appends", "done", "error", "wake")

    def __init__(self, appends: list[Append]) -> None:
        self.appends = appends
        self.done = False
        self.error: BaseException | None = None
        self.wake = threading.Lock()
        self.wake.acquire()  # released once: when written, or when it is this ticket's turn to write


class GroupCommit:
    """Writes handed-over appends with ``write_all``, one writer at a time."""

    def __init__(self, write_all: Callable[[list[Append]], None]) -> None:
        self._write_all = write_all
        self._lock = threading.Lock()
        self._queued: list[_Ticket] = []
        self._writing = False
        self._local = threading.local()

    def collecting(self) -> bool:
        """True inside a ``collected`` block of this thread."""
        return getattr(self._local, "appends", None) is not None

    def add(self, append: Append) -> None:
        self._local.appends.append(append)

    @contextmanager
    def collected(self) -> Iterator[None]:
        """Defer this thread's appends to the end of the block (nested blocks join the outer one)."""
        if self.collecting():
            yield
            return
        self._local.appends = []
        try:
            yield
        finally:
            try:
                self.flush()
            finally:
                self._local.appends = None

    def flush(self) -> None:
        """Write what this thread collected so far (and whatever others handed over) now."""
        appends = getattr(self._local, "appends", None)
        if not appends:
            return
        self._local.appends = []
        ticket = _Ticket(appends)
        with self._lock:
            self._queued.append(ticket)
            follow = self._writing
            self._writing = True
        if follow:
            ticket.wake.acquire()
        if not ticket.done:
            self._write_queued(ticket)
        if ticket.error is not None:
            raise ticket.error

    def _write_queued(self, own: _Ticket) -> None:
        with self._lock:
            batch, self._queued = self._queued, []
        error: BaseException | None = None
        try:
            self._write_all([append for ticket in batch for append in ticket.appends])
        except Exception as exc:  # noqa: BLE001 - handed to every request of the batch
            error = exc
        for ticket in batch:
            ticket.done, ticket.error = True, error
            if ticket is not own:
                ticket.wake.release()
        with self._lock:
            if self._queued:
                self._queued[0].wake.release()  # the oldest waiter writes the next batch
            else:
                self._writing = False


def group_by_file(appends: list[Append]) -> dict[str | None, dict[str, bytes]]:
    """``{config dir or None: {path: concatenated bytes}}``, keeping the order of appends per file."""
    grouped: dict[str | None, dict[str, list[bytes]]] = {}
    for cfg, path, data in appends:
        grouped.setdefault(cfg, {}).setdefault(path, []).append(data)
    return {cfg: {path: b"".join(parts) for path, parts in files.items()} for cfg, files in grouped.items()}

