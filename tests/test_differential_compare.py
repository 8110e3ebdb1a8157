"""The differential suite's comparison and allow-list rules (checked without the original's binary)."""
from __future__ import annotations

import json

from tests.differential.allowlist import Entry, check
from tests.differential.compare import Answer, Normaliser, differences

NORMALISER = Normaliser(keep=frozenset({"group.a2VwdGtlcHRrZXB0a2VwdGtlcHQ="}), roots=("/tmp/original", "/tmp/ours"))


def _json(status: int, value: object, content_type: str = "application/json") -> Answer:
    return Answer(status, content_type, json.dumps(value).encode())


def test_what_cannot_break_a_client_is_no_difference() -> None:
    # An error that adds detail after the original's text (and drops its trailing newline).
    assert differences(_json(400, {"error": "Invalid group id\n"}), _json(400, {"error": "Invalid group id: x"}),
                       NORMALISER) == {}
    # JSON served as text/plain by the original.
    assert differences(_json(200, [1], "text/plain; charset=utf-8"), _json(200, [1]), NORMALISER) == {}
    # 405 where Gin answers 404 page not found.
    assert differences(Answer(404, "text/plain", b"404 page not found"), _json(405, {"error": "x"}), NORMALISER) == {}


def test_run_specific_values_are_normalised_and_seeded_ids_kept() -> None:
    original = _json(201, {"timestamp": "1796182563817", "id": "group.ZFozTHhsMm1OV2Y2NEJRT3V5WGRy",
                           "uuid": "509e8fe2-9572-404d-86f3-927112e36df9", "path": "/tmp/original/x"})
    ours = _json(201, {"timestamp": "1796182564095", "id": "group.cGpmT24xUEtJaHM5L3hEYWk3NkYy",
                       "uuid": "a4d695cf-b0b9-4650-b8d3-89876d89158a", "path": "/tmp/ours/x"})
    assert differences(original, ours, NORMALISER) == {}
    kept = "group.a2VwdGtlcHRrZXB0a2VwdGtlcHQ="
    assert "body.id" in differences(_json(200, {"id": kept}), _json(200, {"id": "group.b3RoZXJvdGhlcm90aGVyb3RoZXI="}),
                                    NORMALISER)


def test_status_shape_types_values_and_texts_are_differences() -> None:
    found = differences(_json(400, {"error": "Couldn't process request - invalid request"}), _json(204, None),
                        NORMALISER)
    assert set(found) == {"status", "body"}
    found = differences(_json(200, [{"a": "", "b": 1, "c": True}]), _json(200, [{"a": "0", "b": "1", "d": 1}]),
                        NORMALISER)
    assert set(found) == {"body[].a", "body[].b", "body[].c", "body[].d"}
    assert differences(_json(400, {"error": "Invalid group id: x"}), _json(400, {"error": "Invalid group id"}),
                       NORMALISER) == {"error": 'original "Invalid group id: x", ours "Invalid group id"'}
    assert set(differences(_json(200, [1, 2]), _json(200, [1]), NORMALISER)) == {"body[]"}


ENTRY = Entry(cases=("get-*/good",), differs=("body.backend",), what="extra field", reason="r",
              kind="feature the original lacks", test="tests/test_app.py", modes=("normal",))


def test_an_allowed_difference_passes_and_others_fail() -> None:
    assert check("normal", {"get-v1-about/good": {"body.backend": "only in ours"}}, [ENTRY]) == []
    [problem] = check("normal", {"get-v1-about/good": {"body.backend": "x", "status": "original 200, ours 500"}},
                      [ENTRY])
    assert "no allow-list entry covers it" in problem and "status: original 200, ours 500" in problem


def test_an_entry_that_matches_nothing_fails_in_its_modes_only() -> None:
    case_problem, aspect_problem = check("normal", {}, [ENTRY])
    assert "case pattern 'get-*/good' matches no difference" in case_problem
    assert "aspect 'body.backend' differs in none of its cases" in aspect_problem
    assert check("json-rpc", {}, [ENTRY]) == []
