"""Text from the data or from a user, made safe to print on a terminal or in a line-based report.

A value may hold escape sequences (ESC [ ... that recolour or clear the screen), carriage returns or newlines
that forge a report line, bidi overrides that reorder what a reader sees, or zero-width characters that hide
a difference. ``safe()`` shows each of those as a visible escape (``\\x1b``, ``\\r``, ``\\u202e``) and leaves
every other character as it is; ``quoted()`` also puts the value in double quotes, for values such as claim
IDs or reviewer names that a reader must see whole.
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls, DEL, bidi embeddings/overrides/isolates, zero-width and invisible format characters,
# line and paragraph separators, the byte order mark.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_CONTROL_NAMES = {
    "\x00": "NUL",
    "\t": "TAB",
    "\n": "LINE FEED",
    "\r": "CARRIAGE RETURN",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
}


def _escape(match: re.Match) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    point = ord(char)
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


def unsafe_characters(value: str) -> list[str]:
    """The characters of ``value`` that ``safe()`` would escape, as U+XXXX names (for error messages)."""
    found = dict.fromkeys(_UNSAFE.findall(value))
    return [f"U+{ord(c):04X} {_CONTROL_NAMES.get(c) or unicodedata.name(c, 'CONTROL')}" for c in found]


def safe(value: object) -> str:
    """``value`` as text with every control, bidi and invisible character shown as an escape."""
    return _UNSAFE.sub(_escape, str(value))


def quoted(value: object) -> str:
    """``safe(value)`` in double quotes, with a double quote or backslash inside escaped."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _UNSAFE.sub(_escape, text) + '"'


def safe_lines(text: str) -> str:
    """A multi-line report for the terminal: each line made ``safe``, the line breaks between them kept."""
    return "\n".join(safe(line) for line in text.split("\n"))
