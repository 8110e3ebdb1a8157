"""Run every benchmark (``python -m benchmarks``, or ``python -m benchmarks NAME...``)."""
from __future__ import annotations

import sys

from benchmarks import inbox_store, jsonrpc_latency, websocket_fanout

BENCHMARKS = {
    "jsonrpc": jsonrpc_latency.main,
    "inbox": inbox_store.main,
    "websocket": websocket_fanout.main,
}


def main(names: list[str]) -> int:
    for name in names or list(BENCHMARKS):
        print(f"== {name}")
        BENCHMARKS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
