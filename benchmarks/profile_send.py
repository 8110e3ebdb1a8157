"""Profile the worker under the send load (``python -m benchmarks.profile_send [--seconds N] [--out FILE]``).

Starts the service in json-rpc mode, runs 32 connections of ``POST /v2/send`` and samples the
worker with py-spy (``pip install py-spy``; not a dependency of the service) meanwhile. Prints the
worker's CPU ms per send and the frames with the largest share of samples, inclusive (a frame
and what it calls) and by module; ``--out`` keeps py-spy's collapsed stacks.
"""
from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.support import SEND_BODY, load_average, run_loadgen, service


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_send")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--path", default="/v2/send", help="what to profile: /v2/send (POST) or a GET path")
    parser.add_argument("--out", type=Path, help="keep py-spy's collapsed stacks here")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = args.out or Path(tempfile.mkdtemp()) / "stacks.txt"
    method, body = ("POST", json.dumps(SEND_BODY)) if args.path == "/v2/send" else ("GET", "")
    print(f"load average {load_average()}")
    with service("json-rpc") as api:
        warm = ["http", "--concurrency", "32", "--duration", "1", "--port", str(api.port), "--method", method,
                "--path", args.path, "--body", body]
        run_loadgen(warm, timeout=60)
        sampler = subprocess.Popen([spy, "record", "--pid", str(api.worker_pid), "--format", "raw", "--rate", "250",
                                    "--duration", str(int(args.seconds) + 2), "--output", str(out), "--nonblocking"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        figures = run_loadgen([*warm[:4], str(args.seconds), *warm[5:], "--cpu-pid", str(api.worker_pid)],
                              timeout=args.seconds + 60)
        _, errors = sampler.communicate(timeout=args.seconds + 60)
        if sampler.returncode != 0:
            print(errors, file=sys.stderr)
            return 1
    print(f"{args.path}: {figures['rps']:.0f}/s over {figures['count']} requests, "
          f"{figures['cpu_s'] / max(figures['count'], 1) * 1000:.3f} worker CPU ms per request; "
          f"load average {load_average()}")
    _report(out, args.top)
    return 0


def _report(stacks: Path, top: int) -> None:
    inclusive: collections.Counter[str] = collections.Counter()
    modules: collections.Counter[str] = collections.Counter()
    total = 0
    for line in stacks.read_text().splitlines():
        frames_text, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = frames_text.split(";")
        if any("gevent/hub.py" in frame and "run (" in frame for frame in frames[-1:]):
            continue  # the loop waiting for I/O: idle, not work
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        leaf = frames[-1]
        modules[leaf.split("(", 1)[-1].split(":", 1)[0]] += count
    print(f"{total} samples with the worker busy")
    print("inclusive share (a frame and what it calls):")
    for frame, count in inclusive.most_common(top):
        print(f"  {count / total:6.1%}  {frame}")
    print("self share by file:")
    for module, count in modules.most_common(15):
        print(f"  {count / total:6.1%}  {module}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
