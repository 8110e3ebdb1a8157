"""Base64 attachments for ``/v2/send``: parsing, decoding, sniffing and safe storage.

Clients send attachments as raw base64 or as data URIs
(``data:<mime>;base64,<data>`` / ``data:<mime>;filename=<name>;base64,<data>``).
They are decoded with the same strictness and error texts as Go's
``encoding/base64`` ``StdEncoding`` and written to short-lived files that
signal-cli reads.

Upstream used the ``filename=`` value unsanitised, so a name such as
``../../x`` escaped the temporary directory (anchor spec §13 item 3).
:func:`safe_filename` and :class:`AttachmentDir` fix that: every file lands
inside a private per-request directory whatever name the client sends.
"""
from __future__ import annotations

import binascii
import os
import shutil
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote

from signal_api.errors.request import RequestError

_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_VALUES = {byte: index for index, byte in enumerate(_B64_ALPHABET)}
_NEWLINES = (0x0A, 0x0D)
_PAD = 0x3D  # "="

_MAX_NAME_BYTES = 200
_MAX_EXT_BYTES = 16
_DEFAULT_MIME = "application/octet-stream"


class AttachmentError(ValueError):
    """An attachment could not be parsed, decoded or stored; ``str(exc)`` is the user message."""


@dataclass(frozen=True)
class DecodedAttachment:
    """The decoded bytes of one attachment plus the metadata given in its data URI."""

    data: bytes
    filename: str | None
    mime_type: str | None


# --------------------------------------------------------------------------------------
# Go-compatible standard base64
# --------------------------------------------------------------------------------------


def decode_std_base64(value: str | bytes) -> bytes:
    """Decode standard, padded base64 exactly as Go's ``base64.StdEncoding.DecodeString``.

    Line breaks (CR, LF) are ignored anywhere. Raises :class:`AttachmentError`
    with Go's text ``illegal base64 data at input byte N`` (N counted in bytes of
    the UTF-8 input) on bad data. An empty input decodes to ``b""``.
    """
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    compact = raw.replace(b"\r", b"").replace(b"\n", b"")
    if len(compact) % 4 == 0:
        try:
            return binascii.a2b_base64(compact, strict_mode=True)
        except binascii.Error:
            pass
    # The fast path only answers "valid or not"; replay Go's algorithm for the offset.
    return _decode_like_go(raw)


def decode_avatar(encoded: str) -> DecodedAttachment:
    """A group or profile avatar from its base64; 400 with Go's decoder detail when it is not base64."""
    try:
        return DecodedAttachment(data=decode_std_base64(encoded), filename=None, mime_type=None)
    except AttachmentError as exc:
        raise RequestError(f"Couldn't decode base64 encoded avatar: {exc}") from None


def _decode_like_go(src: bytes) -> bytes:
    """Decode quantum by quantum like Go's ``decodeQuantum`` to find the failing offset."""
    out = bytearray()
    si = 0
    while si < len(src):
        si, chunk = _decode_quantum(src, si)
        out += chunk
    return bytes(out)


def _decode_quantum(src: bytes, si: int) -> tuple[int, bytes]:
    """Decode one 4-symbol group starting at ``si``; return the next offset and the bytes."""
    symbols: list[int] = []
    while len(symbols) < 4:
        if si == len(src):
            if not symbols:
                return si, b""
            # Padding is mandatory, so a short final group is always an error.
            raise _illegal(si - len(symbols))
        byte = src[si]
        si += 1
        if byte in _B64_VALUES:
            symbols.append(_B64_VALUES[byte])
            continue
        if byte in _NEWLINES:
            continue
        if byte != _PAD:
            raise _illegal(si - 1)
        si = _consume_padding(src, si, len(symbols))
        break
    return si, _symbols_to_bytes(symbols)


def _consume_padding(src: bytes, si: int, count: int) -> int:
    """Check the padding after ``count`` symbols (first ``=`` already read); return the end offset."""
    if count < 2:
        raise _illegal(si - 1)
    if count == 2:
        si = _skip_newlines(src, si)
        if si == len(src):
            raise _illegal(len(src))
        if src[si] != _PAD:
            raise _illegal(si - 1)
        si += 1
    si = _skip_newlines(src, si)
    if si < len(src):
        raise _illegal(si)  # trailing garbage after the padding
    return si


def _skip_newlines(src: bytes, si: int) -> int:
    """Return the first offset at or after ``si`` that is not CR or LF."""
    while si < len(src) and src[si] in _NEWLINES:
        si += 1
    return si


