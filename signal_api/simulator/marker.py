"""The simulator serves only its own data: it marks the config dirs it creates and refuses others.

A config dir whose ``data/`` holds account files but no :data:`MARKER` was made by a real
signal-cli: answering from it would show real numbers while nothing reaches Signal (sends fail,
receives stay empty). The simulator refuses such a dir, and signal-api refuses to start on it
with the simulator as its signal-cli (``signal_api/operator/checks.py``).
"""

from __future__ import annotations

import os

MARKER = ".signal-cli-simulator"
_TEXT = ("This signal-cli config dir belongs to signal-api's signal-cli simulator: its accounts are\n"
         "simulated and nothing in it ever reached Signal.\n")


def marker_path(cfg: str) -> str:
    return os.path.join(cfg, MARKER)


def is_marked(cfg: str) -> bool:
    """True when the simulator made this config dir."""
    return os.path.isfile(marker_path(cfg))


def real_account_files(cfg: str) -> list[str]:
    """The entries of ``DIR/data`` when the dir is not the simulator's (sorted; [] when none or marked)."""
    if is_marked(cfg):
        return []
    try:
        return sorted(os.listdir(os.path.join(cfg, "data")))
    except (FileNotFoundError, NotADirectoryError):
        return []


class ForeignConfigDir(Exception):
    """The config dir holds a real signal-cli's accounts."""

    def __init__(self, cfg: str, files: list[str]) -> None:
        shown = ", ".join(os.path.join("data", name) for name in files[:3]) + (", ..." if len(files) > 3 else "")
        super().__init__(
            f"{cfg} holds accounts of a real signal-cli ({shown}) and no {MARKER} marker: the signal-cli "
            "simulator serves only its own data. Use a real signal-cli with this directory, or give the "
            "simulator an empty one.")


def claim(cfg: str) -> None:
    """Mark ``cfg`` as the simulator's on first use.

    Raises:
        ForeignConfigDir: a real signal-cli's accounts are there (nothing is written then).
    """
    if is_marked(cfg):
        return
    files = real_account_files(cfg)
    if files:
        raise ForeignConfigDir(cfg, files)
    os.makedirs(cfg, mode=0o700, exist_ok=True)
    fd = os.open(marker_path(cfg), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.write(fd, _TEXT.encode())
    finally:
        os.close(fd)
