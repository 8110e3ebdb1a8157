"""Disk space set aside for received messages that cannot be stored, so they survive a restart.

The intake keeps what the inbox refuses in memory; memory does not survive a restart, and when the
inbox refuses because the disk is full, no new file can be written either. So the service sets the
space aside while there is some: at start it allocates a fixed-size file in its data dir
(``kept-messages.reserve``). While storing fails, every envelope the intake keeps is appended to
that file, inside blocks allocated long before the disk filled up, so the write needs no new space.
When everything kept is stored, the file is emptied (its length stays: the space stays reserved).
At the next start, what the file holds goes to the intake first; the inbox's dedup key stores a
message once even if it had been stored just before the service stopped.

Layout: a 16-byte header (magic, then the number of bytes used after the header, little-endian),
then one JSON document per line. The data is written and synced before the header that covers it,
so a crash leaves at worst an uncovered tail, which is ignored.
"""
from __future__ import annotations

import json
import logging
import os
import struct
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILE_NAME = "kept-messages.reserve"
DEFAULT_SIZE = 8 * 1024 * 1024
_MAGIC = b"SAPIKEPT"
_HEADER = struct.Struct("<8sQ")


class KeptReserve:
    """A preallocated append-only file for kept messages (``size`` 0 disables it)."""

    def __init__(self, path: Path, size: int = DEFAULT_SIZE) -> None:
        self.path = Path(path)
        self.size = size
        self._fd: int | None = None
        self._used = 0
        self._lock = threading.Lock()
        #: Something kept since the reserve was last emptied did not fit (or could not be written).
        self.incomplete = False

    @property
    def available(self) -> bool:
        """True when the space is allocated and messages can be set aside."""
        return self._fd is not None

    def open(self) -> list[dict[str, Any]]:
        """Allocate the space (once) and return what an earlier run set aside."""
        if self.size <= 0:
            return []
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            log.warning("no reserve for received messages (%s): %s", self.path, exc)
            return []
        recovered, used = _read(fd, self.size)
        try:
            if os.fstat(fd).st_size < _HEADER.size + self.size:
                os.posix_fallocate(fd, 0, _HEADER.size + self.size)
        except OSError as exc:
            # Not fatal: messages are still kept in memory; they only would not survive a restart.
            # What an earlier run set aside is returned all the same; the file keeps it until then.
            log.warning("cannot set aside %d bytes for received messages in %s: %s", self.size, self.path, exc)
            os.close(fd)
            return recovered
        self._fd = fd
        # What was set aside stays covered until the intake has stored it and empties the reserve.
        self._used = used if recovered else 0
        if recovered:
            log.warning("%d received messages set aside by an earlier run are being stored", len(recovered))
        return recovered

    def append(self, payloads: Sequence[dict[str, Any]]) -> bool:
        """Set these messages aside; False when there is no reserve or no room left in it."""
        data = b"".join(json.dumps(p, separators=(",", ":")).encode() + b"\n" for p in payloads)
        with self._lock:
            if self._fd is None:
                return False
            if self._used + len(data) > self.size:
                log.error("the reserve for received messages is full: %d more are kept in memory only",
                          len(payloads))
                self.incomplete = True
                return False
            try:
                os.pwrite(self._fd, data, _HEADER.size + self._used)
                os.fdatasync(self._fd)
                self._write_header(self._used + len(data))
            except OSError as exc:
                log.error("cannot set received messages aside in %s: %s", self.path, exc)
                self.incomplete = True
                return False
            self._used += len(data)
            return True

    def replace(self, payloads: Sequence[dict[str, Any]]) -> bool:
        """Set aside exactly these messages (what is kept now), dropping what was there."""
        self.clear()
        return self.append(payloads) if payloads else True

    def clear(self) -> None:
        """Everything set aside is stored: empty the reserve (the space stays allocated)."""
        with self._lock:
            self.incomplete = False
            if self._fd is None or self._used == 0:
                return
            try:
                self._write_header(0)
            except OSError as exc:
                log.error("cannot empty the reserve for received messages in %s: %s", self.path, exc)
                return
            self._used = 0

    def close(self) -> None:
        """Release the file (its content stays for the next start)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def _write_header(self, used: int) -> None:
        os.pwrite(self._fd, _HEADER.pack(_MAGIC, used), 0)
        os.fdatasync(self._fd)


def _read(fd: int, size: int) -> tuple[list[dict[str, Any]], int]:
    header = os.pread(fd, _HEADER.size, 0)
    if len(header) < _HEADER.size:
        return [], 0
    magic, used = _HEADER.unpack(header)
    if magic != _MAGIC or used == 0:
        return [], 0
    used = min(used, size)
    data = os.pread(fd, used, _HEADER.size)
    recovered = []
    for line in data.split(b"\n"):
        try:
            payload = json.loads(line)
        except ValueError:
            continue  # an uncovered or torn tail
        if isinstance(payload, dict):
            recovered.append(payload)
    return recovered, used
