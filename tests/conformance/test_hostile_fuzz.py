"""Hostile values in every field of every operation, generated from the OpenAPI spec (hypothesis).

The schemathesis run (``test_fuzz.py``) derives its values from the spec, so it never sent the
values that answered 500 (issue 8): lone surrogates, JSON nested past Python's recursion limit,
integers of thousands of digits, numbers beyond int64 or SQLite's integer. This run sends exactly
such values to a live server on the simulator:

* every body field (nested objects and list items included), every query parameter and every path
  parameter of every operation gets, one field at a time, hostile values of its own JSON type and
  of every other type; the rest of the request is realistic, so the value gets past the other
  fields' checks (``realistic.py``, shared with the schemathesis run);
* every operation with a body gets hostile raw bodies: nested too deep, NaN, invalid UTF-8, lone
  surrogates in keys, trailing data, 5000-digit integers, empty.

Every answer must be no 5xx, have a status the operation documents itself (not only ``default``),
and for a 4xx be a JSON ``{"error": "..."}``; when the refusal is the binding's (``Couldn't
process request - invalid request…``) or names a field (``(field: …)``), the field it names is the
one that got the value. Deterministic (hypothesis ``derandomize``): json-rpc mode, where calls are
cheap, gets several examples per field; normal mode (a process per call) one per field plus the
explicit nastiest values.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from signal_api.extensions import MAX_JSON_DEPTH
from tests.conformance.realistic import REALISTIC_QUERIES, ServerErrors, World, load_spec, realistic_bodies
from tests.conftest import Harness, LiveServer

INVALID_REQUEST = "Couldn't process request - invalid request"
SPEC = load_spec()
SCHEMAS = SPEC["components"]["schemas"]


class Raw:
    """A JSON token written as is (a number Python's json module would refuse to write or parse)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return f"Raw({self.token[:20]}{'…' if len(self.token) > 20 else ''})"


HUGE = Raw("9" * 5000)
HOSTILE_STRINGS = [
    "\ud800", "x\udfffy", "cut \ud83d",                          # lone surrogates
    "-", "--", "-h", "--help", "--attachment=/etc/passwd", "-a", "@/etc/passwd", "--config=/tmp",
    "\n", "a\r\nb", "\x00", "\x1b[31m", "\u202e", " ",
    "", "x" * 10_000, "9" * 5000,
    "\uff0b4915100000002", "+\u0664\u0669\u0661\u0665\u0661\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0662",
    "+", "+49 151 00000002", "4915100000002", "u:x", "PNI:x", "group.", "group.!!",
    "../../etc/passwd", "%2e%2e%2f", "\U0001f600" * 10,
]
HOSTILE_NUMBERS: list[Any] = [
    -1, 0, 2**31, -(2**31) - 1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, HUGE, Raw("-" + "9" * 5000),
    Raw("1e3"), Raw("1.0"), Raw("-0"), 1.5, Raw("1e999"),
]
OTHER_TYPES: list[Any] = [True, False, None, [], {}, [None], {"a": 1}, "1", "true", [["x"]]]
TYPE_VALUES = {
    "string": HOSTILE_STRINGS,
    "integer": HOSTILE_NUMBERS,
    "number": HOSTILE_NUMBERS,
    "boolean": ["yes", "true", 1, 0, "false", None],
}
RAW_BODIES = [
    b"", b"   ", b"null", b"[]", b'"x"', b"1", b"{", b"{} trailing", b"{}{}",
    ("[" * (MAX_JSON_DEPTH + 1)).encode(), ('{"a":' * 1200 + "1" + "}" * 1200).encode(),
    ("[" * 100_000).encode(), b'{"x": NaN}', b'{"x": -Infinity}', b'{"x": ' + b"9" * 5000 + b"}",
    b'{"\\ud800": 1}', b'{"x": "\\udc00"}', b'{"x": "\xff\xfe"}', b"\xef\xbb\xbf{}", b'{"x": "\x01"}',
]


# ---------------------------------------------------------------- the operations and their fields


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with ``$ref`` and single-``allOf`` wrappers resolved."""
    while True:
        if "$ref" in schema:
            schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]]
        elif len(schema.get("allOf", [])) == 1:
            schema = {**schema["allOf"][0], **{k: v for k, v in schema.items() if k != "allOf"}}
        else:
            return schema


def body_fields(schema: dict[str, Any], prefix: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str]]:
    """Every field of a body schema as (path, JSON type); list items have the index 0 in the path."""
    out = []
    for name, prop in resolve(schema).get("properties", {}).items():
        prop = resolve(prop)
        path = (*prefix, name)
        kind = prop.get("type", "object" if "properties" in prop else "string")
        out.append((path, kind))
        if kind == "object":
            out += body_fields(prop, path)
        if kind == "array":
            items = resolve(prop.get("items", {}))
            item_kind = items.get("type", "object" if "properties" in items else "string")
            out.append(((*path, 0), item_kind))
            if item_kind == "object":
                out += body_fields(items, (*path, 0))
    return out


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every operation, with the path's parameters among its own."""
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
                yield method.upper(), path, {**operation, "parameters": parameters}


def field_cases() -> list[tuple[str, str, str, tuple[Any, ...], str]]:
    """(method, path, location, field path, type) for every field of every operation."""
    cases = []
    for method, path, operation in operations():
        for parameter in operation.get("parameters", []):
            if parameter["in"] in ("path", "query"):
                kind = parameter.get("schema", {}).get("type", "string")
                cases.append((method, path, parameter["in"], (parameter["name"],), kind))
        content = operation.get("requestBody", {}).get("content", {})
        for media in content.values():
            cases += [(method, path, "body", field, kind) for field, kind in body_fields(media["schema"])]
    return cases


FIELD_CASES = field_cases()
BODY_OPERATIONS = [(method, path) for method, path, operation in operations() if "requestBody" in operation]
# A "/" in a path parameter (also encoded: Werkzeug decodes it before routing) or nothing at all
# makes it another route. Lone surrogates go into URLs as the bytes of their (invalid) UTF-8.
PATH_VALUES = [v for v in HOSTILE_STRINGS if v and "/" not in v]


# ---------------------------------------------------------------- requests


def encode(value: Any) -> str:
    """JSON text of ``value`` with :class:`Raw` tokens written as they are."""
    tokens: list[str] = []

    def placeholder(raw: Raw) -> str:
        tokens.append(raw.token)
        return f"\u0001RAW{len(tokens) - 1}\u0001"

    def swap(item: Any) -> Any:
        if isinstance(item, Raw):
            return placeholder(item)
        if isinstance(item, dict):
            return {key: swap(v) for key, v in item.items()}
        if isinstance(item, list):
            return [swap(v) for v in item]
        return item

    text = json.dumps(swap(value))
    for index, token in enumerate(tokens):
        text = text.replace(json.dumps(f"\u0001RAW{index}\u0001"), token)
    return text


def with_value(body: Any, field: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A copy of ``body`` whose ``field`` (a path of keys and list indexes) holds ``value``."""
    root = json.loads(json.dumps(body)) if isinstance(body, dict) else {}
    node: Any = root
    for step, following in zip(field, field[1:]):
        blank: Any = [] if isinstance(following, int) else {}
        if isinstance(step, int):
            while len(node) <= step:
                node.append(blank)
            if not isinstance(node[step], type(blank)):
                node[step] = blank
        elif not isinstance(node.get(step), type(blank)):
            node[step] = blank
        node = node[step]
    last = field[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value
    return root


class Fuzzer:
    """One mode's live server and the requests of this run."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.session = requests.Session()

    def base(self, method: str, path: str) -> tuple[dict[str, str], dict[str, Any], Any]:
        """Realistic path parameters, query and body of an operation."""
        realistic = self.world.realistic_path((method, path))
        params = {name: str(realistic[name]) for name in re.findall(r"{(\w+)}", path)}
        query = dict((REALISTIC_QUERIES.get((method, path)) or [{}])[0])
        bodies = realistic_bodies(self.world.group, self.world.invite).get((method, path))
        body = bodies[0] if bodies else ({} if (method, path) in BODY_OPERATIONS else None)
        return params, query, body

    def send(self, method: str, path: str, params: dict[str, str], query: dict[str, Any],
             body: bytes | None) -> requests.Response:
        url = self.world.base + re.sub(r"{(\w+)}", lambda m: url_quote(params[m.group(1)]), path)
        if (method, path) == ("GET", "/v1/receive/{number}"):
            # A valid timeout makes the GET wait that long for messages: at most a second here.
            timeout = str(query.get("timeout", "1"))
            if timeout.isascii() and timeout.isdigit() and len(timeout) < 6 and int(timeout) > 1:
                query = {**query, "timeout": "1"}
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self.world.errors.records.clear()
        pairs = [(key, item) for key, value in query.items() for item in (value if isinstance(value, list) else [value])]
        if pairs:
            url += "?" + "&".join(f"{url_quote(key)}={url_quote(str(item))}" for key, item in pairs)
        response = self.session.request(method, url, data=body, headers=headers, timeout=120)
        self.world.restore(method, path, response.status_code)
        return response

    def check(self, method: str, path: str, response: requests.Response, field: str | None) -> None:
        operation = SPEC["paths"][path][method.lower()]
        documented = {code for code in operation["responses"] if code != "default"}
        context = f"{method} {path} [{field}] -> {response.status_code}: {response.content[:300]!r}"
        if self.world.errors.records:
            context += "\nThe server logged:\n" + "\n".join(self.world.errors.records)
        assert response.status_code < 500, context
        assert str(response.status_code) in documented, f"{context}\ndocumented: {sorted(documented)}"
        if response.status_code < 400:
            return
        body = response.json()
        assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], context
        if response.status_code != 429:
            assert set(body) == {"error"}, context
        if field is None:
            return
        text = body["error"]
        named = re.findall(r"\(field: ([^)]+)\)$", text)
        if named:
            assert named[0] == field or named[0].startswith(f"{field}."), context
        elif text.startswith(INVALID_REQUEST) and not text.startswith(f"{INVALID_REQUEST}: the body"):
            assert re.search(rf"(^|[\s(]){re.escape(field)}(\.|:)", text), context

    def field_request(self, method: str, path: str, location: str, field: tuple[Any, ...], value: Any) -> None:
        params, query, body = self.base(method, path)
        name = ".".join(str(step) for step in field)
        if location == "path":
            params[field[0]] = value
        elif location == "query":
            query[field[0]] = encode(value) if not isinstance(value, str) else value
        else:
            body = with_value(body, field, value)
        raw = None if body is None else encode(body).encode()
        self.check(method, path, self.send(method, path, params, query, raw), name)

    def raw_request(self, method: str, path: str, raw: bytes) -> None:
        params, query, _ = self.base(method, path)
        self.check(method, path, self.send(method, path, params, query, raw), None)


def url_quote(value: str) -> str:
    """Percent-encode ``value``'s UTF-8 (a lone surrogate as the bytes of its invalid encoding)."""
    return requests.utils.quote(value.encode("utf-8", "surrogatepass"), safe="")


def hostile_values(kind: str) -> st.SearchStrategy[Any]:
    """Values of the field's own type first, then of every other JSON type."""
    own = TYPE_VALUES.get(kind, [])
    others = [v for other, values in TYPE_VALUES.items() if other != kind for v in values[:6]]
    return st.one_of(st.sampled_from(own or HOSTILE_STRINGS), st.sampled_from(others + OTHER_TYPES),
                     st.text(max_size=12))


def start(mode: str, root: Path) -> Iterator[Fuzzer]:
    harness = Harness(mode, root)
    harness.app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)  # a bug is a 500, not an exception
    harness.start()
    server = LiveServer(harness)
    logger = logging.getLogger("signal_api")
    level = logger.level  # POST /v1/configuration changes it
    world = None
    try:
        world = World(server)
        logger.addHandler(world.errors)
        yield Fuzzer(world)
    finally:
        if world is not None:
            logger.removeHandler(world.errors)
        logger.setLevel(level)
        server.stop()
        harness.stop()


