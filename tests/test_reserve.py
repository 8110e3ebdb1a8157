"""The reserve sets kept messages aside in space allocated in advance, and gives them back at the next start."""
from __future__ import annotations

import os

from signal_api.receive.reserve import KeptReserve


def message(i: int) -> dict:
    return {"envelope": {"timestamp": i, "dataMessage": {"message": f"m{i} \ud800"}}, "account": "+491"}


def test_space_is_allocated_at_open_and_what_was_set_aside_comes_back(tmp_path):
    path = tmp_path / "kept.reserve"
    reserve = KeptReserve(path, size=64 * 1024)
    assert reserve.open() == []
    assert os.stat(path).st_blocks * 512 >= 64 * 1024, "the blocks are taken at start"
    assert reserve.append([message(1), message(2)])
    assert reserve.append([message(3)])
    reserve.close()

    again = KeptReserve(path, size=64 * 1024)
    assert again.open() == [message(1), message(2), message(3)]
    # Still covered until emptied: a crash now must not lose them either.
    assert again.append([message(4)])
    again.close()
    third = KeptReserve(path, size=64 * 1024)
    assert third.open() == [message(1), message(2), message(3), message(4)]
    third.clear()
    third.close()
    assert KeptReserve(path, size=64 * 1024).open() == []


def test_a_torn_tail_is_ignored_and_a_full_reserve_says_so(tmp_path):
    path = tmp_path / "kept.reserve"
    reserve = KeptReserve(path, size=300)
    reserve.open()
    assert reserve.append([message(1)])
    assert not reserve.append([message(i) for i in range(2, 10)])
    assert reserve.incomplete
    reserve.close()
    # Bytes written after the last header update (a crash between data and header) are not covered.
    used = int.from_bytes(path.read_bytes()[8:16], "little")
    with open(path, "r+b") as f:
        f.seek(16 + used)
        f.write(b'{"envelope": {"timest')
    assert KeptReserve(path, size=300).open() == [message(1)]


def test_replace_keeps_exactly_what_is_kept_now(tmp_path):
    reserve = KeptReserve(tmp_path / "r", size=64 * 1024)
    reserve.open()
    reserve.append([message(1), message(2)])
    reserve.replace([message(2), message(3)])
    reserve.close()
    assert KeptReserve(tmp_path / "r", size=64 * 1024).open() == [message(2), message(3)]


def test_no_space_at_start_is_not_fatal(tmp_path):
    reserve = KeptReserve(tmp_path / "missing-dir" / "r", size=1024)
    assert reserve.open() == []
    assert not reserve.available
    assert not reserve.append([message(1)])
