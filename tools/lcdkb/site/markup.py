"""Safe Markdown pieces. Every text that comes from the data goes through ``text()``, so a ``<script>`` in a
note is shown as text and a ``|`` cannot break a table."""
from __future__ import annotations

import html
import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def text(value) -> str:
    """Data text as inert Markdown: HTML-escaped, Markdown punctuation escaped, on one line."""
    escaped = html.escape(str(value), quote=False)
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)
    return " ".join(escaped.split())


def link(label: str, target: str) -> str:
    """A link with an escaped label. ``target`` is our own relative path or a validated https URL."""
    return f"[{text(label)}]({target.replace(' ', '%20').replace(')', '%29')})"


def badge(kind: str, label: str | None = None) -> str:
    return f'<span class="lcdkb-badge lcdkb-{kind}">{html.escape(label or kind)}</span>'


def table(header: list[str], rows: list[list[str]], css: str | None = None) -> str:
    """A Markdown table; cells must already be safe Markdown."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell or "" for cell in row) + " |" for row in rows]
    block = "\n".join(lines)
    return f'<div class="{css}" markdown>\n\n{block}\n\n</div>' if css else block


def admonition(kind: str, title: str, body: str) -> str:
    indented = "\n".join(("    " + line) if line else "" for line in body.splitlines())
    return f'!!! {kind} "{title}"\n{indented}\n'


def front_matter(title: str, description: str | None = None, boost: float | None = None, wide: bool = False) -> str:
    """Page metadata. ``wide`` hides the side bars so long comparison tables get the whole width."""
    lines = ["---", f"title: {_yaml_string(title.replace('<', '').replace('>', ''))}"]
    if wide:
        lines += ["hide:", "  - navigation", "  - toc"]
    if description:
        lines.append(f"description: {_yaml_string(description)}")
    if boost:
        lines += ["search:", f"  boost: {boost}"]
    return "\n".join(lines + ["---", ""]) + "\n"


def _yaml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
