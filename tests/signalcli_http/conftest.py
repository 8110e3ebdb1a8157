"""One started app per mode for the module, with two registered accounts."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import MODES, Harness

A = "+4915100000011"
B = "+4915100000012"


@pytest.fixture(scope="module", params=MODES)
def world(request, tmp_path_factory) -> Iterator[Harness]:
    harness = Harness(request.param, tmp_path_factory.mktemp(f"http-{request.param}")).start()
    try:
        harness.register(A)
        harness.register(B)
        yield harness
    finally:
        harness.stop()


def rpc(harness: Harness, body: Any, **headers: str) -> Any:
    """POST /api/v1/rpc with a JSON body (a dict/list, or text as is); the response."""
    data = body if isinstance(body, str) else json.dumps(body)
    return harness.client.post("/api/v1/rpc", data=data, headers={"Content-Type": "application/json", **headers})


def call(method: str, id_: Any = 1, **params: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": id_}
    if params:
        request["params"] = params
    return request
