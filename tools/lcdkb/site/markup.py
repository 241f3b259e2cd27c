"""Safe output pieces. Data text is escaped where it is written, by the helper for the place it lands:

- ``text()``: Markdown body text (paragraphs, headings, table cells, list items, link labels, admonitions);
- ``link()`` for our own pages, ``external_link()`` for the https:// addresses in the data;
- ``front_matter()``: page metadata, written by a YAML emitter, with values the theme can put into HTML as they are;
- ``attribute()``: a value inside a double-quoted HTML attribute that we write ourselves;
- ``html_link()``, ``html_external_link()`` and ``html_table()``: ready-made HTML for raw HTML blocks, which
  Markdown passes through untouched (the big tables: Python-Markdown's inline patterns are most of a build's time).

``text()`` writes only character references for punctuation, so its output reads the same as Markdown text and
as HTML text: one helper serves both.

Whatever the data says (tags, entities, ``{: onclick=...}`` attribute lists, ``javascript:`` links, line breaks),
it comes out as the same characters on the page and never as an element, an attribute or a link.
"""

from __future__ import annotations

import html
import re
import string
from functools import lru_cache

import yaml

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # control characters other than \t \n \r
# ASCII punctuation that means nothing to Python-Markdown and the extensions in mkdocs.yml once the rest is escaped
# (":" starts no attribute list without "{", parentheses make no link without "[" and "]"), so it stays readable.
# Every other ASCII punctuation character becomes a numeric character reference, which no Markdown rule (attribute
# lists, lists, headings, rules, admonitions, emphasis, code, autolinks, raw HTML) acts on.
_PROSE = " ,:;()/?'\""
_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# "|" as &#124; splits no Markdown table cell; "[" and "]" as references start no link. No backslash escapes: in a
# raw HTML block a backslash would show.
_MARKDOWN_TEXT = str.maketrans(
    {char: _NAMED.get(char) or f"&#{ord(char)};" for char in string.punctuation if char not in _PROSE}
)
# Characters a link target may keep as they are; anything else is percent-encoded (UTF-8), so a target can hold
# no space, quote, bracket, parenthesis, angle bracket or backslash that could end it or start something else.
# "&" is written as "&amp;", which the page turns back into "&", so "&#x3C;" in an address stays those characters.
_URL_SAFE = frozenset(string.ascii_letters + string.digits + "-._~:/?#@!$+,;=%")
_PLAIN_URL = re.compile("[" + re.escape("".join(sorted(_URL_SAFE))) + "]*")  # a target that needs no change
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_ANCHOR = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_DATA_NAME = re.compile(r"^[a-z]+(-[a-z]+)*$")
# Marker lines around ready-made HTML blocks (see raw_block and site/raw_blocks.py). text() can never write them.
RAW_START = "<!--lcdkb-html-->"
RAW_END = "<!--/lcdkb-html-->"


def one_line(value) -> str:
    """Data text on one line: control characters other than tab and line breaks become U+FFFD, so they can neither
    act nor hide; then every run of whitespace (line breaks included) becomes one space."""
    return " ".join(_CONTROL.sub("\ufffd", str(value)).split())


def text(value) -> str:
    """Data text as inert Markdown: what the reader sees is exactly the data's characters, on one line."""
    return _text(str(value))


# A big site writes the same short texts and links (payer names, codes, dates) hundreds of thousands of times;
# these pure helpers remember their recent results. The cache size bounds the memory.
_REMEMBERED = 1 << 16


@lru_cache(maxsize=_REMEMBERED)
def _text(value: str) -> str:
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


@lru_cache(maxsize=_REMEMBERED)
def html_link(label: str, target: str) -> str:
    """An HTML link to one of our own pages, for a raw HTML block on a page that is not an index page.

    MkDocs rewrites only Markdown links, so the target is written as the built site has it (directory URLs):
    ``../payers/aetna.md#64483`` from ``codes/64483.md`` (served at ``codes/64483/``) is ``../../payers/aetna/#64483``.
    """
    if _SCHEME.match(target) or target.startswith("//"):
        raise ValueError(f"not a link to our own pages: {target!r}")
    return f'<a href="{_url(site_href(target))}">{text(label)}</a>'


def site_href(target: str) -> str:
    """A Markdown-relative target (``../codes/64483.md#aetna``, ``#64483``) as the built page links it."""
    path, hash_mark, fragment = target.partition("#")
    if not path:
        return target
    if path.endswith("index.md"):
        path = path.removesuffix("index.md")
    elif path.endswith(".md"):
        path = path.removesuffix(".md") + "/"
    return "../" + path + hash_mark + fragment


def html_external_link(label: str, url: str) -> str:
    """``external_link()`` for a raw HTML block: https only, else the label alone."""
    if not url.lower().startswith("https://"):
        return text(label)
    return f'<a href="{_url(url)}">{text(label)}</a>'


def data_attributes(values: dict[str, str]) -> str:
    """data-NAME="value" pairs for an element we write: names we choose (checked), values escaped."""
    out = []
    for name, value in values.items():
        if not _DATA_NAME.match(name):
            raise ValueError(f"not a data attribute name: {name!r}")
        out.append(f' data-{name}="{attribute(value)}"')
    return "".join(out)


def html_table(
    header: list[str],
    rows: list[list[str]],
    css: str | None = None,
    row_data: list[dict[str, str]] | None = None,
    caption: str | None = None,
    labels: bool = True,
    indexed: bool = True,
) -> str:
    """A table as a raw HTML block. Cells must already be safe HTML (``text()``, ``html_link()``, ``badge()`` ...);
    each carries its column's name in ``data-label``, which the phone layout shows before the cell (``labels=False``
    leaves it out where no card layout needs it: a two-column fact table names its rows itself). ``row_data`` adds
    data-* attributes per row (the state picker reads them). Written with no blank line inside, so Markdown takes it
    as one HTML block."""
    names = [f' data-label="{attribute(name)}"' if labels else "" for name in header]
    head = "".join(f"<th>{text(name)}</th>" for name in header)
    body = []
    for index, row in enumerate(rows):
        extra = data_attributes(row_data[index]) if row_data else ""
        cells = "".join(f"<td{name}>{cell}</td>" for name, cell in zip(names, row, strict=True))
        body.append(f"<tr{extra}>{cells}</tr>")
    classes = " ".join(["lcdkb-table"] + ([attribute(css)] if css else []))
    title = f"<caption>{text(caption)}</caption>" if caption else ""
    return raw_block(
        f'<div class="{classes}"{"" if indexed else UNINDEXED}>\n'
        f"<table>{title}\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>\n</div>"
    )


# Marks an element Pagefind leaves out of the search index (with everything inside it). The site indexes each
# rule's words once, on its payer page: code pages, cheat sheets and diagnosis pages repeat them (search_index.py).
UNINDEXED = " data-pagefind-ignore"


def raw_block(html_text: str) -> str:
    """Ready-made HTML between the marker lines that lcdkb's Markdown extension (``site.raw_blocks``) passes through
    without parsing it. Ends with a newline."""
    return f"{RAW_START}\n{html_text.strip(chr(10))}\n{RAW_END}\n"


def _url(target: str) -> str:
    if _PLAIN_URL.fullmatch(target):
        return target
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
