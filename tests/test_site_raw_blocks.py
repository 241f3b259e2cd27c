"""lcdkb.site.raw_blocks: marked ready-made HTML passes through Python-Markdown unparsed, and pages read the same."""

from __future__ import annotations

import re

import markdown

from conftest import FIXTURE_TODAY, REPO, mkdocs_markdown
from lcdkb.model import build_model
from lcdkb.site.markup import RAW_END, RAW_START, html_table, raw_block, text
from lcdkb.site.pages import all_pages
from lcdkb.site.raw_blocks import _RawBlocks
from lcdkb.site.rule_view import View
from lcdkb.validate import validate


def renderer(with_raw_blocks: bool) -> markdown.Markdown:
    return mkdocs_markdown() if with_raw_blocks else mkdocs_markdown(without=("lcdkb.site.raw_blocks",))


def test_mkdocs_yml_loads_the_extension():
    assert any(isinstance(p, _RawBlocks) for p in mkdocs_markdown().preprocessors)


def squeezed(html: str) -> str:
    """The page without marker comments and with runs of whitespace as one space."""
    return " ".join(re.sub(r"<!--/?lcdkb-html-->", "", html).split())


def test_a_marked_block_comes_out_as_written_without_its_markers():
    block = raw_block('<div class="x">\n<p>*not emphasis* and [not](a-link)</p>\n</div>')
    html = renderer(True).convert("# Title\n\n" + block + "\nAfter *this*.\n")
    assert '<div class="x">\n<p>*not emphasis* and [not](a-link)</p>\n</div>' in html
    assert "<em>this</em>" in html and "lcdkb-html" not in html


def test_nested_marked_blocks_go_through_as_one():
    inner = html_table(["Code", "Rule"], [["64483", text("<b>x</b> | y")]])
    outer = raw_block('<div class="lcdkb-rule">\n' + inner + "</div>")
    html = renderer(True).convert(outer)
    assert html.count("<table>") == 1 and "lcdkb-html" not in html
    assert "&lt;b&gt;x&lt;/b&gt; &#124; y" in html


def test_an_unclosed_block_is_left_to_markdown():
    source = RAW_START + "\n<div>\n<p>open</p>\n</div>\n\nText *here*.\n"
    html = renderer(True).convert(source)
    assert "<p>open</p>" in html and "<em>here</em>" in html


def test_a_marker_inside_a_line_or_indented_is_not_a_marker():
    source = f"Text {RAW_START} more\n\n    {RAW_END}\n"
    html = renderer(True).convert(source)
    assert html.startswith("<p>Text") and "<pre><code>&lt;!--/lcdkb-html--&gt;" in html


def test_every_generated_page_reads_the_same_with_and_without_the_extension():
    """The repository's own data: every page, with the extension (lcdkb build) and without (other engines)."""
    kb = build_model(validate(REPO / "lcd_data", today=FIXTURE_TODAY))
    pages = all_pages(View(kb, FIXTURE_TODAY))
    fast, slow = renderer(True), renderer(False)
    for path, page in pages.items():
        body = page.split("---\n", 2)[2] if page.startswith("---\n") else page
        fast.reset()
        slow.reset()
        assert squeezed(fast.convert(body)) == squeezed(slow.convert(body)), path
