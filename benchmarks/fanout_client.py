"""WebSocket clients for the fan-out benchmark (``python -m benchmarks.fanout_client URL SOCKETS MESSAGES``).

Runs in its own process on one gevent loop (a thread per socket would make the clients, not the
service, the thing measured). It connects every socket, prints ``{"connected": ...}``, counts the
frames each socket gets, and when every socket has every message (or ``--wait`` seconds passed)
prints the figures: per-frame latency from the send time written in the message text, sockets
complete, frames lost and duplicated. Then it waits for a line on stdin and closes the sockets.
"""
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - after the monkey patching, as gevent requires
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
from simple_websocket import Client, ConnectionClosed  # noqa: E402

from benchmarks.support import percentile  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fanout_client")
    parser.add_argument("url")
    parser.add_argument("sockets", type=int)
    parser.add_argument("messages", type=int)
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait for every frame")
    parser.add_argument("--tag", default="", help="count only messages whose text starts with this word")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    clients = [Client.connect(args.url) for _ in range(args.sockets)]
    _say({"connected": len(clients), "connect_s": time.perf_counter() - started})
    seen: list[set[int]] = [set() for _ in clients]
    latencies: list[float] = []
    duplicates, others = [0], [0]
    deadline = time.time() + args.wait

    def drain(index: int, client: Client) -> None:
        while len(seen[index]) < args.messages and time.time() < deadline:
            try:
                text = client.receive(timeout=1)
            except ConnectionClosed:
                return
            if text is None:
                continue
            arrived = time.time()
            words = json.loads(text)["envelope"]["dataMessage"]["message"].split()
            if args.tag and words[0] != args.tag:
                others[0] += 1  # e.g. an earlier round's message replayed
                continue
            number = int(words[1])
            if number in seen[index]:
                duplicates[0] += 1
            seen[index].add(number)
            latencies.append(arrived - float(words[2]))

    gevent.joinall([gevent.spawn(drain, i, c) for i, c in enumerate(clients)], timeout=args.wait + 5)
    received = sum(len(s) for s in seen)
    _say({"complete": sum(1 for s in seen if len(s) >= args.messages), "received": received,
          "lost": args.sockets * args.messages - received, "duplicates": duplicates[0], "others": others[0],
          "p50_ms": percentile(latencies, 0.5) * 1000 if latencies else None,
          "p99_ms": percentile(latencies, 0.99) * 1000 if latencies else None,
          "max_ms": max(latencies) * 1000 if latencies else None})
    sys.stdin.readline()
    for client in clients:
        try:
            client.close()
        except Exception:  # noqa: BLE001 - the server may have closed it first
            pass
    _say({"closed": len(clients)})
    return 0


def _say(figures: dict) -> None:
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
