"""Contacts: list, show, update and sync the contact list; contacts' profile avatars; block and
unblock contacts and answer their message requests (signal-cli features the original lacks).

``{uuid}`` is a phone number, an ACI or a username (signal-cli is given ``u:<username>``).
"""
from __future__ import annotations

import flask
from flask_smorest import abort

from signal_api.access.scopes import scope
from signal_api.api.groups import AVATAR_NOT_FOUND
from signal_api.errors.backend import SignalCliError
from signal_api.translate.attachments import decode_std_base64, sniff_mime_type
from signal_api.extensions import SignalBlueprint
from signal_api.schemas.contacts import (
    ContactsArgsSchema, ContactSchema, MessageRequestResponseSchema, UpdateContactSchema,
)
from signal_api.translate.groups import member_identifier
from signal_api.services import get_services

blp = SignalBlueprint("Contacts", __name__, description="Manage the contact list")

IMAGE_RESPONSE = {"type": "string", "format": "binary"}


def _list_params(args: dict) -> dict:
    return {"allRecipients": True} if args["all_recipients"] else {}


@blp.route("/v1/contacts/<number>", methods=["GET"])
@scope("manage")
@blp.arguments(ContactsArgsSchema, location="query")
@blp.response(200, ContactSchema(many=True))
def list_contacts(args, number):
    """List Contacts

    Lists the contacts of the account; ``all_recipients=true`` also lists everyone the account
    has been in touch with.
    """
    return get_services().backend.call("listContacts", _list_params(args), account=number) or []


@blp.route("/v1/contacts/<number>/<uuid>", methods=["GET"])
@scope("manage")
@blp.arguments(ContactsArgsSchema, location="query")
@blp.response(200, ContactSchema)
@blp.alt_response(404, schema=None, description="No user with that id (<id>) found")
def get_contact(args, number, uuid):
    """List Contact

    Shows one contact, given by UUID or phone number.
    """
    params = {**_list_params(args), "recipient": uuid}
    contacts = get_services().backend.call("listContacts", params, account=number) or []
    if not contacts:
        abort(404, message=f"No user with that id ({uuid}) found")
    return contacts[0]


@blp.route("/v1/contacts/<number>/<uuid>/avatar", methods=["GET"])
@scope("manage")
@blp.response(200, IMAGE_RESPONSE, content_type="*/*", description="Image (Content-Type sniffed from its bytes)")
def get_contact_avatar(number, uuid):
    """Returns the avatar of a contact

    The contact's profile avatar, with the content type of the image.
    """
    try:
        result = get_services().backend.call("getAvatar", {"profile": uuid}, account=number)
    except SignalCliError as exc:
        # The original's words, with its status for this route (400; the group avatar's is 404).
        if AVATAR_NOT_FOUND in exc.message:
            abort(400, message="No avatar found.")
        raise
    data = decode_std_base64(result["data"])
    return flask.Response(data, mimetype=sniff_mime_type(data))


@blp.route("/v1/contacts/<number>", methods=["PUT"])
@scope("manage")
@blp.arguments(UpdateContactSchema)
@blp.response(204)
def update_contact(body, number):
    """Updates the info associated to a number on the contact list. If the contact doesn’t exist yet, it will be added.

    ``expiration_in_seconds`` 0 turns the disappearing-messages timer off (in every mode).
    """
    params = {"recipient": body["recipient"]}
    if body.get("name"):
        params["name"] = body["name"]
    if "expiration_in_seconds" in body:
        params["expiration"] = body["expiration_in_seconds"]
    get_services().backend.call("updateContact", params, account=number)
    return None


@blp.route("/v1/contacts/<number>/sync", methods=["POST"])
@scope("manage")
@blp.response(204)
def sync_contacts(number):
    """Send a synchronization message with the local contacts list to all linked devices.

    This should only be used on the primary device.
    """
    get_services().backend.call("sendContacts", {}, account=number)
    return None


def _set_blocked(command: str, number: str, uuid: str) -> None:
    get_services().backend.call(command, {"recipient": member_identifier(uuid)}, account=number)


@blp.route("/v1/contacts/<number>/<uuid>/block", methods=["POST"])
@scope("manage")
@blp.response(204)
def block_contact(number, uuid):
    """Block a contact.

    signal-cli ``block``; the contact then lists as ``blocked``. Not in the original.
    """
    _set_blocked("block", number, uuid)


@blp.route("/v1/contacts/<number>/<uuid>/unblock", methods=["POST"])
@scope("manage")
@blp.response(204)
def unblock_contact(number, uuid):
    """Unblock a contact.

    signal-cli ``unblock``. Not in the original.
    """
    _set_blocked("unblock", number, uuid)


@blp.route("/v1/contacts/<number>/<uuid>/message-request", methods=["POST"])
@scope("manage")
@blp.arguments(MessageRequestResponseSchema)
@blp.response(204)
def respond_to_message_request(body, number, uuid):
    """Accept or delete a contact's message request.

    signal-cli ``sendMessageRequestResponse --type accept|delete``, which tells the account's
    linked devices. Not in the original.
    """
    params = {"recipient": member_identifier(uuid), "type": body["response"]}
    get_services().backend.call("sendMessageRequestResponse", params, account=number)
