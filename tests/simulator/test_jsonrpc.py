"""jsonRpc over stdin/stdout: framing, error codes, batches, notifications, account handling."""

from __future__ import annotations

import json
import subprocess

from signal_api.simulator import state

from .conftest import ALICE, BOB


def rpc(sim, *lines: object, args: tuple[str, ...] = (), account: str | None = None) -> dict:
    """Feed request lines to ``jsonRpc``; return replies keyed by id (ids must be unique)."""
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    proc = subprocess.run(sim.argv("jsonRpc", *args, account=account), input=text, capture_output=True, text=True,
                          timeout=20)
    assert proc.returncode == 0, proc.stderr
    replies = [json.loads(line) for line in proc.stdout.splitlines()]
    return {"_all": replies, **{json.dumps(r.get("id")): r for r in replies if isinstance(r, dict)}}


def req(method: str, rid: object = None, **params: object) -> dict:
    request: dict = {"jsonrpc": "2.0", "method": method}
    if rid is not None:
        request["id"] = rid
    if params:
        request["params"] = params
    return request


def test_basic_methods_and_errors(sim):
    sim.register(ALICE)
    replies = rpc(sim, req("version", 1), req("listAccounts", 2), req("nope", 3), "not json", "",
                  req("send", 4, account="+4900000000", message="x", recipient=BOB),
                  {"jsonrpc": "1.0", "method": "version", "id": 5}, {"jsonrpc": "2.0", "id": 6}, '"text"', "[]",
                  req("version", None), {"jsonrpc": "2.0", "method": "version", "id": None})
    assert replies["1"] == {"jsonrpc": "2.0", "result": {"version": "0.13.19"}, "id": 1}
    assert replies["2"]["result"] == [{"number": ALICE}]
    assert replies["3"]["error"] == {"code": -32601, "message": "Method not implemented", "data": None}
    assert replies["4"]["error"] == {"code": -32602, "message": "Specified account does not exist", "data": None}
    assert replies["5"]["error"]["message"] == "only jsonrpc version 2.0 is supported"
    assert replies["6"]["error"]["message"] == "method field must be set"
    null_id = [r for r in replies["_all"] if r["id"] is None]
    codes = sorted((r.get("error") or {}).get("code", 0) for r in null_id)
    # not json, empty line, "text", [] -> errors; explicit id null -> result; notification -> nothing
    assert codes == [-32700, -32700, -32600, -32600, 0]
    parse_error = next(r for r in null_id if "Unrecognized token" in r.get("error", {}).get("message", ""))
    assert parse_error["error"]["message"].startswith("Unrecognized token 'not': was expecting")
    assert len(replies["_all"]) == 11


def test_batch(sim):
    replies = rpc(sim, [req("version", 9), req("listAccounts", 10), req("version")])
    [batch] = replies["_all"]
    assert sorted(r["id"] for r in batch) == [9, 10]


def test_account_parameter_rules(sim):
    sim.register(ALICE)
    replies = rpc(sim, req("listGroups", 1))  # exactly one account: used by default
    assert replies["1"]["result"] == []
    sim.register(BOB)
    replies = rpc(sim, req("listGroups", 1), req("register", 2), req("listAccounts", 3))
    assert replies["1"]["error"] == {"code": -32602, "message": "Method requires valid account parameter", "data": None}
    assert replies["2"]["error"]["code"] == -32602
    replies = rpc(sim, req("listAccounts", 1), req("listGroups", 2, account="ignored"), account=ALICE)
    assert replies["1"]["error"]["code"] == -32601  # not available in single-account mode
    assert replies["2"]["result"] == []


def test_send_params_and_failure_data(sim):
    sim.register(ALICE)
    sim.register(BOB)
    replies = rpc(sim, req("send", 1, account=ALICE, recipients=[BOB], message="hi", **{"notify-self": True}),
                  req("send", 2, account=ALICE, recipient="+99712345", message="hi"),
                  req("send", 3, account=ALICE, recipient="+99912345", message="hi"))
    assert replies["1"]["result"]["results"][0]["type"] == "SUCCESS"
    error = replies["2"]["error"]
    assert error["code"] == -5 and error["message"] == "Failed to send message due to rate limiting"
    assert error["data"]["response"]["results"][0]["token"]
    assert replies["3"]["error"]["code"] == -1
    assert replies["3"]["error"]["data"]["response"]["results"][0]["type"] == "UNREGISTERED_FAILURE"
    [to_bob] = [c for c in state.read_calls(sim.config_dir) if c["params"].get("recipient") == [BOB]]
    assert to_bob["params"] == {"recipient": [BOB], "notifySelf": True, "message": "hi"}
    assert to_bob["via"] == "jsonrpc" and to_bob["account"] == ALICE and to_bob["argv"] is None


def test_registration_over_rpc(sim):
    replies = rpc(sim, req("register", 1, account=ALICE), req("register", 2, account=BOB, foo=1))
    assert replies["1"]["result"] == {}
    assert replies["2"]["error"]["code"] == -32600
    replies = rpc(sim, req("verify", 1, account=ALICE, verificationCode="123456"))
    assert replies["1"]["result"] == {}
    assert state.find_account(sim.config_dir, ALICE)["registered"] is True


def test_receive_method_only_in_manual_mode(sim):
    sim.register(ALICE)
    sim.register(BOB)
    sim.json("send", "-m", "queued", BOB, account=ALICE)
    replies = rpc(sim, req("receive", 1, account=BOB))
    assert replies["1"]["error"]["message"] == "Receive command cannot be used if messages are already being received."
    replies = rpc(sim, req("receive", 1, account=BOB, timeout=0.2), args=("--receive-mode", "manual"))
    [item] = replies["1"]["result"]
    assert item["account"] == BOB and item["envelope"]["dataMessage"]["message"] == "queued"


def test_cli_and_rpc_record_identical_params(sim, tmp_path):
    sim.register(ALICE)
    path = tmp_path / "f.txt"
    path.write_text("x")
    argv = ["send", "--message-from-stdin", BOB, "--text-style", "0:2:BOLD", "-a", str(path), "--mention",
            f"0:1:{BOB}", "--quote-timestamp", "1700000000000", "--quote-author", BOB, "--notify-self", "--view-once"]
    assert sim.run(*argv, account=ALICE, output="json", input="hi there").returncode == 0
    rpc(sim, req("send", 1, account=ALICE, recipient=[BOB], message="hi there", **{
        "text-style": ["0:2:BOLD"], "attachment": [str(path)], "mentions": [f"0:1:{BOB}"],
        "quote-timestamp": 1700000000000, "quote-author": BOB, "notify-self": True, "view-once": True}))
    cli_call, rpc_call = [c for c in state.read_calls(sim.config_dir) if c["command"] == "send"]
    assert cli_call["params"] == rpc_call["params"]
    assert cli_call["params"]["message"] == "hi there"
    assert cli_call["stdin"] == "hi there" and cli_call["argv"][-len(argv):] == argv
    assert (cli_call["via"], rpc_call["via"]) == ("cli", "jsonrpc")
