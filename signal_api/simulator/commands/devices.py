"""Devices and account settings: simulateLinkScan, addDevice, listDevices, removeDevice,
updateAccount, updateConfiguration, setPin, removePin, submitRateLimitChallenge.

An account file keeps its other devices in ``devices`` (``[{"id","name","createdTimestamp",
"lastSeenTimestamp"}]``); the device running the command is described by the file itself
(``deviceId``, ``deviceName``, ``timestamp``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from .. import links, state
from ..delivery import CHALLENGE_KEY
from ..errors import IOFailure, UserError
from .base import Context, Opt, command

MAX_LINKED_DEVICES = 5
USERNAME_LINK_PREFIX = "https://signal.me/#eu/"
_NICKNAME_CHARS = re.compile(r"[A-Za-z0-9_]+")


@contextmanager
def _editing(ctx: Context) -> Iterator[dict]:
    """The command's account file, re-read under the lock and saved afterwards."""
    with state.locked(ctx.config_dir):
        account = state.find_account(ctx.config_dir, ctx.account["number"])
        yield account
        state.save_account(ctx.config_dir, account)


def _require_primary(account: dict) -> None:
    if account.get("deviceId", 1) != 1:
        raise UserError("This command doesn't work on linked devices.")


# ---------------------------------------------------------------- linking and devices

@command("simulateLinkScan", scope="global", plain=lambda r, p: [f"Linked {r['number']}"], options=[
    Opt(("--uri",), required=True, help="The sgnl://linkdevice URI printed by link / returned by startLink."),
    Opt(("--number",), required=True, help="The number of the phone that scans it."),
])
def simulate_link_scan(ctx: Context, params: dict) -> dict:
    """The primary phone scans a pending link request; the new local account appears."""
    number = params.get("number")
    if not number:
        raise UserError("Missing number.")
    account = links.scan(ctx.config_dir, params.get("uri") or "", number)
    return {"number": account["number"], "uuid": account["uuid"], "deviceId": account["deviceId"]}


@command("addDevice", scope="account", options=[
    Opt(("--uri",), required=True, help='Specify the uri contained in the QR code shown by the new device.'),
])
def add_device(ctx: Context, params: dict) -> None:
    parsed = links.parse_uri(params.get("uri"))
    if parsed is None:
        raise UserError("Invalid device link")
    pending = state.load_network(ctx.config_dir).get("links", {}).get(parsed[0]) or {}
    with _editing(ctx) as account:
        _require_primary(account)
        devices = account.setdefault("devices", [])
        if len(devices) >= MAX_LINKED_DEVICES:
            raise UserError("Account has too many linked devices already")
        now = state.now_ms()
        next_id = max([account.get("deviceId", 1)] + [d["id"] for d in devices]) + 1
        devices.append({"id": next_id, "name": pending.get("name"), "createdTimestamp": now,
                        "lastSeenTimestamp": now})
        account["isMultiDevice"] = True


def _own_device(account: dict) -> dict:
    return {"id": account.get("deviceId", 1), "name": account.get("deviceName"),
            "createdTimestamp": account.get("timestamp"), "lastSeenTimestamp": state.now_ms()}


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _plain_devices(result: list[dict], own_id: int | None = None) -> list[str]:
    lines = []
    for device in result:
        suffix = " (this device)" if device["id"] == own_id else ""
        lines += [f"- Device {device['id']}{suffix}:",
                  f"  Name: {device['name'] if device['name'] is not None else 'null'}",
                  f"  Created: {device['createdTimestamp']} ({_iso(device['createdTimestamp'])})",
                  f"  Last seen: {device['lastSeenTimestamp']} ({_iso(device['lastSeenTimestamp'])})"]
    return lines


@command("listDevices", scope="account", plain=lambda r, p: _plain_devices(r, p.get("_ownId")))
def list_devices(ctx: Context, params: dict) -> list[dict]:
    account = state.find_account(ctx.config_dir, ctx.account["number"])
    # Only the plain-text renderer needs it ("(this device)"); the call record is already written.
    params["_ownId"] = account.get("deviceId", 1)
    return sorted([_own_device(account)] + list(account.get("devices") or []), key=lambda d: d["id"])


@command("removeDevice", scope="account", options=[
    Opt(("-d", "--device-id", "--deviceId"), "int", required=True, help="Specify the device you want to remove."),
])
def remove_device(ctx: Context, params: dict) -> None:
    device_id = params.get("deviceId")
    if not isinstance(device_id, int) or isinstance(device_id, bool):
        raise UserError("Missing device id.")
    with _editing(ctx) as account:
        devices = account.get("devices") or []
        if device_id == account.get("deviceId", 1) or all(d["id"] != device_id for d in devices):
            raise IOFailure(f"Error while removing device: [404] Device {device_id} not found "
                            "(NonSuccessfulResponseCodeException)")
        account["devices"] = [d for d in devices if d["id"] != device_id]


# ---------------------------------------------------------------- account settings

def _check_username(name: str) -> tuple[str, str | None]:
    """Split ``nick[.digits]`` and validate it like libsignal; UserError ``Invalid username: …``."""
    nickname, dot, discriminator = name.partition(".")
    problem = None
    if not nickname:
        problem = "Nickname cannot be empty"
    elif nickname[0].isdigit():
        problem = "Nickname cannot start with a digit"
    elif not _NICKNAME_CHARS.fullmatch(nickname):
        problem = "Nickname contains an invalid character"
    elif len(nickname) < 3:
        problem = "Nickname is too short"
    elif len(nickname) > 32:
        problem = "Nickname is too long"
    elif dot and not discriminator:
        problem = "Discriminator cannot be empty"
    elif dot and not discriminator.isdigit():
        problem = "Discriminator contains an invalid character"
    elif dot and (len(discriminator) < 2 or discriminator.startswith("0")):
        problem = "Discriminator must have at least two digits and no leading zero"
    if problem:
        raise UserError(f"Invalid username: {problem}")
    return nickname, discriminator or None


