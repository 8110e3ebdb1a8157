"""In-process helpers for test setup: registered accounts without register/verify, faults, rate-limit challenges."""

from __future__ import annotations

import uuid

from . import marker, state
from .delivery import CHALLENGE_KEY
from .network import RATE_LIMIT_RETRY_AFTER


def register_account(config_dir: str, number: str, given_name: str | None = None,
                     family_name: str | None = None) -> dict:
    """Create (or re-register) a local account as ``register`` + ``verify 123456`` would; return its file."""
    marker.claim(config_dir)
    with state.locked(config_dir):
        account = state.find_account(config_dir, number) or state.create_account(config_dir, number)
        account["profile"].update(givenName=given_name, familyName=family_name)
        state.mark_registered(config_dir, account)
        return account


def write_faults(config_dir: str, faults: dict) -> None:
    """Replace ``DIR/simulator/faults.json`` (``{}`` clears all faults)."""
    state.write_json(state.faults_path(config_dir), faults)


def impose_rate_limit(config_dir: str, number: str, *, token: str | None = None,
                      retry_after: int = RATE_LIMIT_RETRY_AFTER) -> str:
    """Make every send of ``number`` fail with a proof-required RATE_LIMIT_FAILURE; return its token.

    ``submitRateLimitChallenge`` with this token (and any captcha) lifts it, as does
    :func:`lift_rate_limit`.
    """
    token = token or str(uuid.uuid4())
    _set_challenge(config_dir, number, {"token": token, "retryAfterSeconds": retry_after})
    return token


def lift_rate_limit(config_dir: str, number: str) -> None:
    """Lift the challenge imposed on ``number`` (if any) without a captcha."""
    _set_challenge(config_dir, number, None)


def _set_challenge(config_dir: str, number: str, challenge: dict | None) -> None:
    with state.locked(config_dir):
        account = state.find_account(config_dir, number)
        if account is None:
            raise KeyError(f"no simulated account {number}")
        if challenge is None:
            account.pop(CHALLENGE_KEY, None)
        else:
            account[CHALLENGE_KEY] = challenge
        state.save_account(config_dir, account)
