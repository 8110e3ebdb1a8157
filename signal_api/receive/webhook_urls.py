"""Webhook URLs: what ``RECEIVE_WEBHOOK_URL`` and a subscription's ``url`` may be, and where it may connect.

``RECEIVE_WEBHOOK_URL`` is the operator's own setting and only needs to be a well-formed http(s)
URL. A subscription comes in over the API, so it is held to more:

* no ``user:password@`` (it would be stored and logged in clear; use the signature instead);
* at most :data:`MAX_URL_LENGTH` characters, no control characters;
* no link-local, multicast, unspecified or reserved address, checked on the URL (an IP literal) and
  again on the address actually connected to (a host name may resolve, or be re-pointed, anywhere).
  Link-local is where cloud metadata services answer (169.254.169.254; also refused: the few
  metadata addresses outside it, e.g. AWS's fd00:ec2::254): the classic target of a request forged
  through a webhook, and never a webhook receiver.

Loopback and private addresses are allowed on purpose: this service is self-hosted, and its
receivers usually run on the same host or the same Docker network (``http://n8n:5678/...``
resolves to a private address); refusing them would refuse the main use. Creating a subscription
needs the ``admin`` scope, which can already register and unregister the accounts.
"""
from __future__ import annotations

import ipaddress
import urllib.parse

MAX_URL_LENGTH = 2048
# Cloud metadata services that do not live in the link-local ranges (AWS IPv6, Alibaba, Azure).
_METADATA = frozenset(ipaddress.ip_address(a) for a in ("fd00:ec2::254", "100.100.100.200", "168.63.129.16"))


def check_url(raw: str) -> str:
    """``raw`` if it is a well-formed http:// or https:// URL with a host, else ValueError saying why."""
    if not raw.startswith(("http://", "https://")):
        raise ValueError(f"{raw!r} must be an http:// or https:// URL")
    try:
        parts = urllib.parse.urlsplit(raw)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        raise ValueError(f"{raw!r} is not a well-formed URL: {exc}") from None
    if not parts.hostname or any(ch.isspace() for ch in raw):
        raise ValueError(f"{raw!r} is not a well-formed URL (no host, or blanks)")
    return raw


def check_subscription_url(raw: str) -> str:
    """``raw`` if a subscription may deliver to it (see the module docstring), else ValueError."""
    if len(raw) > MAX_URL_LENGTH:
        raise ValueError(f"must be at most {MAX_URL_LENGTH} characters")
    if not raw.isprintable() or not raw.isascii():
        raise ValueError("must be printable ASCII (percent-encode the path, punycode the host name)")
    check_url(raw)
    parts = urllib.parse.urlsplit(raw)
    if "@" in parts.netloc:
        raise ValueError("must not carry credentials (user:password@); the signature authenticates the service")
    try:
        address = ipaddress.ip_address(parts.hostname or "")
    except ValueError:
        return raw  # a host name: its addresses are checked when connecting
    reason = forbidden_address(address)
    if reason:
        raise ValueError(f"{parts.hostname} is {reason}: not a webhook receiver")
    return raw


def forbidden_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address | str) -> str | None:
    """Why a subscription must not connect to ``address`` (None: it may)."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in _METADATA:
        return "a cloud metadata service address"
    if ip.is_link_local:
        return "a link-local address (where cloud metadata services answer)"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_unspecified:
        return "the unspecified address"
    if ip.is_reserved:
        return "a reserved address"
    return None