@pytest.fixture(scope="module")
def json_rpc(tmp_path_factory) -> Iterator[Fuzzer]:
    yield from start("json-rpc", tmp_path_factory.mktemp("hostile-json-rpc"))


@pytest.fixture(scope="module")
def normal(tmp_path_factory) -> Iterator[Fuzzer]:
    yield from start("normal", tmp_path_factory.mktemp("hostile-normal"))


SETTINGS = dict(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate])
CASE_IDS = [f"{m} {p} {loc}:{'.'.join(map(str, f))}" for m, p, loc, f, _ in FIELD_CASES]


NASTIEST: list[Any] = ["\ud800", HUGE, -1, "--help", "\uff0b4915100000002", {"a": [[[]]]}]


def nastiest(test):  # noqa: ANN001, ANN201
    """The values that answered 500 or reached signal-cli unchecked before: tried first in every field."""
    for value in NASTIEST:
        test = example(data=value)(test)
    return test


def draw(data: Any, location: str, kind: str) -> Any:
    """The value of one example: an explicit one (:data:`NASTIEST`) or drawn for the field."""
    if location == "path":
        # Path parameters are strings: the explicit non-strings stand for the first path values.
        if isinstance(data, st.DataObject):
            return data.draw(st.sampled_from(PATH_VALUES))
        return data if data in PATH_VALUES else PATH_VALUES[NASTIEST.index(data) % len(PATH_VALUES)]
    return data.draw(hostile_values(kind)) if isinstance(data, st.DataObject) else data


