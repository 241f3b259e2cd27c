"""Data text as inert GitHub-flavoured Markdown, for reports posted as issue bodies (``lcdkb stale --format
markdown``): every character that can start Markdown structure becomes a numeric character reference, so a
value can neither open a table cell, a link or autolink, an image, HTML, a code span or maths, nor @-mention a
person or team; control and invisible characters are shown as escapes. Hyphens, dots, commas and slashes stay
readable: inside a line they start nothing."""

from __future__ import annotations

from collections.abc import Callable

from lcdkb.terminal import safe

_STRUCTURE = {ord(c): f"&#{ord(c)};" for c in "\\`*_[]()<>|!#~@&{}:$^"}


def inline(value: object) -> str:
    """One line of inert Markdown text."""
    return safe(value).translate(_STRUCTURE)


def capped_table(head: list[str], rows: list[str], max_chars: int | None, footer: Callable[[int], str]) -> str:
    """``head`` lines then table ``rows``, in at most ``max_chars`` characters (an issue body: GitHub refuses
    more than 65,536). Whole rows only, in order, as many as fit together with ``footer(rows shown)``, the closing
    line that says what was left out and where the full list is. Without a cap, or when all fits: everything."""
    whole = "\n".join(head + rows) + "\n"
    if max_chars is None or len(whole) <= max_chars:
        return whole
    budget = max_chars - len("\n".join(head)) - 1
    shown: list[str] = []
    for row in rows:
        if len(row) + 1 + len(footer(len(shown) + 1)) > budget:
            break
        shown.append(row)
        budget -= len(row) + 1
    return "\n".join(head + shown) + footer(len(shown))
