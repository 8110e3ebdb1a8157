"""sendReaction, sendReceipt, sendTyping, remoteDelete and the poll commands, over the CLI and JSON-RPC."""

from __future__ import annotations

from signal_api.simulator import state

from .conftest import ALICE, BOB, CAROL
from .test_jsonrpc import req, rpc

PEER = "+4930123456"


def _only(sim, number: str) -> dict:
    [item] = sim.receive(number)
    assert item["envelope"]["sourceNumber"] == ALICE
    return item["envelope"]


def test_reaction_reaches_the_recipient(pair):
    bob = state.find_account(pair.config_dir, BOB)
    result = pair.json("sendReaction", BOB, "-e", "🎉", "-a", BOB, "-t", "1700000000000", account=ALICE)
    assert result["results"][0]["type"] == "SUCCESS"
    env = _only(pair, BOB)
    assert env["timestamp"] == result["timestamp"]
    assert env["dataMessage"]["message"] is None
    assert env["dataMessage"]["reaction"] == {
        "emoji": "🎉", "targetAuthor": BOB, "targetAuthorNumber": BOB, "targetAuthorUuid": bob["uuid"],
        "targetSentTimestamp": 1700000000000, "isRemove": False}
    pair.json("sendReaction", BOB, "-e", "🎉", "-a", bob["uuid"], "-t", "5", "-r", account=ALICE)
    assert _only(pair, BOB)["dataMessage"]["reaction"]["isRemove"] is True


def test_reaction_needs_emoji_author_and_timestamp(pair):
    proc = pair.run("sendReaction", BOB, "-e", "x", "-t", "5", account=ALICE)
    assert proc.returncode == 1
    assert "argument -a/--target-author is required" in proc.stderr
    proc = pair.run("sendReaction", "-e", "x", "-a", BOB, "-t", "5", account=ALICE)
    assert (proc.returncode, proc.stderr.strip()) == (1, "No recipients given")


def test_receipt_types(pair):
    pair.json("sendReceipt", BOB, "-t", "11", "12", account=ALICE)
    receipt = _only(pair, BOB)["receiptMessage"]
    assert receipt["timestamps"] == [11, 12]
    assert (receipt["isDelivery"], receipt["isRead"], receipt["isViewed"]) == (False, True, False)
    assert receipt["when"] > 0
    pair.json("sendReceipt", BOB, "-t", "11", "--type", "viewed", account=ALICE)
    assert _only(pair, BOB)["receiptMessage"]["isViewed"] is True
    proc = pair.run("sendReceipt", BOB, "-t", "11", "--type", "heard", account=ALICE)
    assert proc.returncode == 1
    assert "could not convert 'heard'" in proc.stderr
    proc = pair.run("sendReceipt", BOB, "-t", "x1", account=ALICE)
    assert proc.returncode == 1
    assert "could not convert 'x1' to Long" in proc.stderr


def test_typing_in_a_group_reaches_every_member_but_the_sender(pair):
    pair.register(CAROL)
    group_id = pair.json("updateGroup", "-n", "Team", "-m", BOB, CAROL, account=ALICE)["groupId"]
    for number in (BOB, CAROL):
        pair.receive(number)  # the group update
    result = pair.json("sendTyping", "-g", group_id, account=ALICE)
    assert len(result["results"]) == 2
    for number in (BOB, CAROL):
        typing = _only(pair, number)["typingMessage"]
        assert typing == {"action": "STARTED", "timestamp": result["timestamp"], "groupId": group_id}
    assert pair.receive(ALICE) == []
    stopped = pair.json("sendTyping", "--stop", BOB, account=ALICE)
    assert _only(pair, BOB)["typingMessage"] == {"action": "STOPPED", "timestamp": stopped["timestamp"]}


def test_remote_delete_plain_output_and_outbox_for_peers(pair):
    proc = pair.run("remoteDelete", "-t", "77", PEER, account=ALICE)
    assert proc.returncode == 0
    timestamp = int(proc.stdout.strip())
    [record] = state.read_outbox(pair.config_dir)
    assert record["to"] == PEER and record["timestamp"] == timestamp
    assert record["envelope"]["dataMessage"]["remoteDelete"] == {"timestamp": 77}


