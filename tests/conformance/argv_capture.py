"""Capture the command lines the real CliBackend builds, and check them with both parsers.

``Capture.install`` replaces only the process start of ``CliBackend`` (``run``, ``stream``,
``LinkProcesses.start``): each route's own path through ``call``/``poll``/``start_link`` ->
``build_invocation`` builds the command line, nothing is executed, and each command answers
what signal-cli would print. The checks compare what a parser reads from a command line with
what the route asked for.
"""
from __future__ import annotations

import contextlib
import copy
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest

from signal_api.signalcli.argv import ArgumentValueError, Invocation
from signal_api.signalcli.cli import CliBackend
from signal_api.signalcli.linking import LinkProcesses
from signal_api.simulator.cli import parse_command_line
from tests.conformance.hostile_requests import INTERNAL, REQUEST_FIELDS, URI, Request, encoded
from tests.conformance.real_parser import Parsed

# What the "signal-cli" of each command prints (the process is never started).
LIST_RESULTS = {"listContacts", "getUserStatus", "listIdentities", "listDevices", "listStickerPacks", "listAccounts"}
GROUP_ENTRY = {"id": INTERNAL, "name": "Team", "description": "", "isMember": True, "isBlocked": False,
               "members": [], "pendingMembers": [], "requestingMembers": [], "admins": [], "groupInviteLink": ""}
RESULT = {"timestamp": 1700000000000, "results": [], "groupId": INTERNAL, "username": "ay.42", "usernameLink": "",
          "data": ""}
# Real-parser errors about a value, not about the command line's shape: the value was read as a value.
VALUE_ERRORS = ("could not convert", "invalid choice")

@dataclass
class Captured:
    """One backend call the API made: what it asked for and the command line built for it."""

    method: str
    params: dict[str, Any]
    account: str | None
    trust: str | None
    invocation: Invocation | None = None
    refused: str | None = None


@dataclass
class Capture:
    """Records every call of the real CliBackend; answers as signal-cli would, runs nothing."""

    records: list[Captured] = field(default_factory=list)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        capture = self
        original_call, original_poll, original_link = CliBackend.call, CliBackend.poll, CliBackend.start_link

        def call(backend, method, params=None, *, account=None, timeout=None):  # noqa: ANN001, ANN202
            capture.records.append(Captured(method, copy.deepcopy(dict(params or {})), account,
                                            backend.trust_mode_for(account)))
            try:
                return original_call(backend, method, params, account=account, timeout=timeout)
            except ArgumentValueError as exc:
                capture.records[-1].refused = str(exc)
                raise

        def poll(backend, account, options):  # noqa: ANN001, ANN202
            capture.records.append(Captured("receive", options.as_params(), account, backend.trust_mode_for(account)))
            try:
                return original_poll(backend, account, options)
            except ArgumentValueError as exc:
                capture.records[-1].refused = str(exc)
                raise

        def start_link(backend, device_name):  # noqa: ANN001, ANN202
            capture.records.append(Captured("link", {"name": device_name}, None, None))
            try:
                return original_link(backend, device_name)
            except ArgumentValueError as exc:
                capture.records[-1].refused = str(exc)
                raise

        def run(backend, invocation, *, timeout=None):  # noqa: ANN001, ANN202
            capture.records[-1].invocation = invocation
            method = capture.records[-1].method
            if method == "listGroups":
                return json.dumps([GROUP_ENTRY])
            return json.dumps([] if method in LIST_RESULTS else RESULT)

        def stream(backend, invocation, on_document, *, timeout):  # noqa: ANN001, ANN202
            capture.records[-1].invocation = invocation
            return 0

        def link_start(links, device_name, argv, *, first_line_timeout):  # noqa: ANN001, ANN202
            capture.records[-1].invocation = Invocation(argv=list(argv), stdin=None)
            return URI

        monkeypatch.setattr(CliBackend, "call", call)
        monkeypatch.setattr(CliBackend, "poll", poll)
        monkeypatch.setattr(CliBackend, "start_link", start_link)
        monkeypatch.setattr(CliBackend, "run", run)
        monkeypatch.setattr(CliBackend, "stream", stream)
        monkeypatch.setattr(LinkProcesses, "start", link_start)


def send_request(api, request: Request):
    kwargs: dict[str, Any] = {"method": request.method}
    if request.query:
        kwargs["query_string"] = urlencode(request.query, doseq=True, quote_via=lambda text, *_: encoded(text))
    if request.body is not None:
        # ASCII JSON: a lone surrogate travels as its \\ud800 escape, as a client would send it.
        kwargs.update(data=json.dumps(request.body, ensure_ascii=True), content_type="application/json")
    return api.client.open(request.path, **kwargs)


def expected_params(record: Captured) -> dict[str, Any]:
    """What the command line must hold: the call's params, the message text moved to stdin."""
    params = {k: v for k, v in record.params.items() if v is not None and v != []}
    if record.method == "send" and "message" in params:
        params.pop("message")
        params["messageFromStdin"] = True
    return params


