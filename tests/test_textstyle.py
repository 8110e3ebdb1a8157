"""Tests for the styled-text parser (anchor spec §7.2)."""
from __future__ import annotations

import pytest

from signal_api.translate.textstyle import StyledText, parse_styled_text, utf16_len


@pytest.mark.parametrize(
    ("source", "text", "styles"),
    [
        # Every example quoted in §7.2.
        ("||**x**||", "x", ["0:1:BOLD", "0:1:SPOILER"]),
        ("a*b", "ab", []),
        ("2*3*4", "234", ["1:1:ITALIC"]),
        ("~~x~~", "x", ["0:0:STRIKETHROUGH", "1:0:STRIKETHROUGH"]),
        ("\\*x\\*", "*x*", []),
        ("Test \\** \\* \\~ Escape", "Test ** * ~ Escape", []),
        # Each marker on its own.
        ("*italic*", "italic", ["0:6:ITALIC"]),
        ("**bold**", "bold", ["0:4:BOLD"]),
        ("***both***", "both", ["0:4:BOLD", "0:4:ITALIC"]),
        ("~gone~", "gone", ["0:4:STRIKETHROUGH"]),
        ("`code`", "code", ["0:4:MONOSPACE"]),
        ("||secret||", "secret", ["0:6:SPOILER"]),
        ("This is a **bold** and *italic* message", "This is a bold and italic message",
         ["10:4:BOLD", "19:6:ITALIC"]),
        ("This is a ~strikethrough~ and a **bold** message", "This is a strikethrough and a bold message",
         ["10:13:STRIKETHROUGH", "30:4:BOLD"]),
        ("||this is a spoiler|| and another ||spoiler||", "this is a spoiler and another spoiler",
         ["0:17:SPOILER", "30:7:SPOILER"]),
    ],
)
def test_examples(source: str, text: str, styles: list[str]) -> None:
    assert parse_styled_text(source) == StyledText(text=text, styles=styles)


def test_nested_ranges_are_emitted_in_closing_order() -> None:
    result = parse_styled_text("*a **b** c*")
    assert result == StyledText("a b c", ["2:1:BOLD", "0:5:ITALIC"])


def test_triple_star_is_greedy_before_double() -> None:
    # "***" opens BOLD+ITALIC; the later "**" and "*" cannot close it, so all are dropped.
    assert parse_styled_text("***a** b*") == StyledText("a b", [])


def test_crossed_markers_never_close() -> None:
    assert parse_styled_text("*a ~b* c~") == StyledText("a b c", [])


def test_unmatched_markers_are_removed() -> None:
    assert parse_styled_text("**open only") == StyledText("open only", [])
    assert parse_styled_text("`a") == StyledText("a", [])


def test_single_pipe_is_literal() -> None:
    assert parse_styled_text("a | b") == StyledText("a | b", [])
    assert parse_styled_text("|||x|||") == StyledText("|x|", ["0:2:SPOILER"])


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("\\**escaped\\**", "**escaped**"),
        ("\\***x\\***", "***x***"),
        ("\\`code\\`", "`code`"),
        ("\\~strike\\~", "~strike~"),
        ("\\||spoiler\\||", "||spoiler||"),
        ("\\|pipe", "|pipe"),
    ],
)
def test_escaped_marker_groups_are_literal(source: str, text: str) -> None:
    assert parse_styled_text(source) == StyledText(text, [])


def test_escape_only_covers_the_following_group() -> None:
    assert parse_styled_text("\\** *x*") == StyledText("** x", ["3:1:ITALIC"])


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("a\\b", "a\\b"),
        ("C:\\temp", "C:\\temp"),
        ("trailing\\", "trailing\\"),
        ("\\\\*x*", "\\*x"),
    ],
)
def test_other_backslashes_are_kept(source: str, text: str) -> None:
    assert parse_styled_text(source).text == text


def test_double_backslash_escapes_with_the_second_one() -> None:
    # The first backslash is kept (not before a marker), the second escapes the "*".
    assert parse_styled_text("\\\\*x") == StyledText("\\*x", [])


@pytest.mark.parametrize(
    ("source", "text", "styles"),
    [
        ("👋**abcdefg**", "👋abcdefg", ["2:7:BOLD"]),
        ("👋🏾**abcdefg**", "👋🏾abcdefg", ["4:7:BOLD"]),
        ("Test 👦🏿 via **signal** API", "Test 👦🏿 via signal API", ["14:6:BOLD"]),
        ("*𝄞*x", "𝄞x", ["0:2:ITALIC"]),
        ("é **ü**", "é ü", ["2:1:BOLD"]),
        ("👋abcdefg", "👋abcdefg", []),
    ],
)
def test_offsets_are_utf16_code_units(source: str, text: str, styles: list[str]) -> None:
    assert parse_styled_text(source) == StyledText(text, styles)


def test_utf16_len() -> None:
    assert utf16_len("") == 0
    assert utf16_len("abc") == 3
    assert utf16_len("é") == 1
    assert utf16_len("👋") == 2
    assert utf16_len("👋🏾") == 4


def test_plain_text_is_unchanged() -> None:
    assert parse_styled_text("") == StyledText("", [])
    assert parse_styled_text("no markers here.") == StyledText("no markers here.", [])