@pytest.mark.parametrize(("method", "path", "location", "field", "kind"), FIELD_CASES, ids=CASE_IDS)
@settings(max_examples=25, **SETTINGS)
@nastiest
@given(data=st.data())
def test_hostile_field_values_json_rpc(json_rpc, method, path, location, field, kind, data):
    json_rpc.field_request(method, path, location, field, draw(data, location, kind))


@pytest.mark.parametrize(("method", "path", "location", "field", "kind"), FIELD_CASES, ids=CASE_IDS)
@settings(max_examples=1, phases=[Phase.explicit], **{k: v for k, v in SETTINGS.items() if k != "phases"})
@nastiest
@given(data=st.data())
def test_hostile_field_values_normal(normal, method, path, location, field, kind, data):
    normal.field_request(method, path, location, field, draw(data, location, kind))


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS, ids=[f"{m} {p}" for m, p in BODY_OPERATIONS])
@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_hostile_raw_bodies(request, mode, method, path):
    fuzzer = request.getfixturevalue("normal" if mode == "normal" else "json_rpc")
    for raw in RAW_BODIES:
        fuzzer.raw_request(method, path, raw)


def test_every_operation_and_field_is_fuzzed():
    """The field catalogue covers the spec: every operation, every parameter, every body property."""
    fuzzed = {(m, p) for m, p, *_ in FIELD_CASES}
    with_inputs = {(m, p) for m, p, op in operations() if op.get("parameters") or "requestBody" in op}
    assert with_inputs <= fuzzed
    fields = {(m, p, ".".join(map(str, f))) for m, p, _, f, _ in FIELD_CASES}
    assert ("POST", "/v2/send", "mentions.0.author") in fields
    assert ("POST", "/v2/send", "link_preview.base64_thumbnail") in fields
    assert ("GET", "/v1/receive/{number}", "timeout") in fields
    assert ("PUT", "/v1/identities/{number}/trust/{numberToTrust}", "numberToTrust") in fields