def test_poll_create_vote_terminate(pair):
    bob = state.find_account(pair.config_dir, BOB)
    poll = pair.json("sendPollCreate", BOB, "-q", "Fruit?", "-o", "apple", "banana", "cherry", account=ALICE)
    assert _only(pair, BOB)["dataMessage"]["pollCreate"] == {
        "question": "Fruit?", "allowMultiple": True, "options": ["apple", "banana", "cherry"]}
    pair.json("sendPollCreate", BOB, "-q", "One?", "--no-multi", "-o", "a", "b", account=ALICE)
    assert _only(pair, BOB)["dataMessage"]["pollCreate"]["allowMultiple"] is False
    pair.json("sendPollVote", BOB, "--poll-author", BOB, "--poll-timestamp", str(poll["timestamp"]), "-o", "0", "2",
              "--vote-count", "2", account=ALICE)
    assert _only(pair, BOB)["dataMessage"]["pollVote"] == {
        "author": BOB, "authorNumber": BOB, "authorUuid": bob["uuid"], "targetSentTimestamp": poll["timestamp"],
        "optionIndexes": [0, 2], "voteCount": 2}
    pair.json("sendPollTerminate", BOB, "--poll-timestamp", str(poll["timestamp"]), account=ALICE)
    assert _only(pair, BOB)["dataMessage"]["pollTerminate"] == {"targetSentTimestamp": poll["timestamp"]}


def test_poll_option_rules(pair):
    for options, message in ((["a"], "Poll needs at least two options"),
                             ([str(i) for i in range(11)], "Poll cannot have more than 10 options"),
                             (["a", ""], "Poll options must not be empty")):
        proc = pair.run("sendPollCreate", BOB, "-q", "Q", "-o", *options, account=ALICE)
        assert (proc.returncode, proc.stderr.strip()) == (1, message)
    assert pair.receive(BOB) == []


def test_actions_over_json_rpc(pair):
    bob = state.find_account(pair.config_dir, BOB)
    replies = rpc(pair,
                  req("sendReaction", 1, account=ALICE, recipient=BOB, emoji="👍", targetTimestamp=9),
                  req("sendReceipt", 2, account=ALICE, recipient=BOB, targetTimestamp=9, type="viewed"),
                  req("sendTyping", 3, account=ALICE, recipient=[BOB], stop=True),
                  req("remoteDelete", 4, account=ALICE, recipients=[BOB], targetTimestamp=9),
                  req("sendPollCreate", 5, account=ALICE, recipient=BOB, question="Q", options=["a", "b"],
                      noMulti=True),
                  req("sendPollVote", 6, account=ALICE, recipient=BOB, pollTimestamp=9, option=[1], voteCount=4),
                  req("sendPollTerminate", 7, account=ALICE, recipient=BOB, pollTimestamp=9),
                  req("sendPollVote", 8, account=ALICE, recipient=BOB, option=[1], voteCount=4),
                  args=("--receive-mode", "manual"))  # else jsonRpc itself takes BOB's envelopes
    for rid in "1234567":
        assert replies[rid]["result"]["results"][0]["type"] == "SUCCESS", replies[rid]
    assert replies["8"]["error"]["code"] == -1
    envelopes = [item["envelope"] for item in pair.receive(BOB)]
    assert len(envelopes) == 7
    kinds = {key for env in envelopes for key in ("receiptMessage", "typingMessage") if key in env}
    assert kinds == {"receiptMessage", "typingMessage"}
    data = {key: value for env in envelopes for key, value in env.get("dataMessage", {}).items()}
    # JSON-RPC: the target author defaults to the only recipient.
    assert data["reaction"]["targetAuthorUuid"] == bob["uuid"]
    assert data["remoteDelete"] == {"timestamp": 9}
    assert data["pollCreate"]["allowMultiple"] is False
    assert data["pollVote"]["optionIndexes"] == [1] and data["pollVote"]["voteCount"] == 4
    assert data["pollVote"]["authorNumber"] == BOB
    assert data["pollTerminate"] == {"targetSentTimestamp": 9}


def test_every_recipient_failing_is_an_error(pair):
    proc = pair.run("sendReaction", "+9990000001", "-e", "x", "-a", BOB, "-t", "5", account=ALICE, output="json")
    assert proc.returncode == 1
    assert "Failed to send message" in proc.stderr
