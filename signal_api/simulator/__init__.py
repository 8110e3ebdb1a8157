"""signal-cli simulator: a stand-in for signal-cli 0.13.19 backed by a small local "Signal network".

It speaks signal-cli's command line, output formats, exit codes and JSON-RPC protocol and keeps
all state under the ``--config`` directory, so one-shot CLI processes and a running daemon share
one network.  See ``README.md`` in this package for the peer number blocks, fault injection and
the files tests can inspect (``calls.jsonl``, ``outbox.jsonl``).
"""

from __future__ import annotations

SIGNAL_CLI_VERSION = "0.13.19"
