"""Cheat sheets on paper, printed by chromium: every payer's sheet fits on at most two Letter (and A4) pages in
landscape (the site's print @page rule), with every column on the page; the state sheets print with every column.
Skips without chromium unless LCDKB_REQUIRE_BROWSER=1."""

import re

import pytest

from browser_helpers import chromium_or_skip
from conftest import REPO
from lcdkb import api
from lcdkb.site.cheatsheet import SHEET_HEADER

pytest.importorskip("playwright.sync_api")
chromium_or_skip()  # the module skips without chromium (fails in CI, which requires it)
KB = api.load(REPO / "lcd_data")
PAYERS = sorted(KB.payers)
# The printable width in CSS pixels: the page less the 8 mm margins of lcdkb.css's @page rule (96 px per inch).
PRINTABLE_WIDTH = {"Letter": round(11 * 96 - 2 * 8 / 25.4 * 96), "A4": round(297 / 25.4 * 96 - 2 * 8 / 25.4 * 96)}


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def page_count(pdf: bytes) -> int:
    """Pages of a PDF chromium wrote: its page objects, checked against the page tree's count."""
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    assert pages >= 1 and (not counts or max(counts) == pages), (pages, counts)
    return pages


def columns_fit(page, paper: str) -> list:
    """Under print media at the paper's printable width: each table's columns that end past its right edge, or
    tables wider than their box (empty when every column is on the page)."""
    page.set_viewport_size({"width": PRINTABLE_WIDTH[paper], "height": 800})
    page.emulate_media(media="print")
    return page.eval_on_selector_all(
        "article table",
        """tables => tables.flatMap(table => {
            const box = table.getBoundingClientRect();
            const cut = Array.from(table.querySelectorAll("thead th"))
                .filter(th => th.getBoundingClientRect().right > box.right + 1 || th.getBoundingClientRect().width < 8)
                .map(th => th.textContent.trim());
            const wide = table.scrollWidth > table.clientWidth + 1 || box.right > window.innerWidth + 1;
            return wide ? ["table wider than the page"].concat(cut) : cut;
        })""",
    )


@pytest.mark.parametrize("payer", PAYERS)
def test_each_payer_sheet_prints_on_at_most_two_letter_pages_with_every_column(page, base_url, payer):
    page.goto(f"{base_url}/cheatsheets/payers/{payer}/")
    headers = page.eval_on_selector_all("article table thead th", "cells => cells.map(c => c.textContent.trim())")
    assert headers == SHEET_HEADER
    for paper in ("Letter", "A4"):
        pdf = page.pdf(format=paper, prefer_css_page_size=True, print_background=True)
        assert page_count(pdf) <= 2, paper
    assert columns_fit(page, "Letter") == []
    assert columns_fit(page, "A4") == []


def test_a_sheet_prints_without_site_chrome_and_repeats_its_header(page, base_url):
    page.goto(f"{base_url}/cheatsheets/states/tx/")
    page.emulate_media(media="print")
    hidden = page.eval_on_selector_all(
        ".md-header, .md-tabs, .md-footer, .md-sidebar, .lcdkb-screen-only",
        "nodes => nodes.every(n => getComputedStyle(n).display === 'none')",
    )
    assert hidden
    groups = page.eval_on_selector_all("article thead", "heads => heads.map(h => getComputedStyle(h).display)")
    assert groups and set(groups) == {"table-header-group"}  # repeated on every printed page
    tables = page.eval_on_selector_all("article table", "ts => ts.map(t => getComputedStyle(t).display)")
    assert set(tables) == {"table"}


@pytest.mark.parametrize("state", ["tx", "oh", "ca"])
def test_state_sheets_print_every_column(page, base_url, state):
    page.goto(f"{base_url}/cheatsheets/states/{state}/")
    assert page.locator("article h2", has_text="Original Medicare").count() == 1
    pdf = page.pdf(format="Letter", prefer_css_page_size=True, print_background=True)
    assert page_count(pdf) >= 1
    assert columns_fit(page, "Letter") == []
