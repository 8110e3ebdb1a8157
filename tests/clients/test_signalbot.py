"""signalbot 2.2.1 against the real server: start-up checks, WebSocket receive, replies and reactions.

signalbot refuses anything but json-rpc mode, so the test runs on the json-rpc server only.
"""
from __future__ import annotations

import asyncio
import base64
import logging

import pytest
from signalbot import DataMessageContext, DataMessageHandler, SendMessage, SignalBot, text_triggered

BOT_TIMEOUT = 30
PHOTO = base64.b64encode(b"\x89PNG\r\n\x1a\n a photo for the bot").decode()


def make_bot(live, number: str) -> SignalBot:
    """A bot for ``number``; call inside the running loop, which the bot then adopts (it would
    make its own otherwise).

    With auth on, the bot has what a bot needs and no more: a Bearer token for its own number
    with the send, receive and manage scopes.
    """
    auth = {}
    if live.auth:
        token = live.token("signalbot", accounts=[number], scopes=["send", "receive", "manage"])
        auth = {"auth": {"type": "bearer", "token": token}}
    return SignalBot({
        "phone_number": number,
        "signal_service": live.service,
        "connection_mode": "http_only",
        "storage": {"type": "in-memory"},
        "download_attachments": True,  # the default: received attachments are fetched at once
        "logging_level": logging.WARNING,
        **auth,
    })


def run(scenario):
    """Run ``scenario()`` on a fresh loop.

    Not asyncio.run(): bot.stop() also stops the loop, which leaves a stale stop callback behind
    that makes asyncio.run's own shutdown step fail. The loop is run once, then closed.
    """
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(scenario())
    finally:
        loop.close()


class PingHandler(DataMessageHandler):
    """Replies "pong" (quoting) to every "ping" and reacts to it, recording what it did."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.seen: list[dict] = []
        self.replied: list[int] = []
        self.finished = 0
        self.done = asyncio.Event()

    @text_triggered("ping")
    async def handle_data_message(self, context: DataMessageContext) -> None:
        message = context.message
        self.seen.append({"timestamp": message.timestamp, "uuid": message.source_uuid,
                          "group": message.group_info.group_id if message.group_info else None,
                          "attachments": [a.base64_content for a in message.attachments or []]})
        sent = await context.reply(SendMessage(text="pong"))
        self.replied.append(sent.timestamp)
        await context.react("🏓")
        # Counted when finished: handlers run concurrently, and the bot stops once all are done.
        self.finished += 1
        if self.finished == self.expected:
            self.done.set()


# signalbot only accepts json-rpc servers; with auth off and on.
@pytest.mark.parametrize("live", ["json-rpc", "json-rpc+auth"], indirect=True)
def test_a_bot_receives_replies_and_reacts_in_a_chat_and_a_group(live, fresh_account):
    bot_number, sender = fresh_account, live.new_account()
    created = live.http.post(f"{live.base}/v1/groups/{bot_number}", json={"name": "bot room", "members": [sender]},
                             timeout=30)
    assert created.status_code == 201, created.text
    group_id = created.json()["id"]
    handler = PingHandler(expected=2)
    pings: list[int] = []

    async def scenario() -> dict:
        bot = make_bot(live, bot_number)
        bot.register(handler)
        try:
            bot.start(run_forever=False)
            # Ready only after health answered 204, about passed the version and json-rpc mode
            # checks and the groups list validated against signalbot's strict schema.
            await asyncio.wait_for(bot.wait_until_ready(), BOT_TIMEOUT)
            groups = {g.id: g for g in bot.groups}
            # Sent while the bot's WebSocket may still be attaching: a socket without ?since gets
            # what no client took yet, so nothing is lost either way. The sends block the loop
            # briefly, which only delays the bot's reading.
            pings.append(live.send(sender, [bot_number], "ping", base64_attachments=[PHOTO]))
            pings.append(live.send(sender, [group_id], "ping"))
            await asyncio.wait_for(handler.done.wait(), BOT_TIMEOUT)
            return groups
        finally:
            await bot.stop()

    groups = run(scenario)

    group = groups[group_id]
    assert group.name == "bot room" and set(group.members) == {bot_number, sender}
    internal_id = group.internal_id
    sender_uuid = handler.seen[0]["uuid"]
    assert sender_uuid
    assert sorted(handler.seen, key=lambda s: s["timestamp"]) == [
        {"timestamp": pings[0], "uuid": sender_uuid, "group": None, "attachments": [PHOTO]},
        {"timestamp": pings[1], "uuid": sender_uuid, "group": internal_id, "attachments": []},
    ]

    # signalbot answers a 1:1 message at the sender's UUID and a group message at group.<id>.
    bot_sends = [c["params"] for c in live.calls("send") if c["account"] == bot_number]
    assert sorted(str((p.get("recipient"), p.get("groupId"))) for p in bot_sends) == sorted(
        str(target) for target in [([sender_uuid], None), (None, [internal_id])])

    def arrived(data_messages):
        replies = {d.get("groupInfo", {}).get("groupId"): d for d in data_messages if d.get("message") == "pong"}
        reactions = {d.get("groupInfo", {}).get("groupId"): d["reaction"] for d in data_messages if "reaction" in d}
        return replies, reactions

    replies, reactions = arrived(live.data_messages(sender, lambda ds: all(len(x) == 2 for x in arrived(ds))))
    for where, ping in ((None, pings[0]), (internal_id, pings[1])):
        reply, reaction = replies[where], reactions[where]
        assert reply["timestamp"] in handler.replied
        assert reply["quote"]["id"] == ping and reply["quote"]["text"] == "ping"
        assert reply["quote"]["authorNumber"] == sender
        assert reaction["emoji"] == "🏓" and reaction["targetSentTimestamp"] == ping
        assert reaction["targetAuthorNumber"] == sender and reaction["isRemove"] is False


@pytest.mark.parametrize("live", ["normal"], indirect=True)
def test_a_bot_refuses_to_start_against_a_normal_mode_server(live, pair, capsys):
    """What /v1/about reports is what signalbot checks: normal mode is refused, as with the original."""

    async def scenario() -> bool:
        bot = make_bot(live, pair[0])
        try:
            bot.start(run_forever=False)
            done, _ = await asyncio.wait([bot.init_task], timeout=0.5)
            return bool(done)
        finally:
            bot.init_task.cancel()
            await bot.stop()

    assert run(scenario) is False
    assert "Wrong signal-cli-rest-api mode, found 'normal', expected 'json-rpc'" in capsys.readouterr().err
