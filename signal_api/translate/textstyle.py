"""Markdown-like styled text for ``text_mode: "styled"`` (anchor spec §7.2).

The message is scanned once, left to right. Markers are removed from the text
and turned into signal-cli text styles ``start:length:STYLE``, with positions in
UTF-16 code units of the resulting text:

* ``***`` BOLD + ITALIC, ``**`` BOLD, ``*`` ITALIC, ``~`` STRIKETHROUGH,
  `````` ` `````` MONOSPACE, ``||`` SPOILER (a single ``|`` is literal);
* one stack: a marker closes a range only if it equals the top of the stack,
  otherwise it opens a new one; ranges are emitted in closing order;
* markers that never close are dropped from the text silently;
* a backslash before ``*``, `````` ` ``````, ``|`` or ``~`` is dropped and makes
  the whole following marker group literal; any other backslash is kept.
"""
from __future__ import annotations

from dataclasses import dataclass

# Longest first, so "***" wins over "**" and "**" over "*".
_MARKERS = ("***", "**", "||", "*", "~", "`")
_STYLES = {
    "***": ("BOLD", "ITALIC"),
    "**": ("BOLD",),
    "*": ("ITALIC",),
    "~": ("STRIKETHROUGH",),
    "`": ("MONOSPACE",),
    "||": ("SPOILER",),
}
_ESCAPE = "\\"
_ESCAPABLE = frozenset("*`|~")


@dataclass(frozen=True)
class StyledText:
    """The plain text to send and its ``start:length:STYLE`` entries."""

    text: str
    styles: list[str]


def utf16_len(s: str) -> int:
    """Length of ``s`` in UTF-16 code units (astral characters count 2)."""
    return len(s.encode("utf-16-le", errors="surrogatepass")) // 2


def _marker_at(source: str, index: int) -> str | None:
    """Return the marker starting at ``index`` (longest match), or ``None``."""
    for marker in _MARKERS:
        if source.startswith(marker, index):
            return marker
    return None


class _Scanner:
    """State of one left-to-right pass: output so far, open markers and emitted styles."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.position = 0  # UTF-16 length of the output so far
        self.stack: list[tuple[str, int]] = []
        self.styles: list[str] = []

    def emit(self, text: str) -> None:
        """Append literal text to the output."""
        self.parts.append(text)
        self.position += utf16_len(text)

    def marker(self, marker: str) -> None:
        """Close the range on top of the stack if it has this marker, else open one."""
        if self.stack and self.stack[-1][0] == marker:
            _, start = self.stack.pop()
            for style in _STYLES[marker]:
                self.styles.append(f"{start}:{self.position - start}:{style}")
        else:
            self.stack.append((marker, self.position))


def parse_styled_text(source: str) -> StyledText:
    """Strip the style markers from ``source`` and compute signal-cli text styles."""
    scanner = _Scanner()
    index = 0
    while index < len(source):
        char = source[index]
        if char == _ESCAPE and source[index + 1 : index + 2] in _ESCAPABLE:
            # A single "|" is no marker, so the escaped group is just that character.
            literal = _marker_at(source, index + 1) or source[index + 1]
            scanner.emit(literal)
            index += 1 + len(literal)
            continue
        marker = _marker_at(source, index)
        if marker is None:
            scanner.emit(char)
            index += 1
        else:
            scanner.marker(marker)
            index += len(marker)
    # Ranges still open are unmatched markers; they were already left out of the text.
    return StyledText(text="".join(scanner.parts), styles=scanner.styles)