def same(expected: Any, actual: Any) -> bool:
    """``actual`` (a parser's typed reading) holds ``expected`` (a param as the route gave it)."""
    if expected is None:
        return actual in (None, False, [])
    if isinstance(expected, bool) or isinstance(actual, bool):
        return bool(expected) == bool(actual) and (actual is not None or expected is False)
    if isinstance(actual, list) and not isinstance(expected, (list, tuple)):
        expected = [expected]  # one value for a list option (a group id, a recipient)
    if isinstance(expected, (list, tuple)):
        return isinstance(actual, list) and len(actual) == len(expected) and all(map(same, expected, actual))
    try:
        if isinstance(actual, int):
            return int(str(expected)) == actual
        if isinstance(actual, float):
            return float(expected) == actual
    except (TypeError, ValueError):
        return False
    return str(expected) == actual


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    problems = [f"{key}: asked {value!r}, read {actual.get(key)!r}" for key, value in expected.items()
                if not same(value, actual.get(key))]
    problems += [f"{key}: read {value!r}, not asked for" for key, value in actual.items()
                 if key not in expected and value not in (None, False, [])]
    return problems


def model_problems(api, record: Captured) -> list[str]:
    """The simulator's (argparse4j-strict) parser must read back exactly what was asked."""
    argv = record.invocation.argv[api.prefix:]
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            line = parse_command_line(argv)
    except SystemExit:
        message = stderr.getvalue().strip().splitlines()[-1] if stderr.getvalue().strip() else "exit"
        if any(fragment in message for fragment in VALUE_ERRORS):
            return []
        return [f"the model refused {argv!r}: {message}"]
    problems = differences(expected_params(record), line.params)
    problems += differences(global_expectations(api, record), {
        "config": line.options.config, "account": line.options.account, "output": line.options.output,
        "trustNewIdentities": line.options.trust_new_identities,
        "verbose": line.options.verbose or None, "logFile": line.options.log_file,
        "scrubLog": line.options.scrub_log})
    if line.command.name != record.method:
        problems.append(f"command {line.command.name!r} instead of {record.method!r}")
    if record.method == "send" and "message" in record.params and record.invocation.stdin != record.params["message"]:
        problems.append("the message text is not what stdin carries")
    return [f"{record.method} {argv!r}: {p}" for p in problems]


def global_expectations(api, record: Captured) -> dict[str, Any]:
    wanted = {"config": str(api.backend.config_dir), "output": None if record.method == "link" else "json"}
    if record.account is not None:
        wanted["account"] = record.account
    if record.trust is not None:
        wanted["trustNewIdentities"] = record.trust
    return wanted


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def real_problems(api, records: list[Captured], parsed: list[Parsed]) -> list[str]:
    problems = []
    for record, reading in zip(records, parsed):
        argv = record.invocation.argv[api.prefix:]
        if not reading.logging_untouched:
            problems.append(f"{argv!r}: the logging pre-parser read {reading.logging}")
        if reading.error is not None:
            if not any(fragment in reading.error for fragment in VALUE_ERRORS):
                problems.append(f"{argv!r}: the real parser refused it: {reading.error}")
            continue
        expected = {snake(k): v for k, v in {**expected_params(record), **global_expectations(api, record)}.items()}
        found = [f"{argv!r}: {p}" for p in differences(expected, reading.set or {})]
        if reading.command != record.method:
            found.append(f"{argv!r}: command {reading.command!r} instead of {record.method!r}")
        problems += found
    return problems


def check_responses(api, request: Request, response, records: list[Captured]) -> list[str]:
    """HTTP side: no 500; a refused value is a 400 naming a field of the request; nothing ran."""
    problems = []
    if response.status_code >= 500:
        problems.append(f"{request}: {response.status_code} {response.data[:300]!r}")
    for record in records:
        if record.refused is None:
            continue
        if record.invocation is not None:
            problems.append(f"{record.method}: refused ({record.refused}) but a command line was still run")
        match = re.match(r"Couldn't process request - ([\w.]+): ", record.refused)
        if match is None or match.group(1) not in REQUEST_FIELDS:
            problems.append(f"{record.method}: the refusal does not name a request field: {record.refused}")
        if (response.status_code, (response.json or {}).get("error")) != (400, record.refused):
            problems.append(f"{request}: refusal {record.refused!r} answered {response.status_code} {response.data!r}")
    return problems


def drive(api, request: Request) -> tuple[list[Captured], list[str]]:
    """Send one request; return the calls it made and the problems found with the model."""
    before = len(api.capture.records)
    response = send_request(api, request)
    records = api.capture.records[before:]
    problems = check_responses(api, request, response, records)
    for record in records:
        if record.invocation is not None:
            problems += model_problems(api, record)
    return [r for r in records if r.invocation is not None], problems
