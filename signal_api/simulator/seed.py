"""In-process helpers for test setup: create registered accounts without running register/verify."""

from __future__ import annotations

from . import marker, state


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
