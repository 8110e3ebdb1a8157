"""Every request value reaches signal-cli as a value: a property, checked with signal-cli's parser.

The API runs in normal mode with the real ``CliBackend`` (``argv_capture``): each route's own
argv-building path produces the command line and nothing is executed. Hypothesis fills every
field of every route that reaches the runner with hostile strings (``hostile_requests``). For
each command line:

* the simulator's parser (a Python model of signal-cli's, strict like argparse4j) must read
  exactly the params the route asked for, the account, config dir and trust mode, and nothing
  else; the message text must be on stdin;
* a refused value must be a 400 naming one of the request's fields, and no process started;
* every command line also goes to the real signal-cli 0.13.19 parser (``ArgvProbe.java``),
  which must agree, and whose logging pre-parser must not have read ``-v``, ``--log-file`` or
  ``--scrub-log``.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from signal_api.signalcli.argv import Invocation
from tests.conformance.argv_capture import Capture, Captured, drive, real_problems, send_request
from tests.conformance.hostile_requests import (
    A, B, EVERY_COMMAND, EVERY_ROUTE, OPTION_LIKE_BUT_ACCEPTED, ROUTES, Request,
)
from tests.conformance.real_parser import real_parser  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    from tests.conftest import Harness

    with pytest.MonkeyPatch.context() as monkeypatch:
        capture = Capture()
        capture.install(monkeypatch)
        harness = Harness("normal", tmp_path_factory.mktemp("argv-property"))
        harness.capture = capture
        harness.prefix = len(harness.backend.command)
        # One account with a trust mode, so --trust-new-identities is in the lines too.
        harness.client.post(f"/v1/configuration/{B}/settings", json={"trust_mode": "always"})
        yield harness


def test_every_route_passes_option_like_values_as_values(api, real_parser):  # noqa: F811
    captured, problems = [], []
    for request in EVERY_ROUTE:
        records, found = drive(api, request)
        captured += records
        problems += found
    assert problems == [], "\n".join(problems)
    assert EVERY_COMMAND <= {r.method for r in captured}, sorted(EVERY_COMMAND - {r.method for r in captured})
    parsed = real_parser.parse([r.invocation.argv[api.prefix:] for r in captured])
    assert real_problems(api, captured, parsed) == []
    # The option-like values are there, as values (not a vacuous pass).
    lines = [r.invocation.argv for r in captured]
    assert any(f"--quote-message={OPTION_LIKE_BUT_ACCEPTED}" in line for line in lines)
    assert any(line[-2:] == ["--", "--attachment=/etc/passwd"] or "--username=--attachment=/etc/passwd" in line
               for line in lines)


def test_an_ambiguous_list_is_refused_naming_its_field_and_nothing_runs(api):
    before = len(api.capture.records)
    response = send_request(api, Request("POST", f"/v1/polls/{A}", {
        "recipient": B, "question": "q", "answers": ["a", "--no-multi"]}))
    assert response.status_code == 400
    assert response.json["error"].startswith("Couldn't process request - answers: ")
    assert [r.invocation for r in api.capture.records[before:]] == [None]


EXAMPLES_PER_ROUTE = 30


def test_hostile_values_stay_values(api, real_parser):  # noqa: F811
    sink: list[Captured] = []

    def one_request(request: Request) -> None:
        records, problems = drive(api, request)
        assert problems == [], "\n".join(problems)
        sink.extend(records)

    for name, strategy in ROUTES.items():
        check = settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck))(given(request=strategy)(one_request))
        try:
            check()
        except Exception as exc:
            exc.add_note(f"route: {name}")
            raise
    assert {r.method for r in sink} == EVERY_COMMAND, sorted(EVERY_COMMAND ^ {r.method for r in sink})
    # The real parser confirms them all (one JVM reads a few thousand lines in seconds).
    parsed = real_parser.parse([r.invocation.argv[api.prefix:] for r in sink])
    assert real_problems(api, sink, parsed) == []


def test_the_real_parser_check_sees_an_injected_option(api, real_parser):  # noqa: F811
    """The check itself is not vacuous: the command line the runner built before is caught."""
    config = str(api.backend.config_dir)
    record = Captured("send", {"message": "x", "username": ["bob.12", "--attachment=/tmp/secret.txt"]}, A, None,
                      Invocation(argv=[*api.backend.command, "--config", config, "--output", "json", "-a", A, "send",
                                       "--message-from-stdin", "--username", "bob.12", "--attachment=/tmp/secret.txt"],
                                 stdin="x"))
    logged = Captured("updateGroup", {"name": "x y", "description": "-v"}, A, None,
                      Invocation(argv=[*api.backend.command, f"--config={config}", "--output=json", f"--account={A}",
                                       "updateGroup", "--name=x y", "--log-file=/tmp/x", "--description", "-v"],
                                 stdin=None))
    problems = real_problems(api, [record, logged], real_parser.parse([
        record.invocation.argv[api.prefix:], logged.invocation.argv[api.prefix:]]))
    assert any("attachment: read ['/tmp/secret.txt'], not asked for" in p for p in problems), problems
    assert any("logging pre-parser read" in p and "/tmp/x" in p for p in problems), problems
