"""The original and signal-api answer every case of :mod:`tests.differential.cases` alike, in both modes,
except for the differences ``allowed.toml`` lists (and it lists none that no longer occur)."""
from __future__ import annotations

import http.client
import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.differential import allowlist
from tests.differential.cases import all_cases, placeholders
from tests.differential.compare import Answer, Normaliser, differences

# The original's JSON-RPC calls can hang forever; an answer that takes longer counts as none (status 0).
TIMEOUT = 8
# Now and then (about one call in 40, mostly error answers) the original's JSON-RPC client loses the
# daemon's answer and hangs (its known bug, fixed in signal-api: see fixes.toml); it is asked again.
ATTEMPTS = 3


def ask(base: str, method: str, path: str, body: bytes | None) -> Answer:
    """One request, as a client sends it (a JSON content type whenever there is a body)."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return Answer(response.status, response.headers.get("Content-Type", ""), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers.get("Content-Type", ""), error.read())
    except TimeoutError:
        return Answer(0, "", f"no answer within {TIMEOUT} s".encode())
    except (http.client.RemoteDisconnected, ConnectionResetError) as error:
        # The original's Go server drops the connection when a handler panics (seen once in 300
        # json-rpc requests, not again on retry); the caller asks again.
        return Answer(0, "", f"connection closed without an answer: {error}".encode())


def test_answers_match_the_original(pair) -> None:
    values = placeholders(pair.seeded)
    keep = frozenset(v for v in values.values()) | {pair.seeded.b_uuid}
    normaliser = Normaliser(keep=keep, roots=pair.roots)
    found: dict[str, dict[str, str]] = {}
    log = []
    # Every answer of both, for reading a failure (SIGNAL_API_DIFFERENTIAL_DUMP names the folder).
    folder = os.environ.get("SIGNAL_API_DIFFERENTIAL_DUMP") or str(pair.ours.config_dir.parent.parent)
    dump = Path(folder) / f"differential-{pair.mode}.json"
    try:
        for case in all_cases():
            if pair.mode not in case.modes:
                continue
            method, path, body = case.render(values)
            started = time.monotonic()
            for _ in range(ATTEMPTS):
                original = ask(pair.original.base, method, path, body)
                if original.status:
                    break
            took = time.monotonic() - started
            assert pair.original.alive(), f"the original died at {case.id}:\n{pair.original.output()[-3000:]}"
            started = time.monotonic()
            ours = ask(pair.ours.base, method, path, body)
            took_ours = time.monotonic() - started
            diff = differences(original, ours, normaliser)
            log.append({"case": case.id, "request": f"{method} {path}", "body": (body or b"").decode(errors="replace"),
                        "original": [original.status, original.content_type, original.body.decode(errors="replace"),
                                     round(took, 2)],
                        "ours": [ours.status, ours.content_type, ours.body.decode(errors="replace"), round(took_ours, 2)],
                        "differs": diff})
            if diff:
                found[case.id] = diff
    finally:
        dump.write_text(json.dumps(log, indent=1, ensure_ascii=False))
    problems = allowlist.check(pair.mode, found, allowlist.load())
    assert not problems, (f"{len(problems)} problems (every answer of both: {dump}):\n\n" + "\n\n".join(problems))
