"""The allow-list (``allowed.toml``): every difference from the original that is meant to be there.

Each ``[[difference]]`` entry names the cases it covers (``cases``, shell patterns over case ids),
optionally the ``modes`` (default: both), the aspects that differ (``differs``, patterns over the
aspect names of :func:`tests.differential.compare.differences`), ``what`` differs, the ``reason``,
its ``kind`` and the ``test`` in ``tests/`` that shows the behaviour.

:func:`check` fails on a difference no entry covers and on an entry (or one of its patterns) that
covers none, so the list stays true.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

ALLOWED = Path(__file__).resolve().parent / "allowed.toml"
MODES = ("normal", "json-rpc")
KINDS = ("fix of a bug in the original", "feature the original lacks", "open: not yet fixed")


@dataclass(frozen=True)
class Entry:
    """One allowed difference."""

    cases: tuple[str, ...]
    differs: tuple[str, ...]
    what: str
    reason: str
    kind: str
    test: str
    modes: tuple[str, ...] = MODES

    def covers(self, mode: str, case: str, aspect: str) -> bool:
        return (mode in self.modes and any(fnmatchcase(case, p) for p in self.cases)
                and any(fnmatchcase(aspect, p) for p in self.differs))


def load(path: Path = ALLOWED) -> list[Entry]:
    """The entries of ``path``, checked for their fields and kinds."""
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    entries = []
    for number, item in enumerate(raw.get("difference", []), 1):
        missing = {"cases", "differs", "what", "reason", "kind", "test"} - item.keys()
        assert not missing, f"allowed.toml entry {number} lacks {sorted(missing)}"
        assert item["kind"] in KINDS, f"allowed.toml entry {number}: kind {item['kind']!r} is not one of {KINDS}"
        modes = tuple(item.get("modes", MODES))
        assert set(modes) <= set(MODES), f"allowed.toml entry {number}: unknown modes {modes}"
        entries.append(Entry(cases=tuple(item["cases"]), differs=tuple(item["differs"]), what=item["what"],
                             reason=item["reason"], kind=item["kind"], test=item["test"], modes=modes))
    return entries


def check(mode: str, found: dict[str, dict[str, str]], entries: list[Entry]) -> list[str]:
    """Problems with ``found`` (case id -> aspect -> detail) in ``mode``: uncovered differences, stale entries."""
    problems = []
    used: set[tuple[int, str, str]] = set()  # (entry, case pattern, aspect pattern) that matched
    for case, aspects in found.items():
        uncovered = {}
        for aspect, detail in aspects.items():
            covering = [i for i, e in enumerate(entries) if e.covers(mode, case, aspect)]
            if not covering:
                uncovered[aspect] = detail
            for i in covering:
                e = entries[i]
                used |= {(i, cp, ap) for cp in e.cases if fnmatchcase(case, cp)
                         for ap in e.differs if fnmatchcase(aspect, ap)}
        if uncovered:
            lines = "\n".join(f"    {aspect}: {detail}" for aspect, detail in sorted(uncovered.items()))
            problems.append(f"[{mode}] {case} differs from the original and no allow-list entry covers it:\n{lines}")
    for i, e in enumerate(entries):
        if mode not in e.modes:
            continue
        for cp in e.cases:
            if not any(u[0] == i and u[1] == cp for u in used):
                problems.append(f"[{mode}] allow-list entry {e.what!r}: case pattern {cp!r} matches no difference"
                                " any more (remove it, or restrict the entry's modes)")
        for ap in e.differs:
            if not any(u[0] == i and u[2] == ap for u in used):
                problems.append(f"[{mode}] allow-list entry {e.what!r}: aspect {ap!r} differs in none of its cases")
    return problems
