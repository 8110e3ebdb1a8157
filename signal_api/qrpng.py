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
from segno.consts import ECC, ERROR_LEVEL_H

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
    encoded_bits = go_encoded_bits(content.encode("utf-8"), version)
    capacity_bits = 8 * sum(block.num_blocks * block.num_data for block in ECC[version][ERROR_LEVEL_H])
    too_large = (f"Cannot encode QR code: content too large for fixed size QR Code version {version} "
                 f"(encoded length is {encoded_bits} bits, maximum length is {capacity_bits} bits)")
    if encoded_bits > capacity_bits:
        raise QrCodeError(too_large)
    try:
        symbol = segno.make_qr(content, version=version, error="h", boost_error=False)
    except segno.DataOverflowError:
        # segno packs no tighter than one segment; go-qrcode's mixed segments may fit where it does not.
        raise QrCodeError(too_large) from None
    return _png(symbol.matrix, size)


# go-qrcode's segment modes, in the order it coalesces them (a segment absorbs lower modes only).
_NUMERIC, _ALPHANUMERIC, _BYTE = 1, 2, 3
_ALPHANUMERIC_EXTRA = frozenset(b" $%*+-./:")


def go_encoded_bits(data: bytes, version: int) -> int:
    """The data bit length go-qrcode computes for ``data`` at ``version`` (its error message quotes it).

    go-qrcode splits the data into runs of digits, alphanumerics and other bytes, merges a run
    with the following lower-mode runs while that is shorter, and keeps a single segment of the
    highest mode when that is no longer; the length counts mode and count indicators, not the
    terminator. A run longer than its count indicator can say is refused as go-qrcode refuses it.
    """
    count_bits = {_NUMERIC: 10, _ALPHANUMERIC: 9, _BYTE: 8} if version <= 9 else \
        {_NUMERIC: 12, _ALPHANUMERIC: 11, _BYTE: 16} if version <= 26 else {_NUMERIC: 14, _ALPHANUMERIC: 13, _BYTE: 16}

    def length(mode: int, count: int) -> int:
        if count > (1 << count_bits[mode]) - 1:
            raise QrCodeError("length too long to be represented")
        bits = 4 + count_bits[mode]
        if mode == _NUMERIC:
            return bits + 10 * (count // 3) + (1 + 3 * (count % 3) if count % 3 else 0)
        if mode == _ALPHANUMERIC:
            return bits + 11 * (count // 2) + 6 * (count % 2)
        return bits + 8 * count

    runs: list[list[int]] = []  # [mode, count]
    for byte in data:
        mode = _NUMERIC if 0x30 <= byte <= 0x39 else \
            _ALPHANUMERIC if byte in _ALPHANUMERIC_EXTRA or 0x41 <= byte <= 0x5A else _BYTE
        if runs and runs[-1][0] == mode:
            runs[-1][1] += 1
        else:
            runs.append([mode, 1])
    highest = max(mode for mode, _ in runs)
    merged = 0
    index = 0
    while index < len(runs):
        mode, count = runs[index]
        index += 1
        while index < len(runs) and runs[index][0] <= mode:
            next_mode, next_count = runs[index]
            if length(mode, count + next_count) >= length(mode, count) + length(next_mode, next_count):
                break
            count += next_count
            index += 1
        merged += length(mode, count)
    return min(merged, length(highest, len(data)))


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
