"""Running one command the same way for the CLI and JSON-RPC: record it, inject faults, execute."""

from __future__ import annotations

from typing import Any

from . import faults, state
from .commands.base import Command, Context


def run(cmd: Command, ctx: Context, params: dict, *, argv: list[str] | None = None, stdin: str | None = None,
        trust: str | None = None) -> Any:
    """Append the calls.jsonl record, apply faults.json, then call the command function."""
    account = ctx.account["number"] if ctx.account else ctx.number
    state.append_call(ctx.config_dir, {
        "time": state.now_ms(), "via": ctx.via, "account": account, "command": cmd.name, "params": params,
        "argv": argv, "stdin": stdin, "trustNewIdentities": trust,
    })
    faults.apply(ctx.config_dir, cmd.name)
    return cmd.func(ctx, params)
