"""signal-cli style log lines on stderr (``LEVEL  Logger - message``)."""

from __future__ import annotations

import sys


def log(level: str, logger: str, message: str) -> None:
    sys.stderr.write(f"{level:<5} {logger} - {message}\n")
    sys.stderr.flush()


def info(logger: str, message: str) -> None:
    log("INFO", logger, message)


def warn(logger: str, message: str) -> None:
    log("WARN", logger, message)