def _symbols_to_bytes(symbols: list[int]) -> bytes:
    """Turn 2-4 six-bit symbols into 1-3 bytes (non-zero trailing bits are accepted, as in Go)."""
    padded = symbols + [0] * (4 - len(symbols))
    value = (padded[0] << 18) | (padded[1] << 12) | (padded[2] << 6) | padded[3]
    return value.to_bytes(3, "big")[: len(symbols) - 1]


def _illegal(offset: int) -> AttachmentError:
    """Build Go's ``CorruptInputError`` message."""
    return AttachmentError(f"illegal base64 data at input byte {offset}")


# --------------------------------------------------------------------------------------
# Data URI parsing
# --------------------------------------------------------------------------------------


def decode_base64_attachment(value: str) -> DecodedAttachment:
    """Parse one ``base64_attachments`` item and decode its data.

    A string containing ``data:`` and ``base64,`` is a data URI: the data is
    everything after the *last* ``base64,`` and the part before it (minus one
    separator) holds ``;``-separated ``data:<mime>`` and ``filename=<name>`` items.
    Anything else is plain base64. The file name is percent-decoded here and
    must still go through :func:`safe_filename` before touching the disk.
    """
    payload, mime_type, filename = _split_data_uri(value)
    if payload == "":
        raise AttachmentError("The base64 data does not exist.")
    return DecodedAttachment(data=decode_std_base64(payload), filename=filename, mime_type=mime_type)


def _split_data_uri(value: str) -> tuple[str, str | None, str | None]:
    """Return ``(base64 payload, mime type, file name)`` for a raw string or data URI."""
    marker = value.rfind("base64,")
    if "data:" not in value or marker == -1:
        return value, None, None
    mime_type: str | None = None
    filename: str | None = None
    # Upstream drops exactly one character (normally ";") before "base64,".
    for item in value[: max(marker - 1, 0)].split(";"):
        if item.startswith("data:"):
            mime_type = item[len("data:"):] or None
        elif item.startswith("filename="):
            # Percent-decoding only: a literal "+" is a legal file-name character.
            filename = unquote(item[len("filename="):]) or None
    return value[marker + len("base64,"):], mime_type, filename


# --------------------------------------------------------------------------------------
# Content sniffing
# --------------------------------------------------------------------------------------


def _sniff(data: bytes) -> tuple[str, str] | None:
    """Return ``(extension, mime type)`` recognised from magic bytes, or ``None``."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png", "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg", "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return ".gif", "image/gif"
    if data.startswith(b"%PDF-"):
        return ".pdf", "application/pdf"
    if data.startswith(b"PK\x03\x04") or data.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        return ".zip", "application/zip"
    return _sniff_riff(data) or _sniff_iso_media(data) or _sniff_ogg(data) or _sniff_mp3(data)


def _sniff_riff(data: bytes) -> tuple[str, str] | None:
    """Recognise the RIFF containers WebP and WAVE."""
    if not data.startswith(b"RIFF") or len(data) < 12:
        return None
    return {b"WEBP": (".webp", "image/webp"), b"WAVE": (".wav", "audio/wav")}.get(data[8:12])


def _sniff_iso_media(data: bytes) -> tuple[str, str] | None:
    """Recognise ISO base media files (``ftyp`` box) by their major brand."""
    if len(data) < 12 or data[4:8] != b"ftyp":
        return None
    brand = data[8:12]
    if brand == b"M4A ":
        return ".m4a", "audio/mp4"
    if brand == b"qt  ":
        return ".mov", "video/quicktime"
    if brand in (b"heic", b"heix", b"mif1"):
        return ".heic", "image/heic"
    return ".mp4", "video/mp4"


def _sniff_ogg(data: bytes) -> tuple[str, str] | None:
    """Recognise Ogg; Opus and Vorbis streams (voice notes) are audio."""
    if not data.startswith(b"OggS"):
        return None
    codec_header = data[28:36]
    if codec_header.startswith((b"OpusHead", b"\x01vorbis", b"\x7fFLAC", b"Speex")):
        return ".ogg", "audio/ogg"
    return ".ogg", "application/ogg"


def _sniff_mp3(data: bytes) -> tuple[str, str] | None:
    """Recognise MP3 by an ID3 tag or an MPEG audio layer III frame header."""
    if data.startswith(b"ID3"):
        return ".mp3", "audio/mpeg"
    # Frame sync (11 set bits) with layer bits 01 = layer III; excludes AAC ADTS (layer 00).
    if len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0 and (data[1] >> 1) & 0x3 == 1:
        return ".mp3", "audio/mpeg"
    return None


def sniff_extension(data: bytes) -> str:
    """Return the file extension (with dot) for recognised content, else ``""``."""
    found = _sniff(data)
    return found[0] if found else ""


def sniff_mime_type(data: bytes) -> str:
    """Return the MIME type for recognised content, else ``application/octet-stream``."""
    found = _sniff(data)
    return found[1] if found else _DEFAULT_MIME


# Bytes that make content binary in the original's sniffer (Go's http.DetectContentType), which
# looks at the first 512 bytes only.
_BINARY_BYTES = frozenset([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_TEXT_MIME = "text/plain; charset=utf-8"


def served_content_type(data: bytes) -> str:
    """The Content-Type a served file gets: a recognised type, text for text (as the original), else binary."""
    found = _sniff(data)
    if found:
        return found[1]
    return _DEFAULT_MIME if any(b in _BINARY_BYTES for b in data[:512]) else _TEXT_MIME


# --------------------------------------------------------------------------------------
# Safe storage
# --------------------------------------------------------------------------------------


def safe_filename(name: str | None, data: bytes) -> str:
    """Reduce a client-supplied name to a harmless base name.

    Directory parts (``/`` and ``\\``), ``.``/``..``, control characters, NUL and
    leading dots are removed and the result is limited to ~200 UTF-8 bytes.
    When nothing usable is left, ``<uuid4 hex><sniffed extension>`` is returned.
    """
    cleaned = _clean_name(name or "")
    if not cleaned:
        return uuid.uuid4().hex + sniff_extension(data)
    return _truncate_name(cleaned)


def _clean_name(name: str) -> str:
    """Keep the last path component without control characters or leading dots/spaces."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cs"))
    # Leading dots make hidden files and cover "." and ".."; spaces would be confusing.
    return base.lstrip(". ").rstrip(" ")


