"""Safe output pieces. Data text is escaped where it is written, by the helper for the place it lands:

- ``text()``: Markdown body text (paragraphs, headings, table cells, list items, link labels, admonitions);
- ``link()`` for our own pages, ``external_link()`` for the https:// addresses in the data;
- ``front_matter()``: page metadata, written by a YAML emitter, with values the theme can put into HTML as they are;
- ``attribute()``: a value inside a double-quoted HTML attribute that we write ourselves.

Whatever the data says (tags, entities, ``{: onclick=...}`` attribute lists, ``javascript:`` links, line breaks),
it comes out as the same characters on the page and never as an element, an attribute or a link.
"""

from __future__ import annotations

import html
import re
import string

import yaml

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # control characters other than \t \n \r
# ASCII punctuation that means nothing to Python-Markdown and the extensions in mkdocs.yml once the rest is escaped
# (":" starts no attribute list without "{", parentheses make no link without "[" and "]"), so it stays readable.
# Every other ASCII punctuation character becomes a numeric character reference, which no Markdown rule (attribute
# lists, lists, headings, rules, admonitions, emphasis, code, autolinks, raw HTML) acts on.
_PROSE = " ,:;()/?'\""
_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_BACKSLASHED = "[]|"  # backslash escapes, which the tables extension also honours inside cells
_MARKDOWN_TEXT = str.maketrans(
    {
        char: _NAMED.get(char) or (f"\\{char}" if char in _BACKSLASHED else f"&#{ord(char)};")
        for char in string.punctuation
        if char not in _PROSE
    }
)
# Characters a link target may keep as they are; anything else is percent-encoded (UTF-8), so a target can hold
# no space, quote, bracket, parenthesis, angle bracket or backslash that could end it or start something else.
# "&" is written as "&amp;", which the page turns back into "&", so "&#x3C;" in an address stays those characters.
_URL_SAFE = frozenset(string.ascii_letters + string.digits + "-._~:/?#@!$+,;=%")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_ANCHOR = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def one_line(value) -> str:
    """Data text on one line: control characters other than tab and line breaks become U+FFFD, so they can neither
    act nor hide; then every run of whitespace (line breaks included) becomes one space."""
    return " ".join(_CONTROL.sub("\ufffd", str(value)).split())


def text(value) -> str:
    """Data text as inert Markdown: what the reader sees is exactly the data's characters, on one line."""
    return one_line(value).translate(_MARKDOWN_TEXT)


def attribute(value) -> str:
    """A value for a double-quoted HTML attribute."""
    return html.escape(one_line(value), quote=True)


def link(label: str, target: str) -> str:
    """A Markdown link to one of our own pages (relative; MkDocs rewrites it), with an inert label."""
    if _SCHEME.match(target) or target.startswith("//"):
        raise ValueError(f"not a link to our own pages: {target!r}")
    return f"[{text(label)}]({_url(target)})"


def external_link(label: str, url: str) -> str:
    """A link to an https:// address from the data. Anything else (the data checks allow only https) is shown as
    the label alone, never as a link."""
    if not url.lower().startswith("https://"):
        return text(label)
    return f"[{text(label)}]({_url(url)})"


def _url(target: str) -> str:
    return "".join(char if char in _URL_SAFE else "&amp;" if char == "&" else _percent(char) for char in target)


def _percent(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))


def heading(level: int, body: str, anchor: str | None = None) -> str:
    """A Markdown heading; ``body`` must already be safe Markdown. ``anchor`` (an ID or code from the data, which
    the schemas restrict) is checked again here, as it is written into an attribute list."""
    line = "#" * level + " " + body
    if anchor is not None:
        if not _ANCHOR.match(anchor):
            raise ValueError(f"not a safe anchor: {anchor!r}")
        line += f" {{ #{anchor} }}"
    return line + "\n"


def anchors(ids: list[str]) -> str:
    """Empty link targets, so each of several payers grouped under one heading has its own anchor."""
    for anchor in ids:
        if not _ANCHOR.match(anchor):
            raise ValueError(f"not a safe anchor: {anchor!r}")
    return "".join(f'<a id="{anchor}"></a>' for anchor in ids)


def badge(kind: str, label: str | None = None) -> str:
    return f'<span class="lcdkb-badge lcdkb-{attribute(kind)}">{text(label or kind)}</span>'


def table(header: list[str], rows: list[list[str]], css: str | None = None) -> str:
    """A Markdown table; cells must already be safe Markdown."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell or "" for cell in row) + " |" for row in rows]
    block = "\n".join(lines)
    return f'<div class="{attribute(css)}" markdown>\n\n{block}\n\n</div>' if css else block


def admonition(kind: str, title: str, body: str) -> str:
    """A Material admonition; ``body`` must already be safe Markdown."""
    indented = "\n".join(("    " + line) if line else "" for line in body.splitlines())
    return f'!!! {kind} "{text(title)}"\n{indented}\n'


# ---------------------------------------------------------------- front matter


class _Quoted(str):
    """A front matter value written in double quotes, where YAML escapes every control character."""


class _FrontMatterDumper(yaml.SafeDumper):
    pass


_FrontMatterDumper.add_representer(
    _Quoted, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')
)


def front_matter(title: str, description: str | None = None, boost: float | None = None, wide: bool = False) -> str:
    """Page metadata. ``wide`` hides the side bars so long comparison tables get the whole width.

    MkDocs renders its templates without autoescaping, and Material writes ``page.meta.title`` as it is into
    ``<title>``, the header and (for a section without a heading) the search index, and ``page.meta.description``
    into ``<meta content="...">``. So both are stored HTML-escaped: inert in those places, and read as the data says.
    """
    meta: dict = {"title": _Quoted(attribute(title))}
    if wide:
        meta["hide"] = ["navigation", "toc"]
    if description:
        meta["description"] = _Quoted(attribute(description))
    if boost:
        meta["search"] = {"boost": boost}
    body = yaml.dump(meta, Dumper=_FrontMatterDumper, sort_keys=False, allow_unicode=True, width=1 << 20)
    return f"---\n{body}---\n\n"
