"""Fan-out: N WebSocket clients of one account on one gevent worker (json-rpc mode).

The clients run in their own gevent process (:mod:`benchmarks.fanout_client`). Messages are sent
to the account by running the simulator's ``send`` in this process, one every :data:`PACE`
seconds (so one message's frames do not queue behind the previous one's unless fanning one out
takes that long), each carrying its send time; every client records each frame's latency.
The worker's RSS is read after the traffic with the sockets still open, and again after they left.
"""
from __future__ import annotations

import contextlib
import io
import json
import queue
import subprocess
import sys
import threading
import time

from benchmarks.support import RECEIVER, SENDER, process_cpu_seconds, process_rss_mb, service
from signal_api.simulator.cli import main as simulator

PACE = 0.5


def main(quick: bool) -> dict:
    sockets, messages, rounds = (20, 3, 1) if quick else (1000, 20, 2)
    with service("json-rpc", accounts=(SENDER, RECEIVER)) as api:
        results = [_round(api, sockets, messages, number) for number in range(rounds)]
    last = results[-1]
    for index, result in enumerate(results, 1):
        print(f"  round {index}: {sockets} sockets connected in {result['connect_s']:.2f} s; {messages} messages "
              f"({PACE:g} s apart): {result['complete']}/{sockets} sockets got all, {result['lost']} lost, "
              f"{result['duplicates']} duplicated, {result['others']} from earlier rounds; latency p50 {result['p50_ms']:.1f} ms, p99 "
              f"{result['p99_ms']:.1f} ms, max {result['max_ms']:.1f} ms; worker RSS {result['rss_open_mb']:.1f} MB "
              f"with the sockets open, {result['rss_closed_mb']:.1f} MB after they left")
        print(f"           CPU in {result['elapsed_s']:.1f} s of traffic: worker {result['worker_cpu_s']:.2f} s "
              f"({result['worker_cpu_s'] / max(result['received'], 1) * 1000:.3f} ms per frame), "
              f"clients {result['clients_cpu_s']:.2f} s")
    return {
        "fanout_subscribers": sockets,
        "fanout_p50_ms": last["p50_ms"],
        "fanout_p99_ms": last["p99_ms"],
        "fanout_lost": sum(r["lost"] for r in results),
        "rss_1000_ws_mb": last["rss_open_mb"],
        "rss_1000_ws_rounds_mb": [round(r["rss_open_mb"], 1) for r in results],
        "rss_after_ws_closed_mb": last["rss_closed_mb"],
        "fanout_worker_cpu_ms_per_frame": last["worker_cpu_s"] / max(last["received"], 1) * 1000,
    }


def _round(api, sockets: int, messages: int, number: int) -> dict:  # noqa: ANN001 - a support.Service
    url = f"ws://127.0.0.1:{api.port}/v1/receive/{RECEIVER}"
    wait = 30 + messages * PACE
    clients = subprocess.Popen([sys.executable, "-m", "benchmarks.fanout_client", url, str(sockets), str(messages),
                                "--wait", str(wait), "--tag", f"round{number}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    lines = _lines(clients.stdout)
    try:
        connected = _read(lines, timeout=120)
        worker_cpu, clients_cpu = process_cpu_seconds(api.worker_pid), process_cpu_seconds(clients.pid)
        started = time.perf_counter()
        for index in range(messages):
            with contextlib.redirect_stdout(io.StringIO()):
                code = simulator(["--config", str(api.config_dir), "-a", SENDER, "send", "-m",
                                  f"round{number} {index} {time.time():.6f}", RECEIVER])
            if code != 0:
                raise RuntimeError(f"simulator send exited with {code}")
            time.sleep(PACE)
        result = _read(lines, timeout=wait + 30)
        result["elapsed_s"] = time.perf_counter() - started
        result["worker_cpu_s"] = process_cpu_seconds(api.worker_pid) - worker_cpu
        result["clients_cpu_s"] = process_cpu_seconds(clients.pid) - clients_cpu
        result["rss_open_mb"] = process_rss_mb(api.worker_pid)
        clients.stdin.write("close\n")
        clients.stdin.flush()
        _read(lines, timeout=60)
        time.sleep(2)
        result["rss_closed_mb"] = process_rss_mb(api.worker_pid)
        return {**connected, **result}
    finally:
        if clients.poll() is None:
            clients.kill()
        clients.wait(10)


def _read(lines: queue.Queue, *, timeout: float) -> dict:
    """The client process's next JSON line, or an error when it does not come within ``timeout``."""
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        raise RuntimeError(f"the WebSocket clients said nothing within {timeout:g} s") from None
    if line is None:
        raise RuntimeError("the WebSocket clients exited early")
    return json.loads(line)


def _lines(stream) -> queue.Queue:  # noqa: ANN001 - a text stream
    """The stream's lines as they come (``None`` at its end), read by a thread."""
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines
