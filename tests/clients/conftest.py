"""Fixtures for the real client libraries: one gunicorn + gevent server per mode on the simulator.

A server is started once per mode for the whole folder (starting one costs seconds). Most tests
share two accounts registered once per server (in normal mode every signal-cli call is a process,
so registering costs about a second per account) and look only for what they sent themselves
(unique texts, their own timestamps); tests that need an empty inbox register fresh accounts.

Each mode runs once with auth off (the original's behaviour) and once with ``SIGNAL_API_AUTH=token``
(``<mode>+auth``): the helpers then present an admin token, and the libraries their own tokens.
"""
from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from signal_api.access.tokens import TokenStore
from signal_api.storage.inbox import Inbox
from tests.conftest import VERIFICATION_CODE
from tests.helpers import ServerProcess, running_server

CLIENT_MODES = ("normal", "json-rpc")
AUTH_SUFFIX = "+auth"
Envelope = dict[str, Any]


class LiveApi:
    """A running server plus helpers that act as a plain HTTP client and read the simulator's files."""

    def __init__(self, process: ServerProcess, *, auth: bool = False) -> None:
        self.process = process
        self.auth = auth
        self.mode = process.mode
        self.base = process.base
        self.port = process.port
        self.service = f"127.0.0.1:{process.port}"
        self.config_dir = process.config_dir
        self._numbers = itertools.count(1)
        self._tokens = itertools.count(1)
        self._shared: tuple[str, str] | None = None
        self.http = requests.Session()
        if auth:
            self.http.headers["Authorization"] = f"Bearer {self.token('helpers')}"

    def token(self, name: str, **kwargs: Any) -> str:
        """A new API token in the server's database (as ``signal-api tokens create`` makes them)."""
        database = Path(self.process.env["SIGNAL_API_DATA_DIR"]) / "signal-api.db"
        inbox = Inbox(database)
        try:
            return TokenStore(inbox.execute).create(f"{name}-{next(self._tokens)}", **kwargs)
        finally:
            inbox.close()

    def new_account(self) -> str:
        """Register and verify a number no other test uses, through the REST API."""
        number = f"+49152{next(self._numbers):08d}"
        response = self.http.post(f"{self.base}/v1/register/{number}", timeout=30)
        assert response.status_code == 201, response.text
        response = self.http.post(f"{self.base}/v1/register/{number}/verify/{VERIFICATION_CODE}", timeout=30)
        assert response.status_code == 201, response.text
        return number

    def shared_pair(self) -> tuple[str, str]:
        if self._shared is None:
            self._shared = (self.new_account(), self.new_account())
        return self._shared

    def send(self, sender: str, recipients: list[str], message: str, **extra: Any) -> int:
        """POST /v2/send as a plain HTTP client; the sent timestamp."""
        body = {"number": sender, "recipients": recipients, "message": message, **extra}
        response = self.http.post(f"{self.base}/v2/send", json=body, timeout=30)
        assert response.status_code == 201, response.text
        return int(response.json()[0]["timestamp"])

    def receive_until(self, number: str, condition: Callable[[list[Envelope]], bool],
                      timeout: float = 20) -> list[Envelope]:
        """GET /v1/receive/{number} until the envelopes collected so far satisfy ``condition``."""
        envelopes: list[Envelope] = []
        # A normal-mode send has been queued by the time it answers, and `receive -t N` idles N
        # seconds after the last message: 0 drains at once. In json-rpc mode the GET itself waits.
        wait = 0 if self.mode == "normal" else 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.http.get(f"{self.base}/v1/receive/{number}", params={"timeout": wait}, timeout=30)
            assert response.status_code == 200, response.text
            assert response.headers["Content-Type"].startswith("application/json")
            envelopes += [item["envelope"] for item in response.json()]
            if condition(envelopes):
                return envelopes
        raise AssertionError(f"{number} never received what was expected; got {json.dumps(envelopes)[:6000]}")

    def data_messages(self, number: str, condition: Callable[[list[dict]], bool],
                      timeout: float = 20) -> list[dict]:
        """The ``dataMessage`` objects ``number`` receives, collected until ``condition`` holds."""

        def data(envelopes: list[Envelope]) -> list[dict]:
            return [e["dataMessage"] for e in envelopes if "dataMessage" in e]

        return data(self.receive_until(number, lambda envelopes: condition(data(envelopes)), timeout))

    def message_text(self, number: str, text: str, timeout: float = 20) -> dict:
        """The one ``dataMessage`` carrying ``text`` that ``number`` receives."""
        found = self.data_messages(number, lambda ds: any(d.get("message") == text for d in ds), timeout)
        return next(d for d in found if d.get("message") == text)

    def calls(self, command: str) -> list[dict[str, Any]]:
        """What the simulator executed for ``command`` (``calls.jsonl``)."""
        path = self.config_dir / "simulator" / "calls.jsonl"
        records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return [r for r in records if r["command"] == command]


@pytest.fixture(scope="package", params=[*CLIENT_MODES, *(mode + AUTH_SUFFIX for mode in CLIENT_MODES)])
def live(request, tmp_path_factory) -> Iterator[LiveApi]:
    """A real server in ``normal`` and ``json-rpc`` mode, each without and with auth, shared by the folder's tests."""
    mode, auth = request.param.removesuffix(AUTH_SUFFIX), request.param.endswith(AUTH_SUFFIX)
    extra = {"SIGNAL_API_AUTH": "token"} if auth else {}
    with running_server(mode, tmp_path_factory.mktemp(mode), **extra) as process:
        api = LiveApi(process, auth=auth)
        yield api
        api.http.close()


@pytest.fixture
def pair(live: LiveApi) -> tuple[str, str]:
    """Two registered accounts (A, B) shared by the tests of one server."""
    return live.shared_pair()


@pytest.fixture
def fresh_account(live: LiveApi) -> str:
    """A registered account nobody else has used (its inbox holds only what the test sends)."""
    return live.new_account()
