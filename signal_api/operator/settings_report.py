"""The effective settings as a readable table, secrets masked (``signal-api check-config``)."""
from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from signal_api.config import SETTINGS, Config, Setting

MASK = "******** (set)"


def display(value: Any) -> str:
    """How one effective value reads in the table."""
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return shlex.join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Path):
        return str(value)
    return str(value)


def effective_value(setting: Setting, config: Config, environ: Mapping[str, str]) -> str:
    """The value in force for ``setting``; a secret shows only whether it is set."""
    raw = environ.get(setting.name)
    if setting.secret:
        return MASK if raw else "(unset)"
    if setting.field is not None:
        return display(setting.effective(config))
    return raw if raw not in (None, "") else f"{setting.default} (default)"


def settings_rows(config: Config, environ: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(variable, value, where it comes from) for every declared setting."""
    env = os.environ if environ is None else environ
    rows = []
    for setting in SETTINGS:
        source = "environment" if env.get(setting.name) not in (None, "") else "default"
        rows.append((setting.name, effective_value(setting, config, env), source))
    return rows


def render_table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    """Plain-text columns, padded to the widest cell."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in [header, tuple("-" * w for w in widths), *rows]]
    return "\n".join(lines) + "\n"