def _claim_username(cfg: str, account: dict, requested: str) -> None:
    nickname, discriminator = _check_username(requested)
    taken = {a.get("username") for a in state.all_accounts(cfg) if a.get("path") != account.get("path")}
    if discriminator is None:
        candidates = [f"{nickname}.{n}" for n in range(10, 100) if f"{nickname}.{n}" not in taken]
        if not candidates:
            raise IOFailure("Failed to set username: No username available (UsernameIsNotAvailableException)")
        username = secrets.choice(candidates)
    else:
        username = f"{nickname}.{discriminator}"
        if username in taken:
            raise IOFailure("Failed to set username: Username is not available (UsernameIsNotAvailableException)")
    account["username"] = username
    account["usernameLink"] = USERNAME_LINK_PREFIX + secrets.token_urlsafe(48)


def _plain_username(result: dict | None) -> list[str]:
    if not result:
        return []
    return [f"Your new username: {result['username']} ({result.get('usernameLink') or '-'})"]


@command("updateAccount", scope="account", plain=lambda r, p: _plain_username(r), options=[
    Opt(("-n", "--device-name"), help="Specify a name to describe this device."),
    Opt(("--unrestricted-unidentified-sender",), "bool", help="Enable if anyone should be able to send you "
                                                              "unidentified sender messages."),
    Opt(("--discoverable-by-number",), "bool", help="Decide whether you should be discoverable by your number."),
    Opt(("--number-sharing",), "bool", help="Decide whether your number should be shared with others."),
    Opt(("-u", "--username"), help="Specify a username that can then be used to contact this account.",
        exclusive="username"),
    Opt(("--delete-username",), "flag", help="Delete the username associated with this account.",
        exclusive="username"),
])
def update_account(ctx: Context, params: dict) -> dict | None:
    with _editing(ctx) as account:
        if params.get("deviceName") is not None:
            account["deviceName"] = params["deviceName"]
        settings = account.setdefault("settings", {})
        for key in ("unrestrictedUnidentifiedSender", "discoverableByNumber", "numberSharing"):
            if params.get(key) is not None:
                settings[key] = bool(params[key])
        if params.get("deleteUsername"):
            account["username"] = account["usernameLink"] = None
        if params.get("username") is None:
            return None
        _claim_username(ctx.config_dir, account, str(params["username"]))
    return {"username": account["username"], "usernameLink": account["usernameLink"]}


_CONFIGURATION_KEYS = ("readReceipts", "unidentifiedDeliveryIndicators", "typingIndicators", "linkPreviews")


@command("updateConfiguration", scope="account", options=[
    Opt(("--read-receipts",), "bool", help="Indicates if Signal should send read receipts."),
    Opt(("--unidentified-delivery-indicators",), "bool", help="Indicates if Signal should show unidentified "
                                                                 "delivery indicators."),
    Opt(("--typing-indicators",), "bool", help="Indicates if Signal should send/show typing indicators."),
    Opt(("--link-previews",), "bool", help="Indicates if Signal should generate link previews."),
])
def update_configuration(ctx: Context, params: dict) -> None:
    """Kept in the account file under ``configuration`` (signal-cli has no command to read it)."""
    with _editing(ctx) as account:
        _require_primary(account)
        configuration = account.setdefault("configuration", {})
        for key in _CONFIGURATION_KEYS:
            if params.get(key) is not None:
                configuration[key] = bool(params[key])


@command("setPin", scope="account", options=[
    Opt(("pin",), help="The registration lock PIN, that will be required for new registrations."),
])
def set_pin(ctx: Context, params: dict) -> None:
    if not params.get("pin"):
        raise IOFailure("Set pin error: PIN must not be empty")
    with _editing(ctx) as account:
        _require_primary(account)
        account["registrationLockPin"] = params["pin"]


@command("removePin", scope="account")
def remove_pin(ctx: Context, params: dict) -> None:
    with _editing(ctx) as account:
        _require_primary(account)
        account["registrationLockPin"] = None


@command("submitRateLimitChallenge", scope="account", options=[
    Opt(("--challenge",), required=True, help="The challenge token taken from the proof required error."),
    Opt(("--captcha",), required=True, help="The captcha token from the solved captcha on the signal website."),
])
def submit_rate_limit_challenge(ctx: Context, params: dict) -> None:
    if not params.get("challenge") or not params.get("captcha"):
        raise IOFailure("Submit challenge error: [428] Challenge or captcha missing "
                        "(NonSuccessfulResponseCodeException)")
    with _editing(ctx) as account:
        imposed = account.get(CHALLENGE_KEY)
        if isinstance(imposed, dict):
            if params["challenge"] != imposed.get("token"):
                raise IOFailure("Submit challenge error: [428] Invalid challenge token "
                                "(NonSuccessfulResponseCodeException)")
            del account[CHALLENGE_KEY]
        solved = account.setdefault("solvedChallenges", [])
        solved.append({"challenge": params["challenge"], "captcha": params["captcha"],
                       "timestamp": state.now_ms()})
