"""Contacts: list, show, update and sync the contact list; contacts' profile avatars."""
from __future__ import annotations

import flask
from flask_smorest import abort

from signal_api.attachments import decode_std_base64, sniff_mime_type
from signal_api.extensions import SignalBlueprint
from signal_api.schemas.contacts import ContactsArgsSchema, ContactSchema, UpdateContactSchema
from signal_api.services import get_services

blp = SignalBlueprint("Contacts", __name__, description="Manage the contact list")

IMAGE_RESPONSE = {"type": "string", "format": "binary"}


def _list_params(args: dict) -> dict:
    return {"allRecipients": True} if args["all_recipients"] else {}


@blp.route("/v1/contacts/<number>", methods=["GET"])
@blp.arguments(ContactsArgsSchema, location="query")
@blp.response(200, ContactSchema(many=True))
def list_contacts(args, number):
    """List Contacts

    Lists the contacts of the account; ``all_recipients=true`` also lists everyone the account
    has been in touch with.
    """
    return get_services().backend.call("listContacts", _list_params(args), account=number) or []


@blp.route("/v1/contacts/<number>/<uuid>", methods=["GET"])
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
@blp.response(200, IMAGE_RESPONSE, content_type="*/*", description="Image (Content-Type sniffed from its bytes)")
def get_contact_avatar(number, uuid):
    """Returns the avatar of a contact

    The contact's profile avatar, with the content type of the image.
    """
    result = get_services().backend.call("getAvatar", {"profile": uuid}, account=number)
    data = decode_std_base64(result["data"])
    return flask.Response(data, mimetype=sniff_mime_type(data))


@blp.route("/v1/contacts/<number>", methods=["PUT"])
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
@blp.response(204)
def sync_contacts(number):
    """Send a synchronization message with the local contacts list to all linked devices.

    This should only be used on the primary device.
    """
    get_services().backend.call("sendContacts", {}, account=number)
    return None
