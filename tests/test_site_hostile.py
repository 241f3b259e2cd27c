"""Data text is inert in every site output. Hostile strings go into every text field of the fixture model (payers,
sources, rules, facts and the catalogues), and the generated pages are rendered the way MkDocs renders them:

- the Markdown with Python-Markdown and the extensions in mkdocs.yml: no element, attribute or link that benign text
  does not also produce, no event handler, no script-like element, no script link, and the text reads as written;
- the front matter with MkDocs' own reader, then through the theme's real template lines for the page title, the
  header and the description: no tag, and the values read as written;
- the search index sections with Material's own parser;
- reviews.ics: every line at most 75 octets, no value starts a property, values unescape to what the data says.
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import jinja2
import material
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mkdocs.utils.meta import get_data

from conftest import FIXTURE_TODAY, REPO, VALID, mkdocs_markdown
from lcdkb.model import KnowledgeBase, build_model
from lcdkb.record import replace
from lcdkb.site.calendar import review_calendar
from lcdkb.site.markup import external_link, heading, link, one_line, text
from lcdkb.site.pages import all_pages, payer_page
from lcdkb.site.rule_view import View
from lcdkb.validate import validate

# Derandomized like tests/test_properties.py, so every CI run tries the same examples.
FAST = settings(
    max_examples=80, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)  # each example renders every page

FRAGMENTS = [
    "<",
    ">",
    '"',
    "'",
    "&",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "!",
    ":",
    "#",
    "|",
    "*",
    "_",
    "\\",
    "`",
    "~",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "    ",
    "javascript:",
    "JaVaScRiPt:",
    "jav&#x61;script:",
    "&#106;avascript:",
    "java\tscript:",
    "---",
    "===",
    "1. ",
    "- ",
    "> ",
    '!!! danger "x"',
    "{: onfocus=alert(1) }",
    "{ #x onclick=y }",
    "{: .x #y data-z=1 }",
    "</title><script>",
    "&lt;script&gt;",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<svg/onload=alert(1)>",
    "[x](javascript:alert(1))",
    "![i](x.png)",
    "<https://example.org>",
    "https://example.org",
    '" onmouseover="x',
    "&amp;",
    "&#123;",
    "&#x3C;",
    "\x00",
    "\x02wzxhzdk:0\x03",
    "\x7f",
    "\x85",
    "\u2028",
    "\u00a0",
    "é",
    "Blue Cross",
    " ",
]
HOSTILE = st.lists(
    st.sampled_from(FRAGMENTS) | st.text(alphabet="<>\"'&{}[]()!:#|*_\\`\n\r ab", max_size=4), min_size=1, max_size=10
).map("".join)
BENIGN = ["Benign words one", "Benign words two", "Benign words three"]
URL_BASE = "https://example.org/"
TEXT_FACT_KEYS = ("note", "notes", "program", "summary", "items")
FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "frame",
    "frameset",
    "img",
    "svg",
    "math",
    "object",
    "embed",
    "style",
    "link",
    "meta",
    "base",
    "form",
    "button",
    "textarea",
    "select",
    "video",
    "audio",
    "source",
    "template",
    "title",
    "#comment",
    "#decl",
    "#pi",
}
LATE = date(2026, 6, 1)  # rules are overdue by then, so the review warnings are rendered too


@pytest.fixture(scope="module")
def base_kb() -> KnowledgeBase:
    return build_model(validate(VALID, today=FIXTURE_TODAY))


# ---------------------------------------------------------------- putting text into every field


class Texts:
    """Hands out the given strings in turn, one per text field, so each field gets one and neighbours differ."""

    def __init__(self, values: list[str]):
        self.values, self.count = values, 0

    def __call__(self) -> str:
        self.count += 1
        return self.values[(self.count - 1) % len(self.values)]


def rewritten(kb: KnowledgeBase, next_text: Texts) -> KnowledgeBase:
    """The same model with every text field replaced, in a fixed order (so benign and hostile runs line up)."""
    payers, sources = {}, {}
    for payer in kb.payers.values():
        sources[payer.id] = {s.id: _source(s, next_text) for s in payer.sources}
        payers[payer.id] = replace(
            payer,
            name=next_text(),
            aliases=(next_text(), next_text()),
            notes=next_text(),
            website=URL_BASE + next_text(),
            sources=tuple(sources[payer.id].values()),
        )
    rules = [
        replace(
            rule,
            policy_title=next_text(),
            reviewed_by=next_text(),
            facts=_facts(rule.facts, next_text),
            sources=tuple(sources[rule.payer_id][s.id] for s in rule.sources),
        )
        for rule in kb.rules
    ]
    return KnowledgeBase(
        codes={c: _code(e, next_text) for c, e in kb.codes.items()},
        states={s: {**e, "name": next_text()} for s, e in kb.states.items()},
        jurisdictions={j: _jurisdiction(e, next_text) for j, e in kb.jurisdictions.items()},
        modifiers=kb.modifiers,
        catalogue_sources=kb.catalogue_sources,
        diagnoses=kb.diagnoses,
        payers=payers,
        rules=rules,
    )


def _source(source, next_text):
    texts = {name: next_text() for name in ("id", "title", "note", "locator", "version") if getattr(source, name)}
    return replace(source, **texts, url=URL_BASE + next_text() if source.url else None)


def _code(entry, next_text):
    return {**entry, "label": next_text(), **({"descriptor": next_text()} if entry.get("descriptor") else {})}


def _jurisdiction(entry, next_text):
    exceptions = [{**e, "areas": [next_text() for _ in e["areas"]]} for e in entry.get("exceptions", [])]
    return {**entry, "contractor": next_text(), "exceptions": exceptions}


def _facts(value, next_text, key=None):
    if isinstance(value, dict):
        return {k: _facts(v, next_text, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_facts(v, next_text, key) for v in value]
    return next_text() if key in TEXT_FACT_KEYS and isinstance(value, str) else value


def pages_for(kb: KnowledgeBase, texts: list[str]) -> dict[str, str]:
    view = View(rewritten(kb, Texts(texts)), LATE, edit_base=URL_BASE + "edit/")
    return all_pages(view)


# ---------------------------------------------------------------- rendering as MkDocs does


RENDERER = mkdocs_markdown()


def render(page: str) -> tuple[str, dict]:
    body, meta = get_data(page)  # MkDocs' own front matter reader
    RENDERER.reset()
    return RENDERER.convert(body), meta


class Elements(HTMLParser):
    """Every (tag, attribute) pair, every attribute value and the text of an HTML fragment."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.pairs, self.attributes, self.words = set(), [], []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.pairs.add((tag, None))
        for name, value in attrs:
            self.pairs.add((tag, name))
            self.attributes.append((tag, name, value or ""))

    def handle_data(self, data):
        self.words.append(data)

    def handle_comment(self, data):
        self.pairs.add(("#comment", None))

    def handle_decl(self, decl):
        self.pairs.add(("#decl", None))

    def handle_pi(self, data):
        self.pairs.add(("#pi", None))

    @property
    def text(self) -> str:
        return " ".join("".join(self.words).split())


