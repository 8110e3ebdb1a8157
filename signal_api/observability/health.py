"""The deep health check behind ``GET /v1/health?deep=1``: does the service work, not only run?

Three checks, each quick: signal-cli answers a ``listAccounts`` within :data:`PROBE_TIMEOUT`
(the backend hides whether that is a process or the daemon), the inbox can take a write, and
every local account that was ever registered still is (signal-cli's index against what it lists).
Any failure makes the answer unhealthy and is named in ``reasons``.

The route is open and a probe may start a JVM (normal mode): one probe runs at a time per
backend, and requests arriving meanwhile share its answer, so a flood of requests costs one
signal-cli at a time.

The route is open, so with ``SIGNAL_API_AUTH=token`` the answer names no account: numbers are
left out of ``accounts`` and masked in every text.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from signal_api.services import Services
from signal_api.signalcli.base import Probe, SignalBackend
from signal_api.signalcli.local_accounts import once_registered

#: The longest a deep check waits for signal-cli (less when SIGNAL_CLI_CMD_TIMEOUT is lower);
#: Docker's HEALTHCHECK gives the whole request 10 s.
PROBE_TIMEOUT = 5.0
NUMBER_MASK = "[number]"
# Anything shaped like an E.164 number, wherever an error text carries one.
_NUMBER = re.compile(r"\+[0-9][0-9 ]{3,}[0-9]")


def deep_health(services: Services, *, show_numbers: bool) -> dict[str, Any]:
    """Run the checks; the body of ``GET /v1/health?deep=1`` (``status`` says which answer)."""
    reasons: list[str] = []
    probe = _shared_probe(services.backend, min(PROBE_TIMEOUT, services.config.command_timeout))
    if not probe.ok:
        reasons.append(f"signal-cli: {probe.detail}")
    inbox_problem = services.receiver.storage_failure or services.inbox.write_problem()
    if inbox_problem:
        reasons.append(f"inbox: {inbox_problem}")
    accounts = []
    if probe.ok:
        listed = set(probe.registered)
        numbers = list(probe.registered) + [n for n in once_registered(services.config.signal_cli_config_dir)
                                            if n not in listed]
        for number in dict.fromkeys(numbers):
            registered = number in listed
            accounts.append({"number": number, "registered": registered})
            if not registered:
                reasons.append(f"account {number} is no longer registered")
    body = {
        "status": "unhealthy" if reasons else "ok",
        "signal_cli": {"ok": probe.ok, "detail": probe.detail},
        "inbox": {"ok": inbox_problem is None, "detail": inbox_problem},
        "accounts": accounts,
        "reasons": reasons,
    }
    return body if show_numbers else _without_numbers(body)


@dataclass
class _Flight:
    done: threading.Event = field(default_factory=threading.Event)
    probe: Probe | None = None


_flights_lock = threading.Lock()
# The probe in progress of each backend (by id: an entry lives only while its probe runs).
_flights: dict[int, _Flight] = {}


def _shared_probe(backend: SignalBackend, timeout: float) -> Probe:
    with _flights_lock:
        flight = _flights.get(id(backend))
        leads = flight is None
        if flight is None:
            flight = _flights[id(backend)] = _Flight()
    if not leads:
        # The running probe ends within its own timeout (a CLI process is killed then).
        flight.done.wait(timeout + 1)
        return flight.probe or Probe(False, f"signal-cli did not answer listAccounts within {timeout:g} s")
    try:
        flight.probe = backend.probe(timeout)
    finally:
        with _flights_lock:
            del _flights[id(backend)]
        flight.done.set()
    return flight.probe


def _without_numbers(body: dict[str, Any]) -> dict[str, Any]:
    return {
        **body,
        "signal_cli": {**body["signal_cli"], "detail": _mask(body["signal_cli"]["detail"])},
        "inbox": {**body["inbox"], "detail": _mask(body["inbox"]["detail"])},
        "accounts": [{"registered": entry["registered"]} for entry in body["accounts"]],
        "reasons": [_mask(reason) for reason in body["reasons"]],
    }


def _mask(text: str | None) -> str | None:
    return _NUMBER.sub(NUMBER_MASK, text) if text else text
