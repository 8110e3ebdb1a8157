"""Device linking: pending provisioning requests and the simulated phone that scans them.

``link`` (CLI) and ``startLink`` (JSON-RPC) create a pending request named by a random token
and hand out ``sgnl://linkdevice?uuid=<token>&pub_key=<key>``.  ``simulateLinkScan`` plays the
primary phone: it creates the new local account (registered, device 2 of that number) and
marks the request done, which wakes the waiting ``link`` / ``finishLink``.  Requests live in
``network.json`` under ``links``; a waiter gives up after ``link_timeout`` seconds (top-level key
of ``faults.json``, default :data:`DEFAULT_TIMEOUT`).
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from urllib.parse import parse_qs, quote, urlsplit

from . import state
from .errors import UserError

DEFAULT_TIMEOUT = 300.0
POLL_INTERVAL = 0.05
TIMED_OUT = "Link request timed out, please try again."
UNKNOWN_URI = "Unknown device link uri."


def link_timeout(cfg: str) -> float:
    value = state.read_faults(cfg).get("link_timeout")
    return float(value) if isinstance(value, (int, float)) else DEFAULT_TIMEOUT


def parse_uri(uri: str | None) -> tuple[str, str] | None:
    """``(token, pub_key)`` of a device link URI, or None if it is not one."""
    if not uri:
        return None
    parts = urlsplit(uri)
    if parts.scheme != "sgnl" or parts.netloc != "linkdevice":
        return None
    query = parse_qs(parts.query)
    token, key = query.get("uuid", [""])[0], query.get("pub_key", [""])[0]
    return (token, key) if token and key else None


def new_link(cfg: str, name: str | None) -> str:
    """Create a pending request; return its URI (short enough for a version 10-H QR code)."""
    token = secrets.token_urlsafe(16)
    key = quote(base64.b64encode(b"\x05" + secrets.token_bytes(32)).decode(), safe="")
    uri = f"sgnl://linkdevice?uuid={token}&pub_key={key}"
    with state.locked(cfg):
        net = state.load_network(cfg)
        net.setdefault("links", {})[token] = {"uri": uri, "name": name, "createdTimestamp": state.now_ms(),
                                              "number": None, "error": None}
        state.save_network(cfg, net)
    return uri


def _pending(net: dict, uri: str) -> tuple[str, dict]:
    parsed = parse_uri(uri)
    entry = net.get("links", {}).get(parsed[0]) if parsed else None
    if parsed is None or entry is None:
        raise UserError(UNKNOWN_URI)
    return parsed[0], entry


def set_name(cfg: str, uri: str, name: str | None) -> None:
    """Name the device of a pending request (``finishLink`` learns the name only then)."""
    with state.locked(cfg):
        net = state.load_network(cfg)
        _, entry = _pending(net, uri)
        if name is not None:
            entry["name"] = name
        state.save_network(cfg, net)


def name_device(cfg: str, number: str, name: str) -> None:
    """Give the linked account its device name (finishLink may come after the scan)."""
    with state.locked(cfg):
        account = state.find_account(cfg, number)
        if account is not None and account.get("deviceName") != name:
            account["deviceName"] = name
            state.save_account(cfg, account)


def wait(cfg: str, uri: str, timeout: float) -> str:
    """Block until the request is scanned; return the linked number (UserError on timeout)."""
    parsed = parse_uri(uri)
    deadline = time.monotonic() + timeout
    while True:
        entry = state.load_network(cfg).get("links", {}).get(parsed[0] if parsed else "")
        if entry is None:
            raise UserError(UNKNOWN_URI)
        if entry.get("error"):
            raise UserError(entry["error"])
        if entry.get("number"):
            return entry["number"]
        if time.monotonic() >= deadline:
            raise UserError(TIMED_OUT)
        time.sleep(POLL_INTERVAL)


def scan(cfg: str, uri: str, number: str) -> dict:
    """The phone of ``number`` accepts the request: create the linked local account."""
    with state.locked(cfg):
        net = state.load_network(cfg)
        token, entry = _pending(net, uri)
        if entry.get("number") or entry.get("error"):
            raise UserError(UNKNOWN_URI)
        existing = state.find_account(cfg, number)
        if existing is not None:
            entry["error"] = (f"The user {number} already exists\nDelete \"" +
                              os.path.join(state.data_dir(cfg), existing["path"]) + "\" before trying again.")
            state.save_network(cfg, net)
            raise UserError(entry["error"])
        account = state.create_account(cfg, number)
        now = state.now_ms()
        account.update(deviceId=2, isMultiDevice=True, deviceName=entry.get("name") or "cli",
                       devices=[{"id": 1, "name": None, "createdTimestamp": entry["createdTimestamp"],
                                 "lastSeenTimestamp": now}])
        state.mark_registered(cfg, account)
        entry["number"] = number
        net["links"][token] = entry
        state.save_network(cfg, net)
        return account
