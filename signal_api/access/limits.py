"""Rate limits: token buckets per key (a token's name, an account's number).

The interface is one method, :meth:`RateLimiter.take`, so that a store shared by several
processes can replace :class:`MemoryRateLimiter` without touching callers: with ``WORKERS`` > 1
the buckets live in the service's database (:mod:`signal_api.access.shared_limits`), so N workers
together allow the configured rate, not N times it. Both use :func:`refill`.
"""
from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
_RATE = re.compile(r"^\s*(\d{1,9})\s*/\s*([smh])\s*$")


@dataclass(frozen=True)
class Rate:
    """``count`` requests per ``per_seconds``; also the burst allowed after a quiet period."""

    count: int
    per_seconds: float

    def __str__(self) -> str:
        unit = next(name for name, seconds in _UNITS.items() if seconds == self.per_seconds)
        return f"{self.count}/{unit}"


def parse_rate(text: str) -> Rate:
    """``"5/s"``, ``"100/m"`` or ``"1000/h"`` as a :class:`Rate`; ValueError when it is not one."""
    match = _RATE.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a rate like 5/s, 100/m or 1000/h (a positive count per s, m or h)")
    return Rate(int(match.group(1)), _UNITS[match.group(2)])


class RateLimiter(Protocol):
    """Decides whether one more request under ``key`` fits ``rate``."""

    def take(self, key: str, rate: Rate) -> float | None:
        """Take one request: None when allowed, else the seconds to wait before one is."""


class MemoryRateLimiter:
    """Token buckets in this process's memory, one per key.

    A bucket holds up to ``rate.count`` requests and refills continuously at ``rate``; a full
    bucket is forgotten (it is what a new one would be), so idle keys cost nothing.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, Rate], tuple[float, float]] = {}

    def take(self, key: str, rate: Rate) -> float | None:
        """Take one request from ``key``'s bucket (see :meth:`RateLimiter.take`)."""
        now = self._clock()
        with self._lock:
            self._forget_full(now)
            level, updated = self._buckets.get((key, rate), (float(rate.count), now))
            level, wait = refill(level, updated, now, rate)
            self._buckets[(key, rate)] = (level, now)
            return wait

    def _forget_full(self, now: float) -> None:
        if len(self._buckets) < 1024:
            return
        for (key, rate), (level, updated) in list(self._buckets.items()):
            if level + (now - updated) * rate.count / rate.per_seconds >= rate.count:
                del self._buckets[(key, rate)]


def refill(level: float, updated: float, now: float, rate: Rate) -> tuple[float, float | None]:
    """A bucket at ``level`` when last ``updated``, refilled to ``now`` and one request taken if it fits.

    Returns the bucket's new level and None (taken), or the level and the seconds until one fits.
    A clock that went back (a reboot, for a stored bucket) counts as no time passed.
    """
    per_request = rate.per_seconds / rate.count
    level = min(float(rate.count), level + max(0.0, now - updated) / per_request)
    if level < 1.0:
        return level, (1.0 - level) * per_request
    return level - 1.0, None


def retry_after_header(seconds: float) -> str:
    """The ``Retry-After`` value for a wait: whole seconds, rounded up, at least 1."""
    return str(max(1, math.ceil(seconds)))
