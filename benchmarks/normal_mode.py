"""normal mode: ``POST /v2/send`` time / the same simulator ``send`` run directly (sequential, alternating)."""
from __future__ import annotations

import statistics
import subprocess
import time

from benchmarks.support import SEND_BODY, SENDER, SIMULATOR, raw_send_params, request, service
from signal_api.signalcli.argv import build_invocation


def main(quick: bool) -> dict:
    pairs = 3 if quick else 25
    with service("normal") as api:
        # The command line the service itself runs for this send.
        params = {key: value for key, value in raw_send_params().items() if key != "account"}
        direct = build_invocation(SIMULATOR, str(api.config_dir), "send", params, account=SENDER)
        conn = api.connection()
        api_times, direct_times = [], []
        try:
            for index in range(pairs + 1):
                started = time.perf_counter()
                status, body = request(conn, "POST", "/v2/send", SEND_BODY)
                api_time = time.perf_counter() - started
                if status != 201:
                    raise RuntimeError(f"POST /v2/send answered {status}: {body[:200]!r}")
                started = time.perf_counter()
                subprocess.run(direct.argv, input=(direct.stdin or "").encode(), check=True, capture_output=True,
                               timeout=60)
                direct_time = time.perf_counter() - started
                if index:  # the first pair warms caches up
                    api_times.append(api_time)
                    direct_times.append(direct_time)
        finally:
            conn.close()
    api_median, direct_median = statistics.median(api_times), statistics.median(direct_times)
    print(f"  {pairs} alternating pairs: API median {api_median * 1000:.1f} ms, simulator run directly "
          f"{direct_median * 1000:.1f} ms")
    return {"normal_mode_ratio": api_median / direct_median}
