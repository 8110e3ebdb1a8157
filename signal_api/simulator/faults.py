"""Fault injection from ``DIR/simulator/faults.json`` (for tests of callers).

The file is a JSON object keyed by command name (or ``"*"`` for every command; a command's own
entry wins).  Each value may contain:

* ``"stderr": "text"``   print these lines on stderr first, then continue normally
* ``"delay": seconds``   sleep before executing
* ``"hang": true``       never answer (CLI: sleep until killed)
* ``"die": true``        exit the whole process at once, without answering (exit code 1)
* ``"exit": N, "message": "…"``  fail: CLI prints the message and exits N; JSON-RPC returns the
  matching error code (1→-1, 2→-32603, 3→-3, 4→-4, 5→-5)

Top-level ``"split_replies": true`` makes the daemon's socket transports write every reply line
in two send() calls with a short pause (reproduces the real daemon's Nagle/delayed-ACK stall).
"""

from __future__ import annotations

import os
import sys
import time

from . import state
from .errors import error_for_exit_code


def fault_for(cfg: str, command: str) -> dict:
    faults = state.read_faults(cfg)
    fault = faults.get(command, faults.get("*"))
    return fault if isinstance(fault, dict) else {}


def split_replies(cfg: str) -> bool:
    return bool(state.read_faults(cfg).get("split_replies"))


def apply(cfg: str, command: str) -> None:
    """Act out the fault configured for ``command`` (if any) before it executes."""
    fault = fault_for(cfg, command)
    if not fault:
        return
    # The calls.jsonl record is visible before the fault delays, hangs or ends the process.
    state.flush_appends()
    if fault.get("stderr"):
        sys.stderr.write(str(fault["stderr"]).rstrip("\n") + "\n")
        sys.stderr.flush()
    if fault.get("delay"):
        time.sleep(float(fault["delay"]))
    if fault.get("hang"):
        while True:
            time.sleep(3600)
    if fault.get("die"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)
    if fault.get("exit") is not None:
        raise error_for_exit_code(int(fault["exit"]), str(fault.get("message") or "Simulated failure"))