def _truncate_name(name: str) -> str:
    """Shorten ``name`` to at most ``_MAX_NAME_BYTES`` UTF-8 bytes, keeping a short extension."""
    if len(name.encode("utf-8")) <= _MAX_NAME_BYTES:
        return name
    stem, dot, ext = name.rpartition(".")
    suffix = dot + ext
    if not stem or len(suffix.encode("utf-8")) > _MAX_EXT_BYTES:
        stem, suffix = name, ""
    budget = _MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    # errors="ignore" drops a multi-byte character that the byte cut split in half.
    return stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore") + suffix


class AttachmentDir:
    """A private, self-cleaning directory for the attachment files of one request.

    The first :meth:`write` (or :attr:`path`) inside the context creates a unique ``0700``
    directory under ``base_dir`` (which is created with ``0700`` if missing and is never
    removed); a request without files creates nothing. :meth:`write` puts each attachment in its
    own sub-directory, so equal names never collide. On exit, successful or not, everything
    created inside is removed.
    """

    def __init__(self, base_dir: str | os.PathLike[str]) -> None:
        """Remember where to create the private directory; nothing is created yet."""
        self._base_dir = Path(base_dir)
        self._active = False
        self._path: Path | None = None

    @property
    def path(self) -> Path:
        """The private directory, created on first use (only while the context is active)."""
        if not self._active:
            raise RuntimeError("AttachmentDir is not active; use it as a context manager")
        if self._path is None:
            if not self._base_dir.exists():
                os.makedirs(self._base_dir, mode=0o700, exist_ok=True)
            # mkdtemp creates the directory with mode 0700 regardless of the umask.
            self._path = Path(tempfile.mkdtemp(prefix="signal-api-", dir=self._base_dir)).resolve()
        return self._path

    def __enter__(self) -> AttachmentDir:
        """Start the context (most sends have no files: creating the directory waits for the first)."""
        self._active = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Remove the private directory and everything in it, if one was created."""
        self._active = False
        if self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)
            self._path = None

    def write(self, att: DecodedAttachment) -> str:
        """Write one attachment and return the absolute path of the new file."""
        root = self.path
        subdir = Path(tempfile.mkdtemp(dir=root))
        target = subdir / safe_filename(att.filename, att.data)
        if not target.resolve().is_relative_to(root):
            raise AttachmentError("Couldn't store attachment: invalid file name")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(target, flags, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(att.data)
        return str(target)
