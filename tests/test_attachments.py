"""Tests for base64 attachments: parsing, Go-compatible decoding, sniffing and safe storage."""
from __future__ import annotations

import base64
import os
import random
import stat
from pathlib import Path

import pytest

from signal_api.translate.attachments import (
    AttachmentDir,
    AttachmentError,
    DecodedAttachment,
    decode_base64_attachment,
    decode_std_base64,
    safe_filename,
    sniff_extension,
    sniff_mime_type,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
PNG_B64 = base64.b64encode(PNG).decode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# ---- parsing the three forms -----------------------------------------------------------


def test_raw_base64() -> None:
    assert decode_base64_attachment(PNG_B64) == DecodedAttachment(PNG, None, None)


def test_data_uri_with_mime() -> None:
    result = decode_base64_attachment(f"data:image/png;base64,{PNG_B64}")
    assert result == DecodedAttachment(PNG, None, "image/png")


def test_data_uri_with_mime_and_filename() -> None:
    result = decode_base64_attachment(f"data:image/png;filename=cat.png;base64,{PNG_B64}")
    assert result == DecodedAttachment(PNG, "cat.png", "image/png")


def test_filename_is_percent_decoded() -> None:
    result = decode_base64_attachment(f"data:text/plain;filename=my%20file%2B1.txt;base64,{b64(b'hi')}")
    assert result.filename == "my file+1.txt"
    plus = decode_base64_attachment(f"data:text/plain;filename=a+b.txt;base64,{b64(b'hi')}")
    assert plus.filename == "a+b.txt"


def test_last_base64_marker_is_used() -> None:
    value = f"data:text/plain;filename=base64,x;base64,{b64(b'payload')}"
    result = decode_base64_attachment(value)
    assert result.data == b"payload"
    assert result.filename == "base64,x"


def test_base64_marker_without_data_prefix_is_plain_base64() -> None:
    with pytest.raises(AttachmentError) as info:
        decode_base64_attachment("text/plain;base64,aGk=")
    assert str(info.value) == "illegal base64 data at input byte 10"  # the ";"


def test_empty_mime_and_filename_are_none() -> None:
    result = decode_base64_attachment(f"data:;filename=;base64,{b64(b'x')}")
    assert result == DecodedAttachment(b"x", None, None)


def test_line_breaks_are_tolerated() -> None:
    wrapped = base64.encodebytes(PNG * 5).decode()
    assert "\n" in wrapped
    assert decode_base64_attachment(wrapped).data == PNG * 5
    assert decode_base64_attachment("aGVs\r\nbG8=\r\n").data == b"hello"
    assert decode_std_base64("YQ=\n=") == b"a"


# ---- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "data:image/png;base64,", "data:image/png;filename=a.png;base64,"])
def test_empty_data(value: str) -> None:
    with pytest.raises(AttachmentError) as info:
        decode_base64_attachment(value)
    assert str(info.value) == "The base64 data does not exist."


@pytest.mark.parametrize(
    ("value", "offset"),
    [
        ("hello world", 5),  # the space
        ("!!!!", 0),
        ("YQ", 0),  # missing padding: reported at the start of the short group
        ("dGVzdA", 4),
        ("YWJj*GVm", 4),
        ("YQ=", 3),  # "==" expected, input ends
        ("YQ=x", 2),  # second "=" missing: Go reports the byte before it
        ("Y===", 1),  # padding after a single symbol
        ("====", 0),
        ("YWI=YWI=", 4),  # data after the padding
        ("YWI=\n\nYQ==", 6),  # newlines are skipped before the trailing-garbage check
        ("aGVs\nbG8", 5),  # short group counted from the newline-shifted offset (as Go)
        ("aGk=é", 4),
        ("é", 0),
        ("aGVsbG8gd29ybGQ-", 15),  # URL-safe alphabet is not standard base64
    ],
)
def test_illegal_base64_offsets(value: str, offset: int) -> None:
    with pytest.raises(AttachmentError) as info:
        decode_base64_attachment(value)
    assert str(info.value) == f"illegal base64 data at input byte {offset}"


def test_offset_counts_the_data_uri_payload_only() -> None:
    with pytest.raises(AttachmentError) as info:
        decode_base64_attachment("data:image/png;base64,aGVsbG8*")
    assert str(info.value) == "illegal base64 data at input byte 7"


def test_non_zero_trailing_bits_are_accepted_like_go() -> None:
    assert decode_std_base64("YR==") == b"a"


def test_fast_and_slow_decoders_agree() -> None:
    from signal_api.translate import attachments

    rng = random.Random(1234)
    for _ in range(5000):
        text = "".join(rng.choice("AQgw+/=\n\r*") for _ in range(rng.randint(0, 12)))
        try:
            expected: bytes | str = attachments._decode_like_go(text.encode())
        except AttachmentError as exc:
            expected = str(exc)
        try:
            actual: bytes | str = decode_std_base64(text)
        except AttachmentError as exc:
            actual = str(exc)
        assert actual == expected, text


# ---- sniffing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "ext", "mime"),
    [
        (PNG, ".png", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", ".jpg", "image/jpeg"),
        (b"GIF89a\x01\x00", ".gif", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", ".webp", "image/webp"),
        (b"%PDF-1.7\n", ".pdf", "application/pdf"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", ".mp4", "video/mp4"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00", ".mp4", "video/mp4"),
        (b"OggS\x00\x02" + bytes(22) + b"OpusHead\x01", ".ogg", "audio/ogg"),
        (b"OggS\x00\x02" + bytes(22) + b"\x01vorbis", ".ogg", "audio/ogg"),
        (b"ID3\x04\x00", ".mp3", "audio/mpeg"),
        (b"\xff\xfb\x90\x00", ".mp3", "audio/mpeg"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", ".wav", "audio/wav"),
        (b"PK\x03\x04\x14\x00", ".zip", "application/zip"),
        (b"hello world", "", "application/octet-stream"),
        (b"", "", "application/octet-stream"),
        (b"\xff\xf1\x50\x80", "", "application/octet-stream"),  # AAC ADTS, not MP3
    ],
)
def test_sniffing(data: bytes, ext: str, mime: str) -> None:
    assert sniff_extension(data) == ext
    assert sniff_mime_type(data) == mime


# ---- safe file names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cat.png", "cat.png"),
        ("../../etc/x", "x"),
        ("/etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("a\\..\\b.txt", "b.txt"),
        ("evil\x00.txt", "evil.txt"),
        ("line\nbreak\r.txt", "linebreak.txt"),
        (".bashrc", "bashrc"),
        ("...hidden", "hidden"),
        ("Grüße 👋.txt", "Grüße 👋.txt"),
        ("a+b (1).txt", "a+b (1).txt"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name, b"") == expected


@pytest.mark.parametrize("name", [None, "", "..", ".", "../", "..\\", "/", "\x00", ". .", "dir/.."])
def test_safe_filename_falls_back_to_uuid(name: str | None) -> None:
    result = safe_filename(name, PNG)
    assert result.endswith(".png")
    assert len(result) == 32 + 4
    int(result[:32], 16)


def test_safe_filename_fallback_without_known_type() -> None:
    result = safe_filename(None, b"plain")
    assert len(result) == 32 and "." not in result


def test_safe_filename_limits_length_and_keeps_extension() -> None:
    result = safe_filename("ä" * 300 + ".jpeg", b"")
    assert len(result.encode("utf-8")) <= 200
    assert result.endswith(".jpeg")
    assert set(result[:-5]) == {"ä"}
    long_ext = safe_filename("x." + "y" * 300, b"")
    assert len(long_ext.encode("utf-8")) <= 200


# ---- the private attachment directory ------------------------------------------------


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


EVIL_NAMES = [
    "filename=../../etc/x",
    "filename=..%2F..%2Fx",
    "filename=/tmp/absolute",
    "filename=%2Ftmp%2Fabsolute2",
    "filename=\\..\\..\\win.ini",
    "filename=..\\..\\x",
    "filename=evil%00name",
    "filename=..",
    "filename=%2E%2E",
]


def test_evil_names_stay_inside_the_private_dir(tmp_path: Path) -> None:
    base = tmp_path / "outer" / "attachments"
    base.mkdir(parents=True)
    sentinel = tmp_path / "outer" / "keep.txt"
    sentinel.write_text("untouched")
    before = _tree(tmp_path)

    with AttachmentDir(base) as adir:
        private = adir.path
        paths = []
        for meta in EVIL_NAMES:
            att = decode_base64_attachment(f"data:text/plain;{meta};base64,{b64(meta.encode())}")
            path = Path(adir.write(att))
            paths.append(path)
            assert path.is_absolute()
            assert path.resolve().is_relative_to(private)
            assert path.parent.parent == private
            assert path.read_bytes() == meta.encode()
            assert "\x00" not in path.name and "/" not in path.name and "\\" not in path.name
        assert len(set(paths)) == len(paths)
        new_entries = {tmp_path / rel for rel in _tree(tmp_path) - before}
        assert all(p == private or p.is_relative_to(private) for p in new_entries)

    assert _tree(tmp_path) == before
    assert sentinel.read_text() == "untouched"
    assert not (tmp_path / "etc").exists()


def test_names_from_spec_bug_report(tmp_path: Path) -> None:
    base = tmp_path / "a" / "b"
    with AttachmentDir(base) as adir:
        name = "../../home/.local/share/signal-cli/data/accounts.json"
        path = Path(adir.write(DecodedAttachment(b"x", name, None)))
        assert path.name == "accounts.json"
        assert path.resolve().is_relative_to(adir.path)
    assert list(base.iterdir()) == []
    assert _tree(tmp_path) == {"a", "a/b"}


def test_equal_names_do_not_collide(tmp_path: Path) -> None:
    with AttachmentDir(tmp_path) as adir:
        first = adir.write(DecodedAttachment(b"one", "same.txt", None))
        second = adir.write(DecodedAttachment(b"two", "same.txt", None))
        assert first != second
        assert Path(first).read_bytes() == b"one"
        assert Path(second).read_bytes() == b"two"


def test_unnamed_attachment_gets_sniffed_extension(tmp_path: Path) -> None:
    with AttachmentDir(tmp_path) as adir:
        path = Path(adir.write(decode_base64_attachment(PNG_B64)))
        assert path.suffix == ".png"
        assert path.read_bytes() == PNG


def test_directories_are_private(tmp_path: Path) -> None:
    base = tmp_path / "created"
    with AttachmentDir(base) as adir:
        path = Path(adir.write(DecodedAttachment(b"x", "f.bin", None)))
        assert stat.S_IMODE(os.stat(base).st_mode) & 0o077 == 0
        assert stat.S_IMODE(os.stat(adir.path).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0
    assert base.is_dir()


def test_cleanup_after_exception(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        with AttachmentDir(tmp_path) as adir:
            adir.write(DecodedAttachment(b"x", "a.txt", None))
            assert _tree(tmp_path)
            raise RuntimeError("boom")
    assert _tree(tmp_path) == set()


def test_cleanup_after_decode_error(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError):
        with AttachmentDir(tmp_path) as adir:
            adir.write(decode_base64_attachment(PNG_B64))
            adir.write(decode_base64_attachment("not base64!"))
    assert _tree(tmp_path) == set()


def test_write_outside_context_is_an_error(tmp_path: Path) -> None:
    adir = AttachmentDir(tmp_path)
    with pytest.raises(RuntimeError):
        adir.write(DecodedAttachment(b"x", None, None))
    with adir:
        pass
    with pytest.raises(RuntimeError):
        adir.write(DecodedAttachment(b"x", None, None))
