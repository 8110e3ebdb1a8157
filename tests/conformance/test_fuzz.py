"""Fuzzing the OpenAPI spec with schemathesis against a live server on the simulator.

Every operation of ``/swagger/doc.json`` is called with cases schemathesis derives from the spec
(its examples, its coverage cases, then Hypothesis fuzzing, positive and negative), against a real
HTTP server (threaded Werkzeug) driving the simulator. The values schemathesis derives never
include the hostile ones that used to answer 500 (lone surrogates, deep nesting, huge integers):
``test_hostile_fuzz.py`` sends those. The world both runs act on is ``realistic.py``. Each
response must:

* not be a 5xx (``not_a_server_error``);
* have a status code the operation documents *explicitly* (flask-smorest adds a ``default``
  response to every operation, which would make schemathesis' ``status_code_conformance`` accept
  anything, so :func:`status_code_documented` ignores ``default``);
* have a documented content type and a body and headers matching the documented schema
  (``content_type_conformance``, ``response_schema_conformance``, ``response_headers_conformance``).

Realism: accounts are registered through the REST API (verification code 123456). First every
operation gets its realistic requests once (:func:`test_realistic_request`: things that exist,
bodies that make sense; they must succeed), so every success response is checked against the
spec. In the fuzzing, ``{number}`` is usually (2 in 3) the registered account, ``{groupid}``,
``{uuid}``, ``{attachment}``… name things that exist, people in bodies are the peer (or peers the
simulator rate-limits or does not know), or the whole body is one of the realistic ones.

Side effects cannot break the run:

* unregistering and deleting local data (``POST /v1/unregister/{number}``,
  ``DELETE /v1/devices/{number}/local-data``) never target the main account: their ``{number}``
  is a spare account (or a generated one), re-registered after every case that succeeded;
* registering and verifying (``/v1/register/...``) target a newcomer (or a generated number),
  unregistered again after a successful verification (registering the main account again would
  leave it waiting for a code);
* a deleted attachment is written again; a group the account left, quit or blocked is replaced by
  a fresh one (the group id is looked up per case); the peer is a second group admin so that the
  account may leave;
* ``GET /v1/receive/{number}`` waits ``timeout`` seconds: the fuzzer's values are capped at 1 so a
  generated ``timeout=86400`` does not stall the run (the only input changed for time's sake);
* device links started by ``/v1/qrcodelink`` give up after 2 seconds (simulator fault setting),
  so no linking process outlives the run.

Bounded so the file runs in about two minutes on two shared cores, and deterministic (Hypothesis
``derandomize``, a fixed schemathesis seed, no example database): normal mode gets the negative
coverage cases plus 10 fuzzed examples per operation, json-rpc mode 5 fuzzed examples per
operation; both modes get the realistic requests.

schemathesis' lazy ``from_fixture`` integration does not work with pytest 9.2 (it writes
``Node._nodeid``), so the spec is loaded at import (built by the app, no server needed) and each
mode's live server is a module-scoped fixture the tests take.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    is_unexpected_http_status_case,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from tests.conformance.realistic import (
    RATE_LIMITED_PEER,
    REALISTIC_BODY,
    REALISTIC_QUERIES,
    World,
    load_spec,
    realistic_bodies,
)
from tests.conftest import Harness, LiveServer

RECEIVE = ("GET", "/v1/receive/{number}")
# A small body size limit, so that large generated bodies meet it (413).
MAX_BODY_BYTES = 4096


def status_code_documented(ctx, response, case) -> None:  # noqa: ANN001
    """The status code is one the operation lists itself, not only covered by ``default``.

    Like ``status_code_conformance``, not applied to request-shape probes (a method the path does
    not have, a wrong Content-Type): ``unsupported_method`` checks those.
    """
    if is_unexpected_http_status_case(case):
        return
    documented = [code for code in case.operation.responses.status_codes if code != "default"]
    allowed = {str(response.status_code), f"{str(response.status_code)[0]}XX"}
    if not allowed & {code.upper() for code in documented}:
        raise AssertionError(
            f"{case.operation.label} answered {response.status_code}, documented: {', '.join(documented)}\n"
            f"body: {response.content[:300]!r}"
        )


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    status_code_documented,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    unsupported_method,
    allow_header_conformance,
]


class WorldHolder:
    """The world of one mode's server, set by its fixture, read by the generation hooks."""

    world: World | None = None


