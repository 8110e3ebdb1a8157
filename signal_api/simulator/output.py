"""Writing results to stdout the way signal-cli does (one flushed line per JSON document)."""

from __future__ import annotations

import json
import sys
from typing import Any

from . import envelopes


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def write_lines(lines: list[str]) -> None:
    out = sys.stdout.buffer
    for line in lines:
        out.write(line.encode("utf-8") + b"\n")
    out.flush()


def write_json(obj: Any) -> None:
    write_lines([dumps(obj)])


def envelope_printer(mode: str):
    """A callback printing received ``{envelope, account}`` items in the given output mode."""
    def emit(item: dict) -> None:
        if mode == "json":
            write_json(item)
        else:
            write_lines(envelopes.render_plain(item))
    return emit
