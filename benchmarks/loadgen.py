"""A closed-loop load generator (``python -m benchmarks.loadgen http|raw ...``), run in its own process.

N greenlets on one gevent loop each send one request, wait for the answer and send the next, for a
fixed time. It prints one JSON line: requests answered, failures, elapsed seconds, latency
quantiles, and the CPU seconds that ``--cpu-pid`` (the service's worker) used in that window.
Gevent keeps the generator itself to one core without thread switching in the measurement.
"""
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - after the monkey patching, as gevent requires
import http.client  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402

from benchmarks.support import percentile, process_cpu_seconds  # noqa: E402


def _http_worker(args: argparse.Namespace, stop_at: float, latencies: list, failures: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    # --body-list: the requests take the bodies of a JSON array in turn (e.g. one per account).
    bodies = [json.dumps(item).encode() for item in json.loads(args.body_list)] if args.body_list else \
        [args.body.encode() if args.body else None]
    headers = {"Content-Type": "application/json"} if bodies[0] else {}
    turn = 0
    while time.perf_counter() < stop_at:
        body = bodies[turn % len(bodies)]
        turn += 1
        started = time.perf_counter()
        try:
            conn.request(args.method, args.path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
            continue
        if response.status >= 300:
            failures.append(f"HTTP {response.status}: {data[:200]!r}")
        else:
            latencies.append(time.perf_counter() - started)
    conn.close()


def _raw_worker(args: argparse.Namespace, stop_at: float, latencies: list, failures: list) -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(30)
    sock.connect(args.socket)
    reader = sock.makefile("rb")
    request = json.loads(args.request)
    number = 0
    while time.perf_counter() < stop_at:
        number += 1
        request["id"] = number
        started = time.perf_counter()
        sock.sendall(json.dumps(request).encode() + b"\n")
        while True:
            line = reader.readline()
            if not line:
                failures.append("the daemon closed the connection")
                return
            reply = json.loads(line)
            if reply.get("id") == number:  # skips receive notifications
                break
        if "error" in reply:
            failures.append(str(reply["error"])[:200])
        else:
            latencies.append(time.perf_counter() - started)
    sock.close()


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loadgen")
    parser.add_argument("kind", choices=("http", "raw"))
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--cpu-pid", type=int)
    parser.add_argument("--port", type=int)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--path", default="/")
    parser.add_argument("--body", default="")
    parser.add_argument("--body-list", default="")
    parser.add_argument("--socket")
    parser.add_argument("--request", default="")
    args = parser.parse_args(argv)
    target = _http_worker if args.kind == "http" else _raw_worker
    latencies: list[float] = []
    failures: list[str] = []
    cpu_before = process_cpu_seconds(args.cpu_pid) if args.cpu_pid else 0.0
    own_before = _own_cpu_seconds()
    started = time.perf_counter()
    stop_at = started + args.duration
    workers = [gevent.spawn(target, args, stop_at, latencies, failures) for _ in range(args.concurrency)]
    # Bounded: a worker stuck on a request past its 30 s socket timeout is abandoned.
    gevent.joinall(workers, timeout=args.duration + 35)
    elapsed = time.perf_counter() - started
    cpu = process_cpu_seconds(args.cpu_pid) - cpu_before if args.cpu_pid else None
    own = _own_cpu_seconds() - own_before
    gevent.killall(workers, block=False)
    result = {
        "count": len(latencies), "failures": len(failures), "first_failure": failures[0] if failures else None,
        "elapsed_s": elapsed, "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.5) * 1000 if latencies else None,
        "p99_ms": percentile(latencies, 0.99) * 1000 if latencies else None,
        "max_ms": max(latencies) * 1000 if latencies else None,
        "cpu_s": cpu,
        # Near elapsed_s: the generator itself was the bottleneck, and latencies include its queueing.
        "loadgen_cpu_s": own,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