def scheme_of(url: str) -> str:
    """The scheme a browser would see: entities are already decoded; whitespace and controls are dropped."""
    squeezed = re.sub(r"[\x00-\x20\x7f-\x9f]+", "", url).lower()
    match = re.match(r"^([a-z][a-z0-9+.-]*):", squeezed)
    return match.group(1) if match else ""


def assert_inert_html(found: Elements, benign: Elements, where: str) -> None:
    assert found.pairs <= benign.pairs, (where, found.pairs - benign.pairs)
    assert not {tag for tag, _ in found.pairs} & FORBIDDEN_TAGS, where
    for tag, name, value in found.attributes:
        assert not name.lower().startswith("on"), (where, tag, name, value)
        if name in ("href", "src", "action", "formaction", "xlink:href"):
            assert scheme_of(value) in ("", "https"), (where, tag, name, value)
            assert scheme_of(value) == "" or value.startswith(URL_BASE), (where, value)
            assert not re.search(r"[\s\"'<>\\`]", value), (where, value)


def assert_search_sections_inert(page_html: str, where: str) -> None:
    """Material's search plugin splits pages into sections; its result list shows their title and text as HTML."""
    from material.plugins.search.plugin import Parser

    parser = Parser()
    parser.feed(page_html)
    parser.close()
    for section in parser.data:
        for part in ("".join(section.title), "".join(section.text)):
            assert {tag for tag, _ in Elements(part).pairs} <= set(parser.keep), (where, part)


