"""Fuzzing the OpenAPI spec with schemathesis against a live server on the simulator.

Every operation of ``/swagger/doc.json`` is called with cases schemathesis derives from the spec
(its examples, its coverage cases, then Hypothesis fuzzing, positive and negative), against a real
HTTP server (threaded Werkzeug) driving the simulator. Each response must:

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

import base64
import json
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
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

from signal_api.app import create_app
from tests.conftest import VERIFICATION_CODE, Harness, LiveServer

ACCOUNT = "+4915100000001"
PEER = "+4915100000002"
SPARE = "+4915100000003"
NEWCOMER = "+4915100000004"  # registered by the register/verify cases, unregistered after each
OUTSIDER = "+4915100000099"  # a peer outside this service, added to and removed from the group
ATTACHMENT = "fuzz-attachment.png"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2213c"
    "a30000000049454e44ae426082"
)
# Operations whose {number} is the spare account: they unregister it or delete its data.
SPARE_OPERATIONS = {
    ("POST", "/v1/unregister/{number}"),
    ("DELETE", "/v1/devices/{number}/local-data"),
}
# Operations whose {number} is the newcomer: registering it (registering the account again would
# leave it waiting for a verification code).
NEWCOMER_OPERATIONS = {
    ("POST", "/v1/register/{number}"),
    ("POST", "/v1/register/{number}/verify/{token}"),
}
# Operations after which the account may no longer be an active member of its group.
GROUP_LEAVING_OPERATIONS = {
    ("DELETE", "/v1/groups/{number}/{groupid}"),
    ("POST", "/v1/groups/{number}/{groupid}/quit"),
    ("POST", "/v1/groups/{number}/{groupid}/block"),
    ("DELETE", "/v1/groups/{number}/{groupid}/members"),
}
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


class World:
    """The live server and the things that exist on it (re-created when a case removes them)."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.base = f"http://127.0.0.1:{server.port}"
        self.session = requests.Session()
        self.config_dir = server.harness.config_dir
        (self.config_dir / "simulator").mkdir(parents=True, exist_ok=True)
        (self.config_dir / "simulator" / "faults.json").write_text(json.dumps({"link_timeout": 2}))
        for number in (ACCOUNT, PEER, SPARE):
            self.register(number)
        # The peer's profile avatar, for GET /v1/contacts/{number}/{uuid}/avatar.
        response = self.session.put(f"{self.base}/v1/profiles/{PEER}", timeout=60,
                                    json={"name": "Peer", "base64_avatar": base64.b64encode(PNG).decode()})
        assert response.status_code == 204, response.text
        self.group = ""
        self.errors = ServerErrors()
        self.ensure_group()
        self.ensure_attachment()
        for text in ("first", "second"):
            self.post("/v2/send", {"number": PEER, "recipients": [ACCOUNT], "message": text})

    def post(self, path: str, body: Any = None) -> requests.Response:
        return self.session.post(self.base + path, json=body, timeout=60)

    def register(self, number: str) -> None:
        self.post(f"/v1/register/{number}")
        self.post(f"/v1/register/{number}/verify/{VERIFICATION_CODE}")
        assert number in self.session.get(self.base + "/v1/accounts", timeout=60).json()

    def ensure_group(self) -> None:
        """A group the account is an active member of (a case may have left or blocked it)."""
        groups = self.session.get(f"{self.base}/v1/groups/{ACCOUNT}", timeout=60).json()
        if any(g["id"] == self.group and g["member"] and not g["blocked"] for g in groups):
            return
        response = self.post(f"/v1/groups/{ACCOUNT}", {"name": "fuzz", "members": [PEER]})
        assert response.status_code == 201, response.text
        self.group = response.json()["id"]
        response = self.session.put(f"{self.base}/v1/groups/{ACCOUNT}/{self.group}", timeout=60,
                                    json={"base64_avatar": base64.b64encode(PNG).decode()})
        assert response.status_code == 204, response.text
        # A second admin, so that the account may leave the group.
        response = self.post(f"/v1/groups/{ACCOUNT}/{self.group}/admins", {"admins": [PEER]})
        assert response.status_code == 204, response.text

    def ensure_attachment(self) -> None:
        folder = self.config_dir / "attachments"
        folder.mkdir(exist_ok=True)
        (folder / ATTACHMENT).write_bytes(PNG)

    def restore(self, case, response) -> None:  # noqa: ANN001
        """Undo what a successful case may have destroyed."""
        if not 200 <= response.status_code < 300:
            return
        key = (case.method.upper(), case.operation.path)
        if key in SPARE_OPERATIONS:
            self.register(SPARE)
        if key == ("POST", "/v1/register/{number}/verify/{token}"):
            response = self.post(f"/v1/unregister/{NEWCOMER}", {"delete_local_data": True})
            assert response.status_code == 204, response.text
        if key in GROUP_LEAVING_OPERATIONS:
            self.ensure_group()
        if key == ("DELETE", "/v1/attachments/{attachment}"):
            self.ensure_attachment()

    def realistic_path(self, operation_key: tuple[str, str]) -> dict[str, Any]:
        """The value each path parameter usually takes."""
        number = ACCOUNT
        if operation_key in SPARE_OPERATIONS:
            number = SPARE
        elif operation_key in NEWCOMER_OPERATIONS:
            number = NEWCOMER
        return {
            "number": number,
            "groupid": self.group,
            "uuid": PEER,
            "numberToTrust": PEER,
            "attachment": ATTACHMENT,
            "token": VERIFICATION_CODE,
            "deviceId": "2",
        }


