"""updateGroup (create and edit) and listGroups."""

from __future__ import annotations

import secrets

from .. import envelopes, groups, network, state
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
        group["members"] = [a for a in group["members"] if not groups.same_address(a, addr)]
        group["admins"] = [a for a in group["admins"] if not groups.same_address(a, addr)]
    for addr in _resolve_members(cfg, params.get("admin") or []):
        if not groups.contains(group["members"], addr):
            raise UserError(f"Admin {addr['number'] or addr['uuid']} is not a group member")
        if not groups.contains(group["admins"], addr):
            group["admins"].append(addr)
    for addr in _resolve_members(cfg, params.get("removeAdmin") or []):
        group["admins"] = [a for a in group["admins"] if not groups.same_address(a, addr)]
    for addr in _resolve_members(cfg, params.get("ban") or []):
        group["members"] = [a for a in group["members"] if not groups.same_address(a, addr)]
        if not groups.contains(group["banned"], addr):
            group["banned"].append(addr)
    for addr in _resolve_members(cfg, params.get("unban") or []):
        group["banned"] = [a for a in group["banned"] if not groups.same_address(a, addr)]
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


def _announce(cfg: str, account: dict, group: dict, timestamp: int) -> list[dict]:
    """Send the group update (type UPDATE) to every other member; return the results."""
    source = {"number": account["number"], "uuid": account["uuid"], "name": state.profile_name(account)}
    dm = envelopes.data_message(timestamp, None, expires=group.get("messageExpirationTime", 0),
                                groupInfo=envelopes.group_info(group, "UPDATE"))
    results = []
    for member in group["members"] + group["pendingMembers"]:
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
        changed = _apply_changes(cfg, group, params)
        if not created and not changed:
            return {}
        if not created:
            group["revision"] += 1
        net["groups"][group["id"]] = group
        state.save_network(cfg, net)
        timestamp = state.new_timestamp()
        results = _announce(cfg, account, group, timestamp)
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