# ---------------------------------------------------------------- the theme's title and description

TEMPLATES = Path(material.__file__).parent / "templates"


def theme_meta_template() -> jinja2.Template:
    """The real template text that writes page.meta.title and page.meta.description, rendered as MkDocs does
    (a Jinja environment without autoescaping)."""
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    header = (TEMPLATES / "partials" / "header.html").read_text(encoding="utf-8")
    title = re.search(r"{% block htmltitle %}(.*?){% endblock %}", base, re.S).group(1)
    description = re.search(r"{% if page.meta and page.meta.description %}.*?{% endif %}", base, re.S).group(0)
    topic = re.search(r"{% if page.meta and page.meta.title %}.*?{% endif %}", header, re.S).group(0)
    return jinja2.Environment().from_string(f'{title}{description}<span class="topic">{topic}</span>')


META_TEMPLATE = theme_meta_template()


HEAD_PAIRS = {("title", None), ("meta", None), ("meta", "name"), ("meta", "content"), ("span", None), ("span", "class")}


def theme_head_html(meta: dict) -> str:
    page = SimpleNamespace(meta=meta, title=meta.get("title"), is_homepage=False)
    return META_TEMPLATE.render(page=page, config={"site_name": "lcdkb", "site_description": "site"})


def theme_head(meta: dict) -> Elements:
    return Elements(theme_head_html(meta))


