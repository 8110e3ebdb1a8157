"""Request bodies are read with one schema instance per schema class, not a new one per request."""
from __future__ import annotations

from pathlib import Path

import marshmallow
import pytest

from tests.conftest import Harness

A, B = "+4915100000001", "+4915100000002"


@pytest.fixture
def svc(tmp_path: Path):
    harness = Harness("json-rpc", tmp_path).start()
    harness.register(A)
    harness.register(B)
    yield harness
    harness.stop()


def test_requests_after_the_first_build_no_schema(svc: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    def send(body: dict):
        return svc.client.post("/v2/send", json={"number": A, "recipients": [B], **body})

    assert send({"message": "warm-up"}).status_code == 201
    built: list[str] = []
    original = marshmallow.Schema.__init__

    def counting(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        built.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(marshmallow.Schema, "__init__", counting)
    # The shared instance keeps nothing from one request to the next: a bad body, then good ones.
    refused = send({"message": "x", "quote_timestamp": "yesterday"})
    assert refused.status_code == 400
    assert "quote_timestamp" in refused.json["error"]
    assert send({"message": "first"}).status_code == 201
    assert send({"message": "second", "text_mode": "styled"}).status_code == 201
    assert built == []
    assert svc.last_call("send")["params"]["message"] == "second"
    assert "quoteTimestamp" not in svc.last_call("send")["params"]
