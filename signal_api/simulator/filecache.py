"""Parsed JSON files kept in memory while the file on disk is unchanged.

Other processes change the state files at any time, so every read still ``stat()``s the file and
uses the cached parse only while inode, size, mtime and ctime are the same as when it was read.
A file modified shortly before it was read is not cached at all: file timestamps come from a
coarse clock, and a second change within the same tick could otherwise go unnoticed (git's
"racily clean" problem).  Each hit returns a fresh copy, so callers may mutate what they get.
"""

from __future__ import annotations

import json
import marshal
import os
import time
from typing import Any

#: Files changed less than this long before they were read are re-read every time (comfortably
#: more than a kernel timestamp tick), in nanoseconds.
RACY_NS = 50_000_000

_cache: dict[str, tuple[tuple[int, ...], bytes]] = {}


def _signature(st: os.stat_result) -> tuple[int, ...]:
    return st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def read_json(path: str, default: Any = None) -> Any:
    """The parsed content of ``path``, or ``default`` when it does not exist."""
    started_ns = time.time_ns()
    try:
        st = os.stat(path)
    except FileNotFoundError:
        _cache.pop(path, None)
        return default
    hit = _cache.get(path)
    if hit is not None and hit[0] == _signature(st):
        return marshal.loads(hit[1])
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            value = json.loads(fh.read().decode("utf-8"))
    except FileNotFoundError:
        return default
    if max(st.st_mtime_ns, st.st_ctime_ns) < started_ns - RACY_NS:
        _cache[path] = (_signature(st), marshal.dumps(value))
    else:
        _cache.pop(path, None)
    return value
