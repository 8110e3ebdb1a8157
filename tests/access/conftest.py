"""Apps with ``SIGNAL_API_AUTH=token`` and helpers to make tokens and call routes with them."""
from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from signal_api.access.tokens import TokenStore
from signal_api.services import get_services
from tests.conftest import VERIFICATION_CODE, Harness

A = "+4915100000001"
B = "+4915100000002"
AUTH_MODE = "json-rpc"  # auth does not depend on the mode: one daemon mode keeps these tests quick


def tokens_of(harness: Harness) -> TokenStore:
    """The token store of a harness's app (the same table ``signal-api tokens`` writes)."""
    return TokenStore(get_services(harness.app).inbox.execute)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def basic(token: str, user: str = "anyone") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()}


class Secured:
    """A started app with auth on, an every-scope every-account token, and helpers."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.client = harness.client
        self.store = tokens_of(harness)
        self.admin = self.store.create("root")

    def token(self, name: str, **kwargs: Any) -> str:
        return self.store.create(name, **kwargs)

    def register(self, number: str) -> None:
        for path in (f"/v1/register/{number}", f"/v1/register/{number}/verify/{VERIFICATION_CODE}"):
            response = self.client.post(path, headers=bearer(self.admin))
            assert response.status_code == 201, response.data

    def receive(self, number: str) -> list[dict]:
        response = self.client.get(f"/v1/receive/{number}?timeout=1", headers=bearer(self.admin))
        assert response.status_code == 200, response.data
        return response.json


def secured_harness(root: Path, mode: str = AUTH_MODE, **extra: str) -> Secured:
    return Secured(Harness(mode, root, SIGNAL_API_AUTH="token", **extra).start())


@contextlib.contextmanager
def secured_with_accounts(root: Path, mode: str = AUTH_MODE) -> Iterator[Secured]:
    """A started app with auth on and accounts A and B registered, stopped on leaving."""
    app = secured_harness(root, mode)
    try:
        app.register(A)
        app.register(B)
        yield app
    finally:
        app.harness.stop()


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[Secured]:
    """A started json-rpc app with auth on and accounts A and B registered."""
    with secured_with_accounts(tmp_path) as app:
        yield app
