"""Account events from what signal-cli answers: a rate-limit challenge imposed, and lifted.

When a send-like command of an account fails with signal-cli's rate limit (exit 5 / JSON-RPC
-5 with the send results it printed: proof-required or plain rate-limit failures), a
``rate_limit_challenge`` event is stored for that account (a rate limit of another command, e.g.
``register``, has no results and is no challenge to a sender); when ``submitRateLimitChallenge``
succeeds, a ``rate_limit_cleared`` event. The backend reports every call's outcome (``SignalBackend.outcome_observer``), so every
route that makes signal-cli send is covered, the REST API and ``/api/v1/rpc`` alike, and a
replayed idempotent answer (which runs nothing) stores nothing again.

Events go through the receive :class:`~signal_api.receive.intake.Intake`, like received
messages: stored in the inbox in arrival order (kept and retried while it cannot be written),
then published to the live subscribers. Who gets them: see :mod:`signal_api.storage.events`.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from signal_api.errors.backend import RateLimitError
from signal_api.receive.intake import Intake
from signal_api.storage.events import RATE_LIMIT_CHALLENGE, RATE_LIMIT_CLEARED

SUBMIT_CHALLENGE = "submitRateLimitChallenge"


def challenge_event(account: str, command: str, error: RateLimitError, timestamp: int) -> dict[str, Any]:
    """The ``rate_limit_challenge`` payload for a rate-limited ``command`` of ``account``."""
    recipients = []
    for result in error.failed_results:
        address = result.get("recipientAddress")
        if result.get("type") == "RATE_LIMIT_FAILURE" and isinstance(address, dict):
            who = address.get("number") or address.get("uuid") or address.get("username")
            if isinstance(who, str) and who not in recipients:
                recipients.append(who)
    return {
        "event": RATE_LIMIT_CHALLENGE,
        "account": account,
        "command": command,
        "challenge_tokens": error.challenge_tokens,
        "retry_after_seconds": error.retry_after_seconds,
        "recipients": recipients,
        "timestamp": timestamp,
    }


def cleared_event(account: str, timestamp: int) -> dict[str, Any]:
    """The ``rate_limit_cleared`` payload: ``account`` submitted a challenge and signal-cli accepted it."""
    return {"event": RATE_LIMIT_CLEARED, "account": account, "timestamp": timestamp}


class AccountEvents:
    """Turns call outcomes into stored account events (an ``OutcomeObserver``)."""

    def __init__(self, intake: Intake, *, clock: Callable[[], float] = time.time) -> None:
        self.intake = intake
        self._clock = clock

    def observe(self, command: str, account: str | None, error: BaseException | None) -> None:
        """Store the event a finished call means, if any (calls without an account mean none)."""
        if not account:
            return
        now = int(self._clock() * 1000)
        if isinstance(error, RateLimitError) and error.failed_results:
            self.intake.accept([challenge_event(account, command, error, now)])
        elif error is None and command == SUBMIT_CHALLENGE:
            self.intake.accept([cleared_event(account, now)])
