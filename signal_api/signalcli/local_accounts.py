"""signal-cli's own index of local accounts: ``<config>/data/accounts.json`` (signal-cli.md §8).

``listAccounts`` names only the accounts that are registered now; the index also keeps those that
were registered once and are no longer (unregistered, or the phone took the number back). An entry
whose ACI (``uuid``) is set was registered at some time: one still being registered has none.
"""
from __future__ import annotations

import json
from pathlib import Path

INDEX = Path("data") / "accounts.json"


def once_registered(config_dir: Path) -> list[str]:
    """The numbers of the local accounts that were registered at some time, in index order.

    Empty when the index cannot be read (no local config dir, as with a daemon elsewhere, or a
    file signal-cli is rewriting at this moment): the caller then only knows what signal-cli lists.
    """
    try:
        index = json.loads((Path(config_dir) / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    entries = index.get("accounts") if isinstance(index, dict) else None
    numbers = []
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and isinstance(entry.get("number"), str) and entry.get("uuid"):
            numbers.append(entry["number"])
    return numbers
