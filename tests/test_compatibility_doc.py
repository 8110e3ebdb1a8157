"""docs/compatibility.md is the rendering of the differential suite's allow-list and the README's fixes,
and every test it names exists (the original's binary is not needed for this)."""
from __future__ import annotations

import re
from pathlib import Path

from tests.differential.allowlist import load
from tests.differential.render import load_fixes, render

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "compatibility.md"


def test_the_compatibility_doc_is_rendered_from_the_lists() -> None:
    assert DOC.read_text() == render(load(), load_fixes()), (
        "docs/compatibility.md is out of date: run `python -m tests.differential.render --write docs/compatibility.md`")


def test_every_test_named_by_the_lists_exists() -> None:
    named = [e.test for e in load()] + [f["test"] for f in load_fixes()]
    for test in named:
        file, _, function = test.partition("::")
        path = ROOT / file
        assert path.is_file(), f"{test}: no such file"
        if function:
            assert re.search(rf"^(async )?def {re.escape(function)}\(", path.read_text(), re.M), \
                f"{test}: no such test function"


def test_the_readme_links_the_doc() -> None:
    compatibility = (ROOT / "README.md").read_text().split("## Compatibility", 1)[1].split("\n## ", 1)[0]
    assert "docs/compatibility.md" in compatibility
