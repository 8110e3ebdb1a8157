"""The differential suite's table (tests/differential/cases.py) asks every route of the original, and
the derived bad requests are there (checked without the original's binary)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from tests.differential.cases import ROUTES, all_cases

ORIGINAL_ROUTES = Path(__file__).resolve().parent / "data" / "original_routes.json"


def _pattern(path: str) -> str:
    return re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"


def test_every_route_of_the_original_has_a_good_case() -> None:
    routes = json.loads(ORIGINAL_ROUTES.read_text()) + [{"method": "GET", "path": "/v1/search"}]
    good = [c for c in all_cases() if c.id.endswith("/good")]
    for route in routes:
        pattern = _pattern(route["path"])
        assert any(c.method == route["method"] and re.match(pattern, c.path.split("?")[0]) for c in good), route


def test_each_body_route_gets_its_bad_requests() -> None:
    ids = {c.id for c in all_cases()}
    with_body = [r for r in ROUTES if r.body]
    assert with_body
    for route in with_body:
        prefix = next(c.id for c in all_cases() if c.id.endswith("/good") and c.path == route.path
                      and c.method == route.method).removesuffix("/good")
        expected = {f"{prefix}/empty-body", f"{prefix}/invalid-json"}
        expected |= {f"{prefix}/missing-{name}" for name in route.required}
        expected |= {f"{prefix}/type-{name}" for name in route.body}
        assert expected <= ids, sorted(expected - ids)


def test_destructive_cases_come_last_good_ones_first() -> None:
    cases = all_cases()
    last = [i for i, c in enumerate(cases) if c.last]
    assert last == list(range(len(cases) - len(last), len(cases)))
    first_bad = next(i for i in last if not cases[i].id.endswith("/good"))
    assert all(cases[i].id.endswith("/good") for i in last if i < first_bad)
