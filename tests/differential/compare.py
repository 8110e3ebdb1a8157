"""What a client can see of an answer, normalised, and the differences between two answers.

An answer is reduced to its status, the kind of its body (JSON, text, binary with its media type)
and the body itself, with the values that differ by nature between two runs replaced by markers:
timestamps, uuids, group ids and attachment ids created during the run, device-link URIs, the
services' own ports and directories.

:func:`differences` names each difference by an *aspect* (``status``, ``error``, ``body.<path>``,
``kind``, ``text``) with a readable detail; the allow-list matches aspects. Differences that
cannot break a client are not reported: an error text that starts with the original's and adds
detail (or lacks the trailing newline of signal-cli's text), JSON served as ``application/json``
where the original says ``text/plain``, and 405 where Gin answers ``404 page not found`` for a
method it does not route.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
_LINK = re.compile(r"sgnl://linkdevice\?[^\s\"']*")
_GROUP = re.compile(r"group\.[A-Za-z0-9+/=]{20,}")
_INTERNAL = re.compile(r"^[A-Za-z0-9+/]{43}=$")
_HOST = re.compile(r"127\.0\.0\.1:\d+")
# The bits a link takes in a QR code depend on its random characters, as the link itself does.
_QR_BITS = re.compile(r"encoded length is \d+ bits")
_USERNAME_LINK = re.compile(r"https://signal\.me/#eu/[A-Za-z0-9_-]+")
_USERNAME = re.compile(r"([a-z_][a-z0-9_]*)\.\d{2,}")
_TIMESTAMP_MIN, _TIMESTAMP_MAX = 10**12, 10**14
GIN_NOT_FOUND = "404 page not found"


@dataclass
class Answer:
    """One HTTP answer as a client receives it."""

    status: int
    content_type: str
    body: bytes


@dataclass
class Normaliser:
    """Replaces run-specific values; ``keep`` are the seeded ids, the same on both sides."""

    keep: frozenset[str]
    roots: tuple[str, ...]

    def string(self, text: str) -> str:
        for root in self.roots:
            text = text.replace(root, "<root>")
        text = _HOST.sub("<host>", text)
        text = _LINK.sub("sgnl://linkdevice?<link>", text)
        text = _QR_BITS.sub("encoded length is <n> bits", text)
        text = _USERNAME_LINK.sub("https://signal.me/#eu/<link>", text)
        text = _GROUP.sub(lambda m: m.group(0) if m.group(0) in self.keep else "<group-id>", text)
        text = _UUID.sub(lambda m: m.group(0) if m.group(0) in self.keep else "<uuid>", text)
        if _INTERNAL.match(text) and text not in self.keep:
            return "<internal-id>"
        if text.isdigit() and _TIMESTAMP_MIN <= int(text) < _TIMESTAMP_MAX:
            return "<timestamp>"
        return text

    def value(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, key) for v in value]
        if isinstance(value, str):
            if key == "username" and _USERNAME.fullmatch(value):
                # A username set without a discriminator gets a random one.
                return _USERNAME.fullmatch(value).group(1) + ".<nn>"
            if key in ("id", "filename") and re.fullmatch(r"[A-Za-z0-9_-]{20}(\.\w+)?", value) \
                    and value not in self.keep:
                return "<attachment-id>"
            return self.string(value)
        if isinstance(value, int) and not isinstance(value, bool) and _TIMESTAMP_MIN <= value < _TIMESTAMP_MAX:
            return "<timestamp>"
        return value


def view(answer: Answer, normaliser: Normaliser) -> tuple[str, Any]:
    """``(kind, body)``: ``json`` with the parsed value, ``text`` with the text, or ``binary:<type>``."""
    media = answer.content_type.split(";")[0].strip().lower()
    try:
        text = answer.body.decode()
    except UnicodeDecodeError:
        return f"binary:{media}", None
    try:
        return "json", normaliser.value(json.loads(text)) if text.strip() else None
    except ValueError:
        pass
    if media.startswith("text/") or media in ("", "application/json"):
        return "text", normaliser.string(text.strip())
    return f"binary:{media}", None


def _type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
            float: "number", type(None): "null"}[type(value)]


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "..."


def _compare(original: Any, ours: Any, path: str, out: dict[str, str]) -> None:
    aspect = "body" + (path or "")
    if _type(original) != _type(ours):
        out.setdefault(aspect, f"original {_short(original)} ({_type(original)}), "
                               f"ours {_short(ours)} ({_type(ours)})")
        return
    if isinstance(original, dict):
        for key in original.keys() - ours.keys():
            out.setdefault(f"{aspect}.{key}", f"missing in ours (original {_short(original[key])})")
        for key in ours.keys() - original.keys():
            out.setdefault(f"{aspect}.{key}", f"only in ours ({_short(ours[key])})")
        for key in original.keys() & ours.keys():
            _compare(original[key], ours[key], f"{path}.{key}", out)
    elif isinstance(original, list):
        if len(original) != len(ours):
            out.setdefault(f"{aspect}[]", f"{len(original)} items in the original, {len(ours)} in ours: "
                                          f"original {_short(original)}, ours {_short(ours)}")
            return
        for o, s in zip(original, ours):
            _compare(o, s, f"{path}[]", out)
    elif original != ours:
        out.setdefault(aspect, f"original {_short(original)}, ours {_short(ours)}")


def _is_error(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"error"} and isinstance(value["error"], str)


def differences(original: Answer, ours: Answer, normaliser: Normaliser) -> dict[str, str]:
    """The aspects in which ``ours`` differs from ``original`` that a client could notice."""
    out: dict[str, str] = {}
    okind, obody = view(original, normaliser)
    skind, sbody = view(ours, normaliser)
    if original.status == 404 and obody == GIN_NOT_FOUND and ours.status == 405:
        return out
    if original.status != ours.status:
        out["status"] = f"original {original.status}, ours {ours.status}"
    if okind != skind:
        out["kind"] = f"original {okind} {_short(obody)}, ours {skind} {_short(sbody)}"
    elif okind == "json":
        if _is_error(obody) and _is_error(sbody):
            # signal-cli's text ends with a newline in the original's answers; ours has the line only.
            if not sbody["error"].rstrip().startswith(obody["error"].rstrip()):
                out["error"] = f"original {_short(obody['error'])}, ours {_short(sbody['error'])}"
        else:
            _compare(obody, sbody, "", out)
    elif okind == "text" and obody != sbody:
        out["text"] = f"original {_short(obody)}, ours {_short(sbody)}"
    return out
