"""``GET /api/v1/events``: signal-cli's Server-Sent Events stream, served from the durable inbox.

Each stored message is one event ``event:receive`` / ``data:{"envelope":…,"account":…}``, as
signal-cli writes it, plus ``id:<cursor>``; a ``:`` comment goes out after 15 s without one.
A stream starts with what arrives from now on (signal-cli replays nothing); with
``Last-Event-ID`` (what an EventSource sends when it reconnects) or ``?since=<cursor>`` it first
replays every stored message after that cursor. The hub (``signal_api.receive.hub``) only wakes
the stream: what it sends is always read from the inbox after the last cursor sent, where
commits are serialised and cursors only grow, so there is no gap and no duplicate even when
several accounts' messages are stored at once. The generator ends when the server stops or
when a write fails because the client went away (the WSGI server then closes it).

With ``?events=true`` the stream also carries the account events, each under its own event
name (``event:rate_limit_challenge`` / ``event:rate_limit_cleared``, ``data:`` the event object,
``id:`` its cursor), in cursor order with the messages and replayed the same way. They are
opt-in, as on the WebSocket: a client that reads every ``data:`` line as signal-cli's
``{"envelope", "account"}`` (rather than listening for ``receive``) never gets one.
"""
from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from signal_api import jsonrpc_wire as wire
from signal_api.services import Services
from signal_api.storage.inbox import StoredMessage

KEEPALIVE_SECONDS = 15.0
PAGE = 500
KEEPALIVE = ":\n"


def event_text(message: StoredMessage) -> str:
    """One SSE event: signal-cli's two lines, the cursor, the blank line."""
    return f"event:{message.event or 'receive'}\ndata:{wire.dumps(message.payload)}\nid:{message.cursor}\n\n"


def stream(services: Services, accounts: Sequence[str], since: int | None, *,
           keepalive: float = KEEPALIVE_SECONDS, events: bool = False) -> Iterator[str]:
    """The events of ``accounts`` after cursor ``since`` (None: from now on), until the server stops.

    ``events``: the account events too, not only the received messages.
    """
    hub, inbox, receiver = services.hub, services.inbox, services.receiver
    subscription = hub.subscribe_many(accounts)
    for account in accounts:
        receiver.attach(account)  # without a pushing daemon, someone must fetch the messages
    try:
        # An empty first chunk: the WSGI server sends the headers now, as signal-cli does, rather
        # than with the first event (a client waits for them before it sends or expects anything).
        yield ""
        # After subscribing: whatever is stored from here on wakes this stream.
        last = inbox.latest_cursor() if since is None else since
        quiet_since = time.monotonic()
        while not subscription.closed:
            while True:
                page = inbox.after_any(accounts, last, PAGE, events=events)
                for message in page:
                    yield event_text(message)
                    last = message.cursor
                if len(page) < PAGE:
                    break
            if page:
                quiet_since = time.monotonic()
            if subscription.overflowed:
                # The hub stopped queueing for us; the inbox still has it all: start a fresh queue.
                hub.unsubscribe(subscription)
                subscription = hub.subscribe_many(accounts)
                continue
            wait = keepalive - (time.monotonic() - quiet_since)
            if wait <= 0:
                yield KEEPALIVE
                quiet_since = time.monotonic()
                continue
            _drain(subscription, wait)
    finally:
        hub.unsubscribe(subscription)
        for account in accounts:
            receiver.detach(account)


def _drain(subscription, wait: float) -> None:  # noqa: ANN001
    """Wait up to ``wait`` seconds for a wake-up, then take every other one already queued."""
    if subscription.get(wait) is None:
        return
    while subscription.get(0) is not None:
        pass
