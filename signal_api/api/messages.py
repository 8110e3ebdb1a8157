"""Messages: sending (``/v1/send``, ``/v2/send``) and receiving (``/v1/receive``)."""
from __future__ import annotations

import flask

from signal_api.access.accounts import BodyNumber
from signal_api.access.scopes import scope
from signal_api.translate import sending
from signal_api.extensions import SignalBlueprint
from signal_api.schemas.messages import SendMessageResponseSchema, SendMessageV1Schema, SendMessageV2Schema
from signal_api.schemas.receive import HistoryArgsSchema, ReceiveArgsSchema, ReceivedMessageSchema
from signal_api.services import get_services
from signal_api.signalcli import ReceiveOptions
from signal_api.access.idempotency import idempotent

blp = SignalBlueprint("Messages", __name__, description="Send and receive messages")


@blp.route("/v2/send", methods=["POST"])
@scope("send", account=BodyNumber())
@idempotent
@blp.arguments(SendMessageV2Schema)
@blp.response(201, SendMessageResponseSchema(many=True))
def send_message_v2(body):
    """Send a signal message."""
    services = get_services()
    message = sending.message_from_v2(body, default_text_mode=services.config.default_text_mode,
                                      limits=sending.SendLimits.from_config(services.config))
    result = sending.send(services.backend, message, tmp_dir=services.config.tmp_dir)
    entry = sending.response_entry(result)
    if services.config.send_response_format == "object":
        response = flask.jsonify(entry)
        response.status_code = 201
        return response
    return [entry]


@blp.route("/v1/send", methods=["POST"])
@scope("send", account=BodyNumber())
@idempotent
@blp.arguments(SendMessageV1Schema)
@blp.response(201, SendMessageResponseSchema)
@blp.doc(deprecated=True)
def send_message_v1(body):
    """Send a signal message (deprecated: use /v2/send)."""
    services = get_services()
    message = sending.message_from_v1(body, limits=sending.SendLimits.from_config(services.config))
    result = sending.send(services.backend, message, tmp_dir=services.config.tmp_dir)
    return sending.response_entry(result)


@blp.route("/v1/receive/<number>", methods=["GET"])
@scope("receive")
@blp.arguments(ReceiveArgsSchema, location="query")
@blp.response(200, ReceivedMessageSchema(many=True))
def receive_messages(args, number):
    """Receive Signal Messages.

    Returns the messages no GET consumer has taken yet, each once. The same path is a
    WebSocket (upgrade request) that streams every message live, with ?since=<cursor> replay.
    """
    options = ReceiveOptions(**args)
    return [message.frame() for message in get_services().receiver.take(number, options)]


@blp.route("/v1/messages/<number>", methods=["GET"])
@scope("receive")
@blp.without_signal_cli
@blp.arguments(HistoryArgsSchema, location="query")
@blp.response(200, ReceivedMessageSchema(many=True))
def list_messages(args, number):
    """List stored messages without consuming them.

    Pages through the durable inbox: pass the last cursor seen as ``after``. Account events
    (rate-limit challenges) are not messages and are not listed.
    """
    stored = get_services().inbox.after(number, args["after"], args["limit"])
    return [message.frame() for message in stored]
