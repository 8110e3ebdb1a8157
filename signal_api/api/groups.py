"""Groups: create, list, update, leave, block, members, admins, avatar and pinned messages; join by
invite link and answer a group's message request (signal-cli features the original lacks).

``{groupid}`` is the REST id ``group.…`` or signal-cli's internal id on every route. Internal ids
may contain ``/`` and may even start with one, so the segment is matched by :class:`GroupIdConverter`
and these rules do not merge slashes (``%2F`` works too).
"""
from __future__ import annotations

import flask
from flask_smorest import abort
from werkzeug.routing import PathConverter

from signal_api.access.scopes import scope
from signal_api.translate import groups
from signal_api.api.responses import empty
from signal_api.translate.attachments import AttachmentDir, decode_avatar, decode_std_base64, sniff_mime_type
from signal_api.extensions import SignalBlueprint
from signal_api.translate.identifiers import IdentifierError
from signal_api.schemas.groups import (
    CreateGroupResponseSchema,
    CreateGroupSchema,
    ExpandArgsSchema,
    AddGroupMembersSchema,
    GroupAdminsSchema,
    GroupEntrySchema,
    GroupMembersSchema,
    JoinedGroupSchema,
    JoinGroupByLinkSchema,
    PinMessageSchema,
    UnpinMessageSchema,
    UpdateGroupSchema,
)
from signal_api.schemas.contacts import MessageRequestResponseSchema
from signal_api.services import get_services
from signal_api.errors.backend import SignalCliError



class GroupIdConverter(PathConverter):
    """A group id: one or more path segments, possibly empty ones (an id like ``/MKA…=``)."""

    regex = "(?s:.+?)"  # any character, a newline too (a bad id is then a 400/404, not an unknown route)
    part_isolating = False


blp = SignalBlueprint("Groups", __name__, description="Create, list and manage Signal groups")
# Registered before any of the rules below is added to the app's map.
blp.record_once(lambda state: state.app.url_map.converters.setdefault("groupid", GroupIdConverter))

GROUP = "/v1/groups/<number>/<groupid:groupid>"
KEEP_SLASHES = {"merge_slashes": False}
NO_SUCH_GROUP = "No group with that id found"
AVATAR_NOT_FOUND = "Could not find avatar"


def _backend():  # noqa: ANN202
    return get_services().backend


def _known_group(number: str, groupid: str, message: str) -> dict:
    """The listGroups entry of a group the account knows; 404 ``message`` otherwise."""
    try:
        raw = groups.find_group(_backend(), number, groups.internal_id(groupid))
    except IdentifierError:
        raw = None
    if raw is None:
        abort(404, message=message)
    return raw


def _update(number: str, internal: str, **params) -> None:  # noqa: ANN003
    _backend().call("updateGroup", {"groupId": internal, **params}, account=number)


@blp.route("/v1/groups/<number>", methods=["POST"])
@scope("manage")
@blp.arguments(CreateGroupSchema)
@blp.response(201, CreateGroupResponseSchema)
def create_group(body, number):
    """Create a new Signal Group."""
    result = _backend().call("updateGroup", groups.create_params(body), account=number)
    return {"id": groups.created_id(result)}


@blp.route("/v1/groups/<number>", methods=["GET"])
@scope("manage")
@blp.arguments(ExpandArgsSchema, location="query")
@blp.response(200, GroupEntrySchema(many=True))
def list_groups(args, number):
    """List all Signal Groups (including groups the account has left: ``member`` is false)."""
    return [groups.group_entry(raw, expand=args["expand"]) for raw in groups.list_groups(_backend(), number)]


@blp.route("/v1/groups/<number>/join-by-link", methods=["POST"])
@scope("manage")
@blp.arguments(JoinGroupByLinkSchema)
@blp.response(201, JoinedGroupSchema)
def join_group_by_link(body, number):
    """Join a Signal Group by its invite link.

    signal-cli ``joinGroup --uri``. When the link needs an admin's approval, the account has
    asked to join and ``pending_approval`` is true. Not in the original.
    """
    result = _backend().call("joinGroup", {"uri": body["uri"]}, account=number)
    rest_id = groups.created_id(result)
    return {"id": rest_id, "internal_id": result["groupId"], "pending_approval": bool(result.get("onlyRequested"))}


@blp.route(GROUP, methods=["GET"], **KEEP_SLASHES)
@scope("manage")
@blp.arguments(ExpandArgsSchema, location="query")
@blp.response(200, GroupEntrySchema)
@blp.alt_response(404, schema=None, description=NO_SUCH_GROUP)
def get_group(args, number, groupid):
    """List a Signal Group."""
    return groups.group_entry(_known_group(number, groupid, NO_SUCH_GROUP), expand=args["expand"])


@blp.route(GROUP, methods=["PUT"], **KEEP_SLASHES)
@scope("manage")
@blp.arguments(UpdateGroupSchema)
@blp.response(204)
def update_group(body, number, groupid):
    """Update the state of a Signal Group (name, description, avatar, link, permissions, expiration)."""
    internal = groups.internal_id(groupid)
    params = groups.settings_params(body)
    if not body.get("base64_avatar"):
        _update(number, internal, **params)
        return None
    avatar = decode_avatar(body["base64_avatar"])
    with AttachmentDir(get_services().config.tmp_dir) as files:
        _update(number, internal, avatar=files.write(avatar), **params)
    return None


@blp.route(GROUP, methods=["DELETE"], **KEEP_SLASHES)
@scope("manage")
@blp.response(200)
def delete_group(number, groupid):
    """Leave a Signal Group (it stays listed with ``member: false``; the original calls this delete)."""
    _backend().call("quitGroup", {"groupId": groups.internal_id(groupid)}, account=number)
    return empty(200)


