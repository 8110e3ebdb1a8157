"""Reusable threads for JSON-RPC requests: starting a thread per request costs more than most requests.

A task goes to an idle worker if there is one, else to a new worker, so every task starts at
once whatever the others do (a request that hangs, as a fault makes it, blocks no other).
Workers idle for ``IDLE_SECONDS`` end.
"""

from __future__ import annotations

import queue
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

IDLE_SECONDS = 30.0


class WorkerPool:
    """Runs each submitted call on a thread of its own."""

    def __init__(self, name: str = "rpc-worker") -> None:
        self._name = name
        self._tasks: queue.SimpleQueue[tuple[Callable[..., Any], tuple]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0  # workers waiting for a task and not promised to a submitted one

    def submit(self, func: Callable[..., Any], *args: Any) -> None:
        with self._lock:
            spawn = self._idle == 0
            if not spawn:
                self._idle -= 1
        self._tasks.put((func, args))
        if spawn:
            threading.Thread(target=self._work, name=self._name, daemon=True).start()

    def _work(self) -> None:
        while True:
            try:
                func, args = self._tasks.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    # Only an unpromised worker may go: each queued task has one promised to it.
                    if self._idle > 0:
                        self._idle -= 1
                        return
                continue
            try:
                func(*args)
            except Exception:  # noqa: BLE001 - a worker survives a failing task
                traceback.print_exc(file=sys.stderr)
            with self._lock:
                self._idle += 1


#: The pool all JSON-RPC sessions of the process share.
POOL = WorkerPool()