RATE_LIMITED_PEER = "+99700000001"  # the simulator answers RATE_LIMIT_FAILURE for +997…
UNREGISTERED_PEER = "+99900000001"  # … and UNREGISTERED_FAILURE for +999…
# Body fields naming people: usually the peer, sometimes one the simulator fails to reach.
PEOPLE = st.sampled_from([PEER, PEER, PEER, RATE_LIMITED_PEER, UNREGISTERED_PEER])
REALISTIC_BODY = {
    "number": st.just(ACCOUNT),
    "recipient": PEOPLE,
    "recipients": st.lists(PEOPLE, min_size=1, max_size=2),
    "target_author": PEOPLE,
    "poll_author": PEOPLE,
    "members": st.lists(PEOPLE, min_size=1, max_size=2),
    "admins": st.just([PEER]),
}

TIMESTAMP = 1769271479000
PACK = {"pack_id": "9a32eda01a7a28574f2eb48668ae0dc4",
        "pack_key": "19546e18eba0ff69dea78eb591465289d39e16f35e58389ae779d4f9455aff3a"}


def realistic_bodies(world: World) -> dict[tuple[str, str], list[Any]]:
    """Requests that succeed (or fail only in the backend), per operation: the success paths."""
    group = world.group
    return {
        ("POST", "/v1/configuration/{number}/settings"): [{"trust_mode": "on-first-use"}],
        ("DELETE", "/v1/devices/{number}/local-data"): [{"ignore_registered": True}],
        ("POST", "/v1/unregister/{number}"): [{"delete_local_data": True}],
        ("POST", "/v1/accounts/{number}/username"): [{"username": "fuzz"}],
        ("POST", "/v1/accounts/{number}/rate-limit-challenge"): [
            {"challenge_token": "token", "captcha": "signalcaptcha://captcha"}],
        ("POST", "/v1/accounts/{number}/pin"): [{"pin": "1234"}],
        # A linked device record (device 2, removed again by DELETE /v1/devices/{number}/2).
        ("POST", "/v1/devices/{number}"): [{"uri": "sgnl://linkdevice?uuid=fuzz&pub_key=BfuzzKey"}],
        ("POST", "/v2/send"): [
            {"number": ACCOUNT, "recipients": [PEER], "message": "Hello *world*", "text_mode": "styled"},
            {"number": ACCOUNT, "recipients": [group], "message": "to the group"},
            {"number": ACCOUNT, "recipients": [PEER, UNREGISTERED_PEER], "message": "partly failing"},
            {"number": ACCOUNT, "recipients": [RATE_LIMITED_PEER], "message": "rate limited"},
        ],
        ("POST", "/v1/send"): [{"number": ACCOUNT, "recipients": [PEER], "message": "v1"}],
        ("POST", "/v1/groups/{number}"): [{"name": "fuzz 2", "members": [PEER]}],
        ("PUT", "/v1/groups/{number}/{groupid}"): [{"description": "fuzzed", "expiration_time": 0}],
        ("POST", "/v1/groups/{number}/{groupid}/members"): [{"members": [OUTSIDER]}],
        ("DELETE", "/v1/groups/{number}/{groupid}/members"): [{"members": [OUTSIDER]}],
        ("POST", "/v1/groups/{number}/{groupid}/admins"): [{"admins": [PEER]}],
        ("DELETE", "/v1/groups/{number}/{groupid}/admins"): [{"admins": [PEER]}],
        ("POST", "/v1/groups/{number}/{groupid}/pin-message"): [{"target_author": PEER, "timestamp": TIMESTAMP}],
        ("DELETE", "/v1/groups/{number}/{groupid}/pin-message"): [{"target_author": PEER, "timestamp": TIMESTAMP}],
        ("POST", "/v1/reactions/{number}"): [
            {"recipient": PEER, "reaction": "👍", "target_author": PEER, "timestamp": TIMESTAMP}],
        ("DELETE", "/v1/reactions/{number}"): [{"recipient": PEER, "target_author": PEER, "timestamp": TIMESTAMP}],
        ("POST", "/v1/receipts/{number}"): [{"recipient": PEER, "receipt_type": "read", "timestamp": TIMESTAMP}],
        ("PUT", "/v1/typing-indicator/{number}"): [{"recipient": PEER}],
        ("DELETE", "/v1/typing-indicator/{number}"): [{"recipient": group}],
        ("DELETE", "/v1/remote-delete/{number}"): [{"recipient": PEER, "timestamp": TIMESTAMP}],
        ("POST", "/v1/polls/{number}"): [{"recipient": PEER, "question": "Fruit?", "answers": ["apple", "pear"]}],
        ("POST", "/v1/polls/{number}/vote"): [
            {"recipient": PEER, "poll_author": PEER, "poll_timestamp": str(TIMESTAMP), "selected_answers": [1]}],
        ("DELETE", "/v1/polls/{number}"): [{"recipient": PEER, "poll_timestamp": TIMESTAMP}],
        ("PUT", "/v1/contacts/{number}"): [{"recipient": PEER, "name": "Peer", "expiration_in_seconds": 0}],
        ("PUT", "/v1/profiles/{number}"): [{"name": "Fuzz", "about": "fuzzing"}],
        ("PUT", "/v1/identities/{number}/trust/{numberToTrust}"): [{"trust_all_known_keys": True}],
        ("POST", "/v1/sticker-packs/{number}"): [PACK],
    }


