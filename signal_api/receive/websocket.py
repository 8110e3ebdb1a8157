"""``/v1/receive/{number}`` as a WebSocket, in every mode (a plain GET on the path stays HTTP).

Each text frame is one ``{"envelope", "account", "cursor"}`` object: the original's frame plus
the message's cursor. On connect the socket first replays stored messages, then continues live
with no gap and no duplicate (the subscription starts before the replay, and live messages at or
below the last cursor sent are skipped). Without ``?since`` the replay is what no client of the
API has taken yet (so a bot that was down gets what arrived meanwhile), and what the socket sends
counts as taken; with ``?since=<cursor>`` it is everything after that cursor. A client too slow to
keep its queue from filling is closed with code 1013 and a reason telling it where to resume.
When the server stops, every socket is closed with 1001 (going away), so it need not wait for
them to end by themselves.

With ``?events=true`` the socket also sends the account events (``rate_limit_challenge``,
``rate_limit_cleared``: ``{"event", "account", ..., "cursor"}``, no ``envelope``) in cursor order
with the messages; without it, never (every frame of a client that did not ask has an envelope).
"""
from __future__ import annotations

import json
import logging

import flask
from flask_sock import Sock
from simple_websocket import ConnectionClosed
from wsproto.events import TextMessage

from signal_api.access.scopes import scope
from signal_api.schemas.receive import query_flag
from signal_api.services import get_services
from signal_api.storage.inbox import HTTP_CONSUMER, Inbox, StoredMessage

log = logging.getLogger(__name__)

sock = Sock()
bp = flask.Blueprint("receive_ws", __name__)

REPLAY_PAGE = 500
TRY_AGAIN_LATER = 1013
GOING_AWAY = 1001
IDLE_WAIT = 1.0
REFUSAL_LINGER = 2.0


def send_frame(ws, payload: dict) -> None:  # noqa: ANN001
    """Send one JSON text frame, completely."""
    send_text(ws, json.dumps(payload, ensure_ascii=False, separators=(",", ":")))


def send_text(ws, text: str) -> None:  # noqa: ANN001
    """Send one text frame, completely.

    simple_websocket's own ``send`` makes a single ``socket.send`` call, which may write only
    part of a large frame on a cooperative (gevent) socket; ``sendall`` never does.
    """
    if not ws.connected:
        raise ConnectionClosed(ws.close_reason, ws.close_message)
    ws.sock.sendall(ws.ws.send(TextMessage(data=text)))


@bp.before_request
def _without_compression_unless_configured() -> None:
    # simple_websocket accepts permessage-deflate whenever a client offers it: per socket it keeps
    # ~114 kB of zlib state and compresses each frame again. Unless the operator wants it, the
    # offer is not seen, so the handshake agrees on plain frames (every client supports those).
    if not get_services().config.ws_compression:
        flask.request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)


@sock.route("/v1/receive/<number>", bp=bp)
@scope("receive")
def receive_socket(ws, number: str) -> None:  # noqa: ANN001
    """Stream the account's messages to a WebSocket client (and its account events with ``?events=true``)."""
    services = get_services()
    # A client that stops reading must not hold this connection forever: a send that cannot
    # progress for this long fails and ends the connection (idle reads are not affected).
    ws.sock.settimeout(services.config.ws_send_timeout)
    since_text = flask.request.args.get("since")
    since = None
    if since_text is not None:
        if not since_text.isdigit():
            _refuse(ws, "Couldn't process request - since needs to be a non-negative integer cursor")
            return
        since = int(since_text)
    events = query_flag(flask.request.args, "events")
    if events is None:
        _refuse(ws, "Couldn't process request - events needs to be true or false")
        return
    inbox = services.inbox
    subscription = services.hub.subscribe(number)
    services.receiver.attach(number)
    takes = since is None
    last = inbox.position(HTTP_CONSUMER, number) if takes else since
    try:
        last = _replay(ws, inbox, number, last, takes=takes, events=events)
        while ws.connected:
            if subscription.closed:
                ws.close(reason=GOING_AWAY, message="server shutting down")
                return
            if subscription.overflowed:
                ws.close(reason=TRY_AGAIN_LATER, message=f"too slow: reconnect with ?since={last}")
                return
            message = subscription.get(IDLE_WAIT)
            if message is None or message.cursor <= last or (message.event is not None and not events):
                continue
            _deliver(ws, inbox, message, takes=takes)
            last = message.cursor
    except OSError as exc:
        log.info("WebSocket client of %s gone: %s", number, exc)
    finally:
        services.receiver.detach(number)
        services.hub.unsubscribe(subscription)


def _refuse(ws, message: str) -> None:  # noqa: ANN001
    """Send an error frame and give the client time to read it before the server hangs up."""
    send_frame(ws, {"error": message})
    try:
        ws.receive(timeout=REFUSAL_LINGER)
    except ConnectionClosed:
        pass


def _replay(ws, inbox: Inbox, number: str, since: int, *, takes: bool, events: bool) -> int:  # noqa: ANN001
    last = since
    while True:
        page = inbox.after(number, last, REPLAY_PAGE, events=events)
        if not page:
            return last
        for message in page:
            _deliver(ws, inbox, message, takes=takes)
            last = message.cursor


def _deliver(ws, inbox: Inbox, message: StoredMessage, *, takes: bool) -> None:  # noqa: ANN001
    send_text(ws, message.frame_text)  # one StoredMessage is published to every socket
    if takes:
        inbox.mark_taken(HTTP_CONSUMER, message.account, message.cursor)