def make_schema(holder: WorldHolder, *, coverage: bool) -> schemathesis.BaseSchema:
    """The spec for one mode's run, with hooks that make the generated requests realistic.

    Phases: the spec's examples; with ``coverage``, schemathesis' deterministic coverage cases in
    negative mode (each field missing, of the wrong type, out of range…, plus an undeclared
    method per path: the 405 and its Allow header); then Hypothesis fuzzing, positive and negative.
    Positive coverage cases (every boundary value of every field) would take several minutes.
    """
    phases: dict[str, Any] = {"stateful": {"enabled": False}}
    if coverage:
        phases["coverage"] = {"unexpected-methods": ["patch"], "generation": {"mode": "negative"}}
    else:
        phases["coverage"] = {"enabled": False}
    config = schemathesis.Config.from_dict({
        "seed": 20240601,
        "request-timeout": 60,
        "generation": {"deterministic": True, "database": "none"},
        "phases": phases,
    })
    schema = schemathesis.openapi.from_dict(SPEC, config=config)

    @schema.hook
    def flatmap_case(context, case):  # noqa: ANN001, ANN202
        """Usually (2 in 3) a realistic case: the path names things that exist, the body people
        that exist, or the whole body/query is one of the realistic requests; else as generated."""
        world = holder.world
        if world is None:
            return st.just(case)
        key = (case.operation.method.upper(), case.operation.path)
        variants: list[tuple[str, Any]] = [("generated", None), ("people", None), ("people", None)]
        variants += [("body", body) for body in realistic_bodies(world.group, world.invite).get(key, [])]
        variants += [("query", query) for query in REALISTIC_QUERIES.get(key, [])]
        return st.sampled_from(variants).flatmap(lambda variant: realistic_case(world, case, *variant))

    return schema


def realistic_case(world: World, case, variant: str, value: Any) -> st.SearchStrategy:  # noqa: ANN001
    if variant == "generated":
        return st.just(case)
    key = (case.operation.method.upper(), case.operation.path)
    if case.path_parameters:
        realistic = world.realistic_path(key)
        case.path_parameters = {name: realistic.get(name, v) for name, v in case.path_parameters.items()}
    if variant == "body":
        case.body = value
    elif variant == "query":
        case.query = value
    elif isinstance(case.body, dict) and set(case.body) & set(REALISTIC_BODY):
        people = {k: v for k, v in REALISTIC_BODY.items() if k in case.body}

        def with_people(drawn: dict) -> Any:
            case.body = {**case.body, **drawn}
            return case

        return st.fixed_dictionaries(people).map(with_people)
    return st.just(case)


SPEC = load_spec()
NORMAL, JSON_RPC = WorldHolder(), WorldHolder()
normal_schema = make_schema(NORMAL, coverage=True)
json_rpc_schema = make_schema(JSON_RPC, coverage=False)


def start_world(mode: str, holder: WorldHolder, root: Path) -> Iterator[World]:
    harness = Harness(mode, root, SIGNAL_API_MAX_BODY_BYTES=str(MAX_BODY_BYTES))
    # As in production: an unhandled exception becomes the JSON 500, not a propagated exception.
    harness.app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    harness.start()
    server = LiveServer(harness)
    level = logging.getLogger("signal_api").level  # POST /v1/configuration changes it
    try:
        holder.world = World(server)
        logging.getLogger("signal_api").addHandler(holder.world.errors)
        yield holder.world
    finally:
        if holder.world is not None:
            logging.getLogger("signal_api").removeHandler(holder.world.errors)
        holder.world = None
        logging.getLogger("signal_api").setLevel(level)
        server.stop()
        harness.stop()