@blp.route(f"{GROUP}/avatar", methods=["GET"], **KEEP_SLASHES)
@scope("manage")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="*/*",
              description="The image, Content-Type detected from its bytes")
@blp.alt_response(404, schema=None, description="No avatar found.")
def get_group_avatar(number, groupid):
    """Returns the avatar of a Signal Group."""
    try:
        result = _backend().call("getAvatar", {"groupId": groups.internal_id(groupid)}, account=number)
    except SignalCliError as exc:
        if AVATAR_NOT_FOUND in exc.message:
            abort(404, message="No avatar found.")
        raise
    data = decode_std_base64((result or {}).get("data") or "")
    return flask.Response(data, status=200, mimetype=sniff_mime_type(data))


@blp.route(f"{GROUP}/block", methods=["POST"], **KEEP_SLASHES)
@scope("manage")
@blp.response(204)
def block_group(number, groupid):
    """Block a Signal Group."""
    _backend().call("block", {"groupId": groups.internal_id(groupid)}, account=number)


@blp.route(f"{GROUP}/join", methods=["POST"], **KEEP_SLASHES)
@scope("manage")
@blp.response(204)
def join_group(number, groupid):
    """Join a Signal Group (accept a pending invitation)."""
    _update(number, groups.internal_id(groupid))


@blp.route(f"{GROUP}/quit", methods=["POST"], **KEEP_SLASHES)
@scope("manage")
@blp.response(204)
def quit_group(number, groupid):
    """Quit a Signal Group."""
    _backend().call("quitGroup", {"groupId": groups.internal_id(groupid)}, account=number)


@blp.route(f"{GROUP}/message-request", methods=["POST"], **KEEP_SLASHES)
@scope("manage")
@blp.arguments(MessageRequestResponseSchema)
@blp.response(204)
def respond_to_group_message_request(body, number, groupid):
    """Accept or delete a Signal Group's message request.

    signal-cli ``sendMessageRequestResponse -g --type accept|delete``, which tells the account's
    linked devices. Not in the original.
    """
    params = {"groupId": groups.internal_id(groupid), "type": body["response"]}
    _backend().call("sendMessageRequestResponse", params, account=number)


NOT_FOUND_IN_LIST = "No group with that group id (<id>) found"


def _change_list(number: str, groupid: str, people: list[str], param: str) -> None:
    """One updateGroup with ``param`` (member, removeMember, admin, removeAdmin) after checking
    that the group exists; an empty list changes nothing."""
    identifiers = [groups.member_identifier(p) for p in people]
    if identifiers:
        raw = _known_group(number, groupid, NOT_FOUND_IN_LIST.replace("<id>", groupid))
        _update(number, raw["id"], **{param: identifiers})


@blp.route(f"{GROUP}/members", methods=["POST"], **KEEP_SLASHES)
@scope("manage")
@blp.arguments(AddGroupMembersSchema)
@blp.response(204)
@blp.alt_response(404, schema=None, description=NOT_FOUND_IN_LIST)
def add_members(body, number, groupid):
    """Add one or more members to an existing Signal Group."""
    _change_list(number, groupid, body["members"], "member")


@blp.route(f"{GROUP}/members", methods=["DELETE"], **KEEP_SLASHES)
@scope("manage")
@blp.arguments(GroupMembersSchema)
@blp.response(204)
@blp.alt_response(404, schema=None, description=NOT_FOUND_IN_LIST)
def remove_members(body, number, groupid):
    """Remove one or more members from an existing Signal Group (an empty list changes nothing)."""
    _change_list(number, groupid, body.get("members") or [], "removeMember")


@blp.route(f"{GROUP}/admins", methods=["POST"], **KEEP_SLASHES)
@scope("manage")
@blp.arguments(GroupAdminsSchema)
@blp.response(204)
@blp.alt_response(404, schema=None, description=NOT_FOUND_IN_LIST)
def add_admins(body, number, groupid):
    """Add one or more admins to an existing Signal Group (an empty list changes nothing)."""
    _change_list(number, groupid, body.get("admins") or [], "admin")


@blp.route(f"{GROUP}/admins", methods=["DELETE"], **KEEP_SLASHES)
@scope("manage")
@blp.arguments(GroupAdminsSchema)
@blp.response(204)
@blp.alt_response(404, schema=None, description=NOT_FOUND_IN_LIST)
def remove_admins(body, number, groupid):
    """Remove one or more admins from an existing Signal Group (an empty list changes nothing)."""
    _change_list(number, groupid, body.get("admins") or [], "removeAdmin")


def _pin_target(body: dict) -> dict:
    # As the original: pinning takes a missing author as "" and a missing timestamp as 0
    # (unpinning requires both, checked by its schema).
    return {"targetAuthor": body.get("target_author", ""), "targetTimestamp": body.get("timestamp", 0)}


@blp.route(f"{GROUP}/pin-message", methods=["POST"], **KEEP_SLASHES)
@scope("send")
@blp.arguments(PinMessageSchema)
@blp.response(201)
def pin_message(body, number, groupid):
    """Pin a message in a Signal Group (``duration`` in seconds, -1 = forever)."""
    params = {"groupId": groups.internal_id(groupid), **_pin_target(body),
              "pinDuration": body.get("duration", -1)}
    _backend().call("sendPinMessage", params, account=number)
    return empty(201)


@blp.route(f"{GROUP}/pin-message", methods=["DELETE"], **KEEP_SLASHES)
@scope("send")
@blp.arguments(UnpinMessageSchema)
@blp.response(201)
def unpin_message(body, number, groupid):
    """Unpin a message in a Signal Group (201, as the original)."""
    params = {"groupId": groups.internal_id(groupid), **_pin_target(body)}
    _backend().call("sendUnpinMessage", params, account=number)
    return empty(201)