class HeadParts(HTMLParser):
    """The text inside <title>, inside the header topic, and the description's content."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.inside, self.title, self.topic, self.description = None, "", "", None
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and attrs.get("name") == "description":
            self.description = attrs.get("content")
        self.inside = tag if tag in ("title", "span") else self.inside

    def handle_endtag(self, tag):
        self.inside = None

    def handle_data(self, data):
        if self.inside == "title":
            self.title += data
        elif self.inside == "span":
            self.topic += data


def assert_head_reads(meta: dict, title: str, description: str | None) -> None:
    source = theme_head_html(meta)
    assert Elements(source).pairs == HEAD_PAIRS, source
    parts = HeadParts(source)
    assert parts.title.strip() == (one_line(title) + " - lcdkb" if one_line(title) else "lcdkb")  # empty: site name
    assert parts.topic.strip() == one_line(title)
    if description is not None:
        assert parts.description == one_line(description)


# ---------------------------------------------------------------- the properties


@pytest.fixture(scope="module")
def benign_pages(base_kb):
    return {path: Elements(render(page)[0]) for path, page in pages_for(base_kb, BENIGN).items()}


@FAST
@given(texts=st.lists(HOSTILE, min_size=1, max_size=3))
def test_hostile_text_never_becomes_markup(base_kb, benign_pages, texts):
    kb = rewritten(base_kb, Texts(texts))
    pages = all_pages(View(kb, LATE, edit_base=URL_BASE + "edit/"))
    for path, page in pages.items():
        page_html, meta = render(page)
        assert_inert_html(Elements(page_html), benign_pages[path], path)
        assert_search_sections_inert(page_html, path)
        assert set(meta) <= {"title", "description", "hide", "search"}, (path, meta)
        assert theme_head(meta).pairs == HEAD_PAIRS, (path, meta)
    for payer in kb.payers.values():
        page_html, meta = render(pages[f"payers/{payer.id}.md"])
        shown = Elements(page_html).text
        for value in (payer.name, payer.notes, *payer.aliases):
            assert one_line(value) in shown  # what the data says, as written
        assert_head_reads(meta, payer.name, f"{payer.name}: coverage rules for interventional pain codes")


@pytest.mark.parametrize(
    "name",
    [
        "Blue Cross & Blue Shield <test>",
        "</title><script>alert(1)</script>",
        '"><svg onload=alert(1) x="',
        "&lt;/title&gt;&lt;script&gt;",
        "a\r\nb\x00c",
    ],
)
def test_titles_and_descriptions_read_as_written_in_the_theme(base_kb, name):
    view = View(rewritten(base_kb, Texts([name])), LATE)
    payer = next(iter(view.kb.payers.values()))
    page_html, meta = render(payer_page(view, payer))
    assert_head_reads(meta, name, f"{name}: coverage rules for interventional pain codes")
    assert Elements(page_html).text.startswith(one_line(name) + "¶")  # the h1 and its permalink


# ---------------------------------------------------------------- reviews.ics

CALENDAR_TEXT = HOSTILE | st.text(max_size=40)  # any characters, controls and line separators included


def ics_unescape(value: str) -> str:
    """An RFC 5545 TEXT value read back; a bare ; or , (a list separator) would fail."""
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            escaped = next(chars)
            assert escaped in "\\;,nN", value
            out.append("\n" if escaped in "nN" else escaped)
        else:
            assert char not in ";,", value
            out.append(char)
    return "".join(out)


def calendar_lines(kb: KnowledgeBase) -> list[str]:
    ics = review_calendar(kb, "2026-02-01T00:00:00Z")
    assert ics.endswith(b"\r\n")
    lines = ics[:-2].split(b"\r\n")
    for line in lines:
        assert len(line) <= 75 and b"\r" not in line and b"\n" not in line, line
    return [line.decode("utf-8") for line in lines]


def property_names(lines: list[str]) -> list[str]:
    return [re.split("[:;]", line, maxsplit=1)[0] for line in lines if not line.startswith(" ")]


@FAST
@given(st.lists(CALENDAR_TEXT, min_size=1, max_size=3))
def test_calendar_values_never_start_a_property(base_kb, texts):
    kb = rewritten(base_kb, Texts(texts))
    lines = calendar_lines(kb)
    assert property_names(lines) == property_names(calendar_lines(rewritten(base_kb, Texts(BENIGN))))
    unfolded = "\r\n".join(lines).replace("\r\n ", "").split("\r\n")
    for line in unfolded:
        assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f]", line), line
    summaries = [ics_unescape(line.removeprefix("SUMMARY:")) for line in unfolded if line.startswith("SUMMARY:")]
    expected = {one_line(f"Review due: {p.name}") + " (" for p in kb.payers.values()}
    for summary in summaries:
        assert any(one_line(summary).startswith(start) for start in expected), (summary, expected)


def test_calendar_escapes_cr_lf_and_controls(base_kb):
    kb = rewritten(base_kb, Texts(["A\r\nB\rC\nD\x00E\tF;G,H\\I\u2028J"]))
    unfolded = "\r\n".join(calendar_lines(kb)).replace("\r\n ", "")
    assert "SUMMARY:Review due: A\\nB\\nC\\nD\ufffdE F\\;G\\,H\\\\I\\nJ (" in unfolded


# ---------------------------------------------------------------- the helpers' own promises


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " https://example.org",
        "http://x.org",
        "data:text/html,x",
        "jav&#x61;script:alert(1)",
        "\thttps://example.org",
    ],
)
def test_external_links_are_https_or_not_links(url):
    assert external_link("open", url) == "open"


def test_external_link_targets_cannot_break_out():
    written = external_link("open", "https://example.org/a b\"c'd(e)f<g>h\\i`j[k]l{m}n\nx?y=1&z=&#x3C;")
    assert written == (
        "[open](https://example.org/a%20b%22c%27d%28e%29f%3Cg%3Eh%5Ci%60j%5Bk%5Dl%7Bm%7Dn%0Ax?y=1&amp;z=&amp;#x3C;)"
    )  # the page shows "&" where the data has "&"


def test_own_links_and_anchors_refuse_anything_else():
    with pytest.raises(ValueError):
        link("x", "javascript:alert(1)")
    with pytest.raises(ValueError):
        heading(2, "x", anchor="x onclick=y")
    assert (
        heading(3, text("A {: onclick=y }"), anchor="fixture-mac")
        == "### A &#123;: onclick&#61;y &#125; { #fixture-mac }\n"
    )


def test_table_script_never_writes_html():
    source = (REPO / "docs" / "javascripts" / "tables.js").read_text(encoding="utf-8")
    script = re.sub(r"^\s*//.*$", "", source, flags=re.M)  # the code, without its comments
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "Function(",
        'setTimeout("',
    ):
        assert sink not in script