@pytest.fixture(scope="module")
def normal_world(tmp_path_factory) -> Iterator[World]:
    yield from start_world("normal", NORMAL, tmp_path_factory.mktemp("fuzz-normal"))


@pytest.fixture(scope="module")
def json_rpc_world(tmp_path_factory) -> Iterator[World]:
    yield from start_world("json-rpc", JSON_RPC, tmp_path_factory.mktemp("fuzz-json-rpc"))


FUZZ_SETTINGS = dict(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)


def run_case(world: World, case):  # noqa: ANN001, ANN201
    """Send the case to the live server and check the response; undo what it destroyed."""
    if (case.method.upper(), case.operation.path) == RECEIVE and isinstance(case.query, dict):
        timeout = case.query.get("timeout")
        if isinstance(timeout, int) and not isinstance(timeout, bool) and timeout > 1:
            case.query = {**case.query, "timeout": 1}
    world.errors.records.clear()
    response = case.call(base_url=world.base, session=world.session)
    try:
        case.validate_response(response, checks=CHECKS)
    except (AssertionError, BaseExceptionGroup) as exc:
        if world.errors.records:
            exc.add_note("The server logged:\n" + "\n".join(world.errors.records))
        raise
    finally:
        world.restore(case.method.upper(), case.operation.path, response.status_code)
    return response


OPERATIONS = [(method.upper(), path) for path, item in SPEC["paths"].items() for method in item if method != "parameters"]
# The realistic requests that must fail: the simulator rate-limits this peer.
EXPECTED_FAILURES = {("POST", "/v2/send", RATE_LIMITED_PEER): 429}


def realistic_requests(world: World, method: str, path: str) -> list[dict[str, Any]]:
    """The realistic requests of one operation (its bodies, its queries, or just its path)."""
    key = (method, path)
    operation = SPEC["paths"][path][method.lower()]
    requests_ = [{"body": body} for body in realistic_bodies(world.group, world.invite).get(key, [])]
    requests_ += [{"query": query} for query in REALISTIC_QUERIES.get(key, [])]
    if not requests_:
        requests_ = [{"body": {}} if "requestBody" in operation else {}]
    path_parameters = {name: value for name, value in world.realistic_path(key).items() if f"{{{name}}}" in path}
    return [{"path_parameters": path_parameters, **request} for request in requests_]


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_realistic_request(request, mode, method, path):
    """Every operation once with requests that exist and make sense: its success responses checked."""
    world = request.getfixturevalue("normal_world" if mode == "normal" else "json_rpc_world")
    schema = normal_schema if mode == "normal" else json_rpc_schema
    operation = schema[path][method]
    for kwargs in realistic_requests(world, method, path):
        response = run_case(world, operation.Case(**kwargs))
        recipients = (kwargs.get("body") or {}).get("recipients") or [None]
        expected = EXPECTED_FAILURES.get((method, path, recipients[0]))
        if expected is not None:
            assert response.status_code == expected, response.content
        else:
            assert 200 <= response.status_code < 300, (kwargs, response.status_code, response.content)


def test_a_body_over_the_limit_is_a_documented_413(normal_world):
    """Every operation that takes a body answers a too large one with its documented 413."""
    world = normal_world
    for method, path in OPERATIONS:
        if "requestBody" not in SPEC["paths"][path][method.lower()]:
            continue
        (request,) = realistic_requests(world, method, path)[:1]
        case = normal_schema[path][method].Case(path_parameters=request["path_parameters"],
                                                body={"message": "x" * MAX_BODY_BYTES})
        response = run_case(world, case)
        assert response.status_code == 413, (method, path, response.status_code, response.content)


@normal_schema.parametrize()
@settings(max_examples=10, **FUZZ_SETTINGS)
def test_fuzz_normal_mode(normal_world, case):
    run_case(normal_world, case)


@json_rpc_schema.parametrize()
@settings(max_examples=5, **FUZZ_SETTINGS)
def test_fuzz_json_rpc_mode(json_rpc_world, case):
    run_case(json_rpc_world, case)
