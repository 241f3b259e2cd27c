"""Data text as inert GitHub-flavoured Markdown, for reports posted as issue bodies (``lcdkb stale --format
markdown``): every character that can start Markdown structure becomes a numeric character reference, so a
value can neither open a table cell, a link or autolink, an image, HTML, a code span or maths, nor @-mention a
person or team; control and invisible characters are shown as escapes. Hyphens, dots, commas and slashes stay
readable: inside a line they start nothing."""

from __future__ import annotations

from lcdkb.terminal import safe

_STRUCTURE = {ord(c): f"&#{ord(c)};" for c in "\\`*_[]()<>|!#~@&{}:$^"}


def inline(value: object) -> str:
    """One line of inert Markdown text."""
    return safe(value).translate(_STRUCTURE)
