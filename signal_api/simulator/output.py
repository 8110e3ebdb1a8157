"""Writing results to stdout the way signal-cli does (one flushed line per JSON document)."""

from __future__ import annotations

import json
import sys
from typing import Any

from . import envelopes


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def write_lines(lines: list[str]) -> None:
    """Write ``lines`` to stdout, UTF-8 whatever the locale says, and flush."""
    text = "".join(line + "\n" for line in lines)
    # A program running the simulator in-process may have replaced stdout by a text stream
    # (contextlib.redirect_stdout(io.StringIO())): it has no byte layer and takes str.
    out = getattr(sys.stdout, "buffer", None)
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    out.write(text.encode("utf-8"))
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
