"""Attachment "upload": read a file path or RFC 2397 data URI into a blob with a signal-cli-like id."""

from __future__ import annotations

import base64
import mimetypes
import os
import secrets
import string
import urllib.parse

from . import state
from .errors import UnexpectedError

_ALNUM = string.ascii_letters + string.digits
_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"%PDF", "application/pdf"),
    (b"RIFF", "image/webp"),
    (b"OggS", "audio/ogg"),
]


def read_spec(spec: str) -> tuple[bytes, str, str | None]:
    """Return (bytes, contentType, filename) for a path or data URI; raise like signal-cli on failure."""
    if spec.startswith("data:"):
        return _read_data_uri(spec)
    try:
        with open(spec, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UnexpectedError(f"Failed to send message: {spec}: {spec} ({reason}) (AttachmentInvalidException)") from None
    name = os.path.basename(spec)
    return data, guess_content_type(name, data), name


def _read_data_uri(spec: str) -> tuple[bytes, str, str | None]:
    header, _, payload = spec[5:].partition(",")
    parts = header.split(";")
    mime = urllib.parse.unquote(parts[0]) or "text/plain"
    filename = None
    is_base64 = False
    for part in parts[1:]:
        if part == "base64":
            is_base64 = True
        elif part.startswith("filename="):
            filename = urllib.parse.unquote(part[len("filename="):])
    try:
        data = base64.b64decode(payload) if is_base64 else urllib.parse.unquote_to_bytes(payload)
    except ValueError as exc:
        raise UnexpectedError(f"Failed to send message: Invalid data URI: {exc} (AttachmentInvalidException)") from None
    return data, mime, filename


def guess_content_type(name: str, data: bytes) -> str:
    guessed, _ = mimetypes.guess_type(name)
    if guessed:
        return guessed
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    return "application/octet-stream"


def new_attachment_id(filename: str | None, content_type: str) -> str:
    """Random CDN-like id plus ``.<ext>`` from the file name, else from the content type."""
    ext = ""
    if filename and "." in filename:
        ext = filename.rsplit(".", 1)[1]
    else:
        guessed = mimetypes.guess_extension(content_type or "")
        ext = guessed[1:] if guessed else ""
    base = "".join(secrets.choice(_ALNUM) for _ in range(20))
    return f"{base}.{ext}" if ext else base


def upload(cfg: str, spec: str, upload_ts: int) -> dict:
    """Store the attachment as a blob and return its JSON Attachment (all keys present)."""
    data, content_type, filename = read_spec(spec)
    blob_id = new_attachment_id(filename, content_type)
    state.store_blob(cfg, blob_id, data)
    return {
        "contentType": content_type,
        "filename": filename,
        "id": blob_id,
        "size": len(data),
        "width": None,
        "height": None,
        "caption": None,
        "uploadTimestamp": upload_ts,
    }
