"""The QR code PNG of ``GET /v1/qrcodelink``, drawn like the original's go-qrcode.

The symbol has a forced version and error-correction level H; the image is ``size`` pixels
square with a 4-module quiet zone, whole pixels per module, centred (as go-qrcode does, so
a 256 px version-10 code has 3 px modules and a 30 px margin). ``segno`` encodes the symbol;
the PNG (1-bit greyscale) is written here because segno only scales by whole modules.
"""
from __future__ import annotations

import struct
import zlib

import segno

QUIET_ZONE = 4
MIN_VERSION, MAX_VERSION = 1, 40


class QrCodeError(ValueError):
    """The content cannot be drawn at that version; ``str(exc)`` says why (go-qrcode's texts)."""


def check_version(version: int) -> None:
    """Refuse a version outside 1–40 before any work is started for it."""
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise QrCodeError(f"Invalid version {version} (expected 1-40 inclusive)")


def qr_png(content: str, version: int, size: int = 256) -> bytes:
    """``content`` as a QR code PNG of ``size``×``size`` pixels (larger if the symbol needs it)."""
    check_version(version)
    if not content:
        raise QrCodeError("no data to encode")
    try:
        symbol = segno.make_qr(content, version=version, error="h", boost_error=False)
    except segno.DataOverflowError:
        raise QrCodeError(f"Cannot encode QR code: content too large for fixed size QR Code version {version}") \
            from None
    return _png(symbol.matrix, size)


def _png(matrix: tuple[bytearray, ...], size: int) -> bytes:
    modules = len(matrix) + 2 * QUIET_ZONE
    size = max(size, modules)
    scale = size // modules
    offset = (size - modules * scale) // 2 + QUIET_ZONE * scale
    white_row = bytes([0]) + _pack([1] * size)
    rows = []
    for y in range(size):
        module_y = (y - offset) // scale if y >= offset else -1
        if not 0 <= module_y < len(matrix):
            rows.append(white_row)
            continue
        line = matrix[module_y]
        pixels = [1] * size
        for module_x, dark in enumerate(line):
            if dark:
                start = offset + module_x * scale
                pixels[start:start + scale] = [0] * scale
        rows.append(bytes([0]) + _pack(pixels))
    header = struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0)  # 1-bit greyscale, no interlace
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + _chunk(b"IEND", b""))


def _pack(bits: list[int]) -> bytes:
    out = bytearray()
    for start in range(0, len(bits), 8):
        byte = 0
        for bit in bits[start:start + 8]:
            byte = (byte << 1) | bit
        out.append(byte << (8 - len(bits[start:start + 8])))
    return bytes(out)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
