"""Fixtures of the differential suite: per mode, the original and signal-api on copies of one seeded state.

Collected only when ``SIGNAL_API_ORIGINAL`` names the original's binary (``make differential``).
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.differential.services import OriginalProcess, Seeded, copy_state, seed_state
from tests.helpers import ServerProcess

# The same value on both sides, so /v1/about compares.
BUILD_VERSION = "differential"


@pytest.fixture(scope="session")
def original_binary() -> Path:
    value = os.environ.get("SIGNAL_API_ORIGINAL")
    assert value, "set SIGNAL_API_ORIGINAL to the original's binary (make differential does)"
    binary = Path(value).resolve()
    assert binary.is_file(), f"SIGNAL_API_ORIGINAL: no such file {binary}"
    return binary


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    template = tmp_path_factory.mktemp("seed") / "signal-cli"
    template.mkdir()
    return template, seed_state(template)


class Pair:
    """Both services of one mode; ``roots`` are their directories (normalised away in answers)."""

    def __init__(self, mode: str, original: OriginalProcess, ours: ServerProcess, seeded: Seeded,
                 roots: tuple[str, ...]) -> None:
        self.mode, self.original, self.ours, self.seeded, self.roots = mode, original, ours, seeded, roots


@pytest.fixture(scope="module", params=["normal", "json-rpc"])
def pair(request: pytest.FixtureRequest, original_binary: Path, seeded: tuple[Path, Seeded],
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    template, state = seeded
    mode = request.param
    original_root = tmp_path_factory.mktemp(f"original-{mode}")
    ours_root = tmp_path_factory.mktemp(f"ours-{mode}")
    original = OriginalProcess(original_binary, mode, original_root, copy_state(template, original_root),
                               BUILD_VERSION)
    copy_state(template, ours_root)
    ours = ServerProcess(mode, ours_root, BUILD_VERSION=BUILD_VERSION, LOG_LEVEL="info")
    try:
        ours.wait_until_healthy()
        yield Pair(mode, original, ours, state, (str(original_root), str(ours_root)))
    finally:
        original.stop()
        ours.stop()
