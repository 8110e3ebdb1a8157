"""The same requests to the real signal-cli 0.13.19 and to the simulator give the same answers."""
from __future__ import annotations

import json

import pytest

from tests.conformance.real_signal_cli import real_command, real_env, run, simulator_command

A = "+4915112345678"
B = "+4915187654321"


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """Run the same arguments against both, each on its own empty config dir."""
    real_dir = tmp_path_factory.mktemp("real")
    sim_dir = tmp_path_factory.mktemp("sim")

    def go(args, stdin=None):
        real = run(real_command(), ["--config", str(real_dir), *args], stdin=stdin, env=real_env())
        sim = run(simulator_command(), ["--config", str(sim_dir), *args], stdin=stdin)
        return real, sim

    return go


def error_line(stderr: str) -> str:
    """The message of a failure: the last stderr line that is not a log line."""
    lines = [l.strip() for l in stderr.splitlines() if l.strip() and not l.startswith(("INFO ", "WARN ", "DEBUG "))]
    return lines[-1] if lines else ""


@pytest.mark.parametrize("args", [
    ["--version"],
    ["version"],
    ["-o", "json", "version"],
    ["listAccounts"],
    ["-o", "json", "listAccounts"],
])
def test_same_output(both, args):
    real, sim = both(args)
    assert (sim.returncode, sim.stdout) == (real.returncode, real.stdout)


@pytest.mark.parametrize("args", [
    ["-a", A, "send", "-m", "hi", B],                       # an account that does not exist
    ["-a", A, "-o", "json", "receive", "-t", "1"],
    ["-a", A, "listGroups", "-d"],
    ["-a", "12345", "send", "-m", "hi", B],                 # not a phone number
    ["send", "-m", "hi", B],                                 # no account at all
    ["-a", A, "listAccounts"],                               # multi-account only
    ["-a", A, "link"],                                       # provisioning refuses -a
    ["-o", "json", "link"],                                  # plain-text only
])
def test_same_errors_and_exit_codes(both, args):
    real, sim = both(args)
    assert sim.returncode == real.returncode, (real.stderr, sim.stderr)
    assert error_line(sim.stderr) == error_line(real.stderr)


@pytest.mark.parametrize("args, prefix", [
    (["bogusCommand"], "signal-cli: error: invalid choice: 'bogusCommand'"),
    (["-o", "xml", "version"], "signal-cli: error: argument -o/--output: could not convert 'xml'"),
    ([], "signal-cli: error: too few arguments"),
    (["-a", A, "remoteDelete", B], "signal-cli: error: argument -t/--target-timestamp is required"),
])
def test_same_argument_errors(both, args, prefix):
    real, sim = both(args)
    assert real.returncode == sim.returncode == 1
    assert "usage:" in real.stderr and "usage:" in sim.stderr
    real_error, sim_error = argparse_error(real.stderr), argparse_error(sim.stderr)
    assert real_error.startswith(prefix) and sim_error.startswith(prefix)
    if "invalid choice" in real_error:  # the command lists differ (the simulator has more)
        assert sim_error.split(" (choose from")[0] == real_error.split(" (choose from")[0]
    else:
        assert sim_error == real_error


def argparse_error(stderr: str) -> str:
    """The text from ``signal-cli: error:`` on, with argparse4j's re-flowed spacing folded."""
    folded = " ".join(stderr.split())
    return folded[folded.index("signal-cli: error:"):]


JSON_RPC_SESSION = [
    {"jsonrpc": "2.0", "method": "listAccounts", "id": 1},
    {"jsonrpc": "2.0", "method": "version", "id": 2},
    {"jsonrpc": "2.0", "method": "send", "params": {"account": A, "recipient": [B], "message": "x"}, "id": 3},
    {"jsonrpc": "2.0", "method": "send", "params": {"recipient": [B], "message": "x"}, "id": 4},
    {"jsonrpc": "2.0", "method": "noSuchMethod", "id": 5},
    [{"jsonrpc": "2.0", "method": "version", "id": 9}, {"jsonrpc": "2.0", "method": "listAccounts", "id": 10}],
    {"jsonrpc": "2.0", "method": "version"},
    {"jsonrpc": "2.0", "method": "subscribeReceive", "id": 8},
    {"jsonrpc": "2.0", "method": "unsubscribeReceive", "params": {"subscription": 99}, "id": 7},
    {"jsonrpc": "1.0", "method": "version", "id": 11},
    {"jsonrpc": "2.0", "id": 12},
]


def responses(stdout: str) -> dict:
    """Responses keyed by id (batches by their sorted ids); they arrive in any order."""
    keyed = {}
    for line in stdout.splitlines():
        message = json.loads(line)
        if isinstance(message, list):
            keyed[tuple(sorted(str(m["id"]) for m in message))] = sorted(message, key=lambda m: str(m["id"]))
        elif "id" in message:
            keyed[str(message["id"])] = message
    return keyed


def test_json_rpc_protocol_matches(both):
    session = "\n".join(json.dumps(r) for r in JSON_RPC_SESSION) + "\n"
    real, sim = both(["jsonRpc"], stdin=session)
    assert real.returncode == sim.returncode == 0
    real_responses, sim_responses = responses(real.stdout), responses(sim.stdout)
    assert sim_responses == real_responses
    # The notification (no id) got no answer from either.
    assert len(real.stdout.splitlines()) == len(sim.stdout.splitlines())


def test_json_rpc_parse_error_matches(both):
    real, sim = both(["jsonRpc"], stdin="not json\n")
    real_error, sim_error = json.loads(real.stdout)["error"], json.loads(sim.stdout)["error"]
    assert sim_error["code"] == real_error["code"] == -32700
    assert sim_error["message"] == real_error["message"]
