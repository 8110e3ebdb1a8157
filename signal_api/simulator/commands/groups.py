"""Groups: updateGroup (create, edit, accept an invitation), joinGroup (by invite link), listGroups,
quitGroup, block/unblock (groups and recipients), sendMessageRequestResponse and getAvatar."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from urllib.parse import urlsplit

from .. import envelopes, groups, log, network, state
from ..delivery import render_send_result
from ..errors import UserError
from .base import Context, Opt, command

_PERMISSIONS = {"every-member": "EVERY_MEMBER", "everyMember": "EVERY_MEMBER",
                "only-admins": "ONLY_ADMINS", "onlyAdmins": "ONLY_ADMINS"}
_LINK_STATES = {"enabled": "enabled", "enabled-with-approval": "enabled-with-approval",
                "enabledWithApproval": "enabled-with-approval", "disabled": "disabled"}
_PERMISSION_CHOICES = ("every-member", "only-admins")


def _resolve_members(cfg: str, texts: list[str]) -> list[dict]:
    addresses = []
    for text in texts:
        who = network.resolve_text(cfg, text)
        if who.failure == "UNREGISTERED_FAILURE" or who.uuid is None:
            raise UserError(f"The user {who.identifier} is not registered.")
        addresses.append({"number": who.number, "uuid": who.uuid})
    return addresses


def _apply_changes(cfg: str, group: dict, params: dict) -> bool:
    """Apply updateGroup params to a group record; return whether anything changed."""
    before = repr(group)
    for key in ("name", "description"):
        if params.get(key) is not None:
            group[key] = params[key]
    for addr in _resolve_members(cfg, params.get("member") or []):
        if not groups.contains(group["members"], addr):
            group["members"].append(addr)
        group["pendingMembers"] = [a for a in group["pendingMembers"] if not groups.same_address(a, addr)]
    for addr in _resolve_members(cfg, params.get("removeMember") or []):
        for key in ("members", "admins", "pendingMembers"):
            group[key] = groups.remove_address(group[key], addr)
    for addr in _resolve_members(cfg, params.get("admin") or []):
        if not groups.contains(group["members"], addr):
            raise UserError(f"Admin {addr['number'] or addr['uuid']} is not a group member")
        if not groups.contains(group["admins"], addr):
            group["admins"].append(addr)
    for addr in _resolve_members(cfg, params.get("removeAdmin") or []):
        group["admins"] = groups.remove_address(group["admins"], addr)
    for addr in _resolve_members(cfg, params.get("ban") or []):
        for key in ("members", "admins", "pendingMembers", "requestingMembers"):
            group[key] = groups.remove_address(group[key], addr)
        if not groups.contains(group["banned"], addr):
            group["banned"].append(addr)
    for addr in _resolve_members(cfg, params.get("unban") or []):
        group["banned"] = groups.remove_address(group["banned"], addr)
    if params.get("link") is not None:
        group["link"] = _LINK_STATES.get(params["link"], group["link"])
    if params.get("resetLink") or (group["link"] != "disabled" and not group.get("linkPassword")):
        group["linkPassword"] = secrets.token_urlsafe(24)
    for option, field in (("setPermissionAddMember", "permissionAddMember"),
                          ("setPermissionEditDetails", "permissionEditDetails"),
                          ("setPermissionSendMessages", "permissionSendMessage")):
        if params.get(option) is not None:
            group[field] = _PERMISSIONS.get(params[option], group[field])
    if params.get("expiration") is not None:
        group["messageExpirationTime"] = params["expiration"]
    for addr in group["members"] + group["pendingMembers"]:
        local = state.find_account(cfg, addr.get("uuid") or addr.get("number"))
        if local and local.get("uuid") and local["uuid"] not in group["knownBy"]:
            group["knownBy"].append(local["uuid"])
    return repr(group) != before


def _audience(group: dict) -> list[dict]:
    """Who receives a group update: members and invited members."""
    return [dict(a) for a in group["members"] + group["pendingMembers"]]


def _announce(cfg: str, account: dict, group: dict, timestamp: int, also: list[dict] = ()) -> list[dict]:
    """Send the group update (type UPDATE) to every other member (and to ``also``, e.g. members
    just removed, who learn that way that they left); return the results."""
    source = {"number": account["number"], "uuid": account["uuid"], "name": state.profile_name(account)}
    dm = envelopes.data_message(timestamp, None, expires=group.get("messageExpirationTime", 0),
                                groupInfo=envelopes.group_info(group, "UPDATE"))
    results = []
    targets: list[dict] = []
    for member in _audience(group) + list(also):
        if not groups.contains(targets, member):
            targets.append(member)
    for member in targets:
        if groups.same_address(member, groups.address_of(account)):
            continue
        who = network.resolve(cfg, "uuid", member["uuid"]) if member.get("uuid") else \
            network.resolve(cfg, "number", member["number"])
        if who.number is None:
            who.number = member.get("number")
        result = {"recipientAddress": who.address}
        if who.failure:
            result.update(type=who.failure, **who.extra)
        else:
            env = envelopes.envelope(source, timestamp, state.now_ms(), dataMessage=dm)
            if who.account is not None:
                state.enqueue(cfg, who.account["number"], env)
            else:
                state.append_outbox(cfg, {"from": account["number"], "to": who.identifier,
                                          "timestamp": timestamp, "envelope": env})
            result["type"] = "SUCCESS"
        results.append(result)
    return results


def _read_avatar(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        # sic: signal-cli's message has the stray quote.
        raise UserError(f'Failed to add avatar attachment for group": {path} ({exc.strerror or exc})') from None


def _store_avatar(cfg: str, group_id: str, data: bytes) -> bool:
    """Write the group avatar where signal-cli keeps it; return whether it changed."""
    path = groups.avatar_path(cfg, group_id)
    try:
        with open(path, "rb") as fh:
            if fh.read() == data:
                return False
    except OSError:
        pass
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
    return True


def _render_update(result: dict) -> list[str]:
    lines = [f'Created new group: "{result["groupId"]}"'] if "groupId" in result else []
    if "timestamp" in result:
        lines += render_send_result(result)
    return lines


@command("updateGroup", scope="account", plain=lambda r, p: _render_update(r), options=[
    Opt(("-g", "--group-id", "--group"), help="Specify the group ID."),
    Opt(("-n", "--name"), help="Specify the new group name."),
    Opt(("-d", "--description"), help="Specify the new group description."),
    Opt(("-a", "--avatar"), help="Specify a new group avatar image file"),
    Opt(("-m", "--member"), "list", "Specify one or more members to add to the group"),
    Opt(("-r", "--remove-member"), "list", "Specify one or more members to remove from the group"),
    Opt(("--admin",), "list", "Specify one or more members to make a group admin"),
    Opt(("--remove-admin",), "list", "Specify one or more members to remove group admin privileges"),
    Opt(("--ban",), "list", "Specify one or more members to ban from joining the group"),
    Opt(("--unban",), "list", "Specify one or more members to remove from the ban list"),
    Opt(("--reset-link",), "flag", "Reset group link and create new link password"),
    Opt(("--link",), choices=("enabled", "enabled-with-approval", "disabled"), help="Set group link state"),
    Opt(("--set-permission-add-member",), choices=_PERMISSION_CHOICES, help="Set permission to add new members"),
    Opt(("--set-permission-edit-details",), choices=_PERMISSION_CHOICES, help="Set permission to edit group details"),
    Opt(("--set-permission-send-messages",), choices=_PERMISSION_CHOICES, help="Set permission to send messages"),
    Opt(("-e", "--expiration"), "int", "Set expiration time of messages (seconds)"),
])
def update_group(ctx: Context, params: dict) -> dict:
    cfg, account = ctx.config_dir, ctx.account
    avatar = _read_avatar(params["avatar"]) if params.get("avatar") is not None else None
    with state.locked(cfg):
        net = state.load_network(cfg)
        created = params.get("groupId") is None
        if created:
            group = groups.new_group(groups.new_group_id(), account)
        else:
            group = groups.find_for_account(net, params["groupId"], account, need_member=False)
            me = groups.address_of(account)
            if groups.contains(group["pendingMembers"], me):
                params = dict(params, member=[account["number"]] + list(params.get("member") or []))
            elif not groups.is_member(group, account):
                raise UserError(f"User is not a member in group: {group.get('name')} ({group['id']})")
        before = _audience(group)
        changed = _apply_changes(cfg, group, params)
        if avatar is not None:
            changed = _store_avatar(cfg, group["id"], avatar) or changed
        if not created and not changed:
            return {}
        if not created:
            group["revision"] += 1
        net["groups"][group["id"]] = group
        state.save_network(cfg, net)
        timestamp = state.new_timestamp()
        results = _announce(cfg, account, group, timestamp, also=before)
    result = {"groupId": group["id"]} if created else {}
    result.update(results=results, timestamp=timestamp)
    return result


def _plain_group(entry: dict, detailed: bool) -> str:
    line = f"Id: {entry['id']} Name: {entry['name']}"
    if detailed:
        def fmt(addrs: list[dict]) -> str:
            return "[" + ", ".join(a.get("number") or a.get("uuid") for a in addrs) + "]"
        expiration = f"{entry['messageExpirationTime']}s" if entry["messageExpirationTime"] else "disabled"
        return (f"{line} Description: {entry['description']} Active: {entry['isMember']} "
                f"Blocked: {entry['isBlocked']} Members: {fmt(entry['members'])} "
                f"Pending members: {fmt(entry['pendingMembers'])} Requesting members: {fmt(entry['requestingMembers'])} "
                f"Admins: {fmt(entry['admins'])} Banned: {fmt(entry['banned'])} "
                f"Message expiration: {expiration} Link: {entry['groupInviteLink'] or '-'}").replace("True", "true") \
            .replace("False", "false")
    return f"{line}  Active: {str(entry['isMember']).lower()} Blocked: {str(entry['isBlocked']).lower()}"


@command("listGroups", scope="account", plain=lambda r, p: [_plain_group(e, bool(p.get("detailed"))) for e in r],
         options=[
    Opt(("-d", "--detailed"), "flag", "List the members and group invite links of each group."),
    Opt(("-g", "--group-id"), "list", "Specify one or more group IDs to show."),
])
def list_groups(ctx: Context, params: dict) -> list[dict]:
    account = ctx.account
    wanted = {network.parse_group_id(g) for g in params.get("groupId") or []}
    net = state.load_network(ctx.config_dir)
    blocked = set(account.get("blockedGroups") or [])
    return [groups.group_json(g, account, g["id"] in blocked) for g in net["groups"].values()
            if account["uuid"] in g.get("knownBy", []) and (not wanted or g["id"] in wanted)]



@command("quitGroup", scope="account", plain=lambda r, p: render_send_result(r), options=[
    Opt(("-g", "--group-id", "--group"), help="Specify the recipient group ID.", required=True),
    Opt(("--delete",), "flag", "Delete local group data completely after quitting group."),
    Opt(("--admin",), "list", "Specify one or more members to make a group admin, required if you're currently the only admin."),
])
def quit_group(ctx: Context, params: dict) -> dict | None:
    cfg, account = ctx.config_dir, ctx.account
    if params.get("groupId") is None:
        raise UserError("Failed to send to group: Group not found: null")
    # An id that is no group id is refused before the command (no "Failed to send to group: ").
    network.parse_group_id(params["groupId"])
    with state.locked(cfg):
        net = state.load_network(cfg)
        try:
            group = groups.find_for_account(net, params["groupId"], account, need_member=False)
        except UserError as exc:
            raise UserError(f"Failed to send to group: {exc.message}") from None
        me = groups.address_of(account)
        result = None
        if groups.is_member(group, account) or groups.contains(group["pendingMembers"], me):
            for addr in _resolve_members(cfg, params.get("admin") or []):
                if groups.contains(group["members"], addr) and not groups.contains(group["admins"], addr):
                    group["admins"].append(addr)
            others = groups.remove_address(group["members"], me)
            other_admins = groups.remove_address(group["admins"], me)
            if groups.contains(group["admins"], me) and others and not other_admins:
                raise UserError("You need to specify a new admin with --admin: "
                                f"User is last admin in group: {group.get('name')}")
            before = _audience(group)
            for key in ("members", "admins", "pendingMembers"):
                group[key] = groups.remove_address(group[key], me)
            group["revision"] += 1
            timestamp = state.new_timestamp()
            result = {"timestamp": timestamp, "results": _announce(cfg, account, group, timestamp, also=before)}
        else:
            log.info("QuitGroupCommand", "User is not a group member")
        if params.get("delete"):
            group["knownBy"] = [aci for aci in group["knownBy"] if aci != account["uuid"]]
        net["groups"][group["id"]] = group
        state.save_network(cfg, net)
    return result


_BLOCK_OPTIONS = [
    Opt(("recipient",), "list", "Contact number", nargs="*"),
    Opt(("-g", "--group-id", "--group"), "list", "Group ID"),
]


def _set_blocked(ctx: Context, params: dict, blocked: bool) -> None:
    """Mark recipients and groups (un)blocked in the account file (signal-cli's local block list).

    The account file holds ``blockedRecipients`` (addresses) and ``blockedGroups`` (ids).
    """
    cfg = ctx.config_dir
    addresses = []
    for text in params.get("recipient") or []:
        who = network.resolve_text(cfg, text)
        addresses.append({"number": who.number, "uuid": who.uuid})
    group_ids = [network.parse_group_id(text) for text in params.get("groupId") or []]
    with state.locked(cfg):
        account = state.load_account(cfg, ctx.account["path"])
        net = state.load_network(cfg)
        recipients = list(account.get("blockedRecipients") or [])
        for addr in addresses:
            recipients = groups.remove_address(recipients, addr)
            if blocked:
                recipients.append(addr)
        group_list = list(account.get("blockedGroups") or [])
        for group_id in group_ids:
            group = net["groups"].get(group_id)
            if group is None or account["uuid"] not in group.get("knownBy", []):
                log.warn(f"{'Block' if blocked else 'Unblock'}Command", f"Unknown group id: {group_id}")
                continue
            group_list = [g for g in group_list if g != group_id] + ([group_id] if blocked else [])
        account["blockedRecipients"] = recipients
        account["blockedGroups"] = group_list
        state.save_account(cfg, account)


def _link_password(uri: str | None) -> str:
    """The invite password in a group link, read the way signal-cli's GroupInviteLinkUrl reads it.

    The simulator's links carry the group's ``linkPassword`` where real ones carry a protobuf.
    """
    try:
        parts = urlsplit(uri or "")
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("https", "sgnl") or (parts.hostname or "") != "signal.group":
        raise UserError("Link is not a signal group invitation link")
    if parts.path not in ("", "/"):
        raise UserError("Group link is invalid: No path was expected in uri")
    if not parts.fragment:
        raise UserError("Group link is invalid: No reference was in the uri")
    try:
        base64.urlsafe_b64decode(parts.fragment + "=" * (-len(parts.fragment) % 4))
    except (binascii.Error, ValueError):
        raise UserError("Group link is invalid: java.io.IOException: Bad Base64 input character") from None
    return parts.fragment.rstrip("=")


def _render_join(result: dict, params: dict) -> list[str]:
    verb = "Requested to join" if result.get("onlyRequested") else "Joined"
    return [f'{verb} group "{result["groupId"]}"', *render_send_result(result)]


@command("joinGroup", scope="account", plain=_render_join, options=[
    Opt(("--uri",), required=True, help="Specify the uri with the group invitation link."),
])
def join_group(ctx: Context, params: dict) -> dict:
    """Join the group whose enabled invite link this is; with ``enabled-with-approval`` only ask to.

    A disabled or reset link, or a ban, fails like the group server's refusal.
    """
    cfg, account = ctx.config_dir, ctx.account
    password = _link_password(params.get("uri"))
    me = groups.address_of(account)
    with state.locked(cfg):
        net = state.load_network(cfg)
        group = next((g for g in net["groups"].values()
                      if g.get("link", "disabled") != "disabled" and g.get("linkPassword") == password), None)
        if group is None or groups.contains(group["banned"], me):
            raise UserError("Group link is not valid: The group link is not active or you were removed")
        timestamp = state.new_timestamp()
        if groups.is_member(group, account):
            return {"timestamp": timestamp, "results": [], "groupId": group["id"]}
        approval = group["link"] == "enabled-with-approval"
        group["pendingMembers"] = groups.remove_address(group["pendingMembers"], me)
        if approval:
            if not groups.contains(group["requestingMembers"], me):
                group["requestingMembers"].append(me)
        else:
            group["requestingMembers"] = groups.remove_address(group["requestingMembers"], me)
            group["members"].append(me)
        if account["uuid"] not in group["knownBy"]:
            group["knownBy"].append(account["uuid"])
        group["revision"] += 1
        net["groups"][group["id"]] = group
        state.save_network(cfg, net)
        results = _announce(cfg, account, group, timestamp)
    result = {"timestamp": timestamp, "results": results, "groupId": group["id"]}
    if approval:
        result["onlyRequested"] = True
    return result


@command("sendMessageRequestResponse", scope="account", options=[
    Opt(("-g", "--group-id", "--group"), "list", "Specify the recipient group ID."),
    Opt(("recipient",), "list", "Specify the recipients' phone number.", nargs="*"),
    Opt(("-u", "--username"), "list", "Specify the recipient username or username link."),
    Opt(("--type",), choices=("accept", "delete"), required=True, help="Type of message request response"),
])
def send_message_request_response(ctx: Context, params: dict) -> None:
    """Tell the account's other devices that a message request was accepted or deleted.

    The simulator has no other devices: the answers are kept in the account file
    (``messageRequestResponses``, ``{"recipient"|"groupId", "type"}`` each).
    """
    cfg = ctx.config_dir
    kind = str(params.get("type") or "").lower()
    if kind not in ("accept", "delete"):
        raise UserError(f"Invalid message request response type: {params.get('type')}")
    answers = []
    for text in list(params.get("recipient") or []) + [f"u:{u}" for u in params.get("username") or []]:
        who = network.resolve_text(cfg, text)
        answers.append({"recipient": {"number": who.number, "uuid": who.uuid}, "type": kind})
    answers += [{"groupId": network.parse_group_id(g), "type": kind} for g in params.get("groupId") or []]
    with state.locked(cfg):
        account = state.load_account(cfg, ctx.account["path"])
        account["messageRequestResponses"] = list(account.get("messageRequestResponses") or []) + answers
        state.save_account(cfg, account)


@command("block", scope="account", options=_BLOCK_OPTIONS)
def block(ctx: Context, params: dict) -> None:
    _set_blocked(ctx, params, True)


@command("unblock", scope="account", options=_BLOCK_OPTIONS)
def unblock(ctx: Context, params: dict) -> None:
    _set_blocked(ctx, params, False)


@command("getAvatar", scope="account", plain=lambda r, p: [r["data"]], options=[
    Opt(("-c", "--contact"), help="Get a contact avatar", exclusive="source"),
    Opt(("-p", "--profile"), help="Get a profile avatar", exclusive="source"),
    Opt(("-g", "--group-id"), help="Get a group avatar", exclusive="source"),
])
def get_avatar(ctx: Context, params: dict) -> dict:
    """``{"data": base64}`` of a stored avatar: ``<config>/avatars/group-<id>``, ``contact-<addr>``
    or ``profile-<addr>`` (addr = number or ACI)."""
    cfg = ctx.config_dir
    if params.get("groupId") is not None:
        group_id = network.parse_group_id(params["groupId"])
        candidates = [groups.avatar_path(cfg, group_id)]
    elif params.get("contact") is not None or params.get("profile") is not None:
        prefix, text = ("contact", params["contact"]) if params.get("contact") is not None else \
            ("profile", params["profile"])
        who = network.resolve_text(cfg, text)
        candidates = [os.path.join(cfg, "avatars", f"{prefix}-{ident}") for ident in (who.number, who.uuid) if ident]
    else:
        raise UserError("Missing avatar source, use --contact, --profile or --group-id")
    for path in candidates:
        try:
            with open(path, "rb") as fh:
                return {"data": base64.b64encode(fh.read()).decode("ascii")}
        except OSError:
            continue
    raise UserError("Could not find avatar")