REALISTIC_QUERIES = {
    ("GET", "/v1/qrcodelink"): [{"device_name": "fuzz"}],
    ("GET", "/v1/qrcodelink/raw"): [{"device_name": "fuzz"}],
    ("GET", "/v1/search/{number}"): [{"numbers": [PEER, UNREGISTERED_PEER]}],
    ("GET", "/v1/search"): [{"numbers": [PEER], "number": ACCOUNT}],
    ("GET", "/v1/receive/{number}"): [{"timeout": 1}],
}


def load_spec() -> dict[str, Any]:
    """The spec, as the app serves it (no server needed: collection builds one test per operation)."""
    with tempfile.TemporaryDirectory() as root:
        app = create_app({"SIGNAL_API_DATA_DIR": root, "SIGNAL_CLI_CONFIG_DIR": f"{root}/cfg"})
        return app.test_client().get("/swagger/doc.json").json


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
        variants += [("body", body) for body in realistic_bodies(world).get(key, [])]
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


class ServerErrors(logging.Handler):
    """The errors the service logs (an unhandled exception's traceback among them)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(logging.Formatter().format(record))


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
        world.restore(case, response)
    return response


OPERATIONS = [(method.upper(), path) for path, item in SPEC["paths"].items() for method in item if method != "parameters"]
# The realistic requests that must fail: the simulator rate-limits this peer.
EXPECTED_FAILURES = {("POST", "/v2/send", RATE_LIMITED_PEER): 429}


def realistic_requests(world: World, method: str, path: str) -> list[dict[str, Any]]:
    """The realistic requests of one operation (its bodies, its queries, or just its path)."""
    key = (method, path)
    operation = SPEC["paths"][path][method.lower()]
    requests_ = [{"body": body} for body in realistic_bodies(world).get(key, [])]
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
