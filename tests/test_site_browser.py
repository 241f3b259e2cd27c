"""The built site in a real browser (Debian's chromium via Playwright): search, warnings, no external requests.

Builds the bundled data once, judged on a late date so overdue warnings show. Screenshots of failed tests go to
test-artifacts/. When chromium is missing the tests skip, unless LCDKB_REQUIRE_BROWSER=1 (set by
scripts/test.sh, so CI fails instead of skipping).
"""

import pytest

from browser_helpers import chromium_or_skip, launched_chromium, serving
from conftest import REPO

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = chromium_or_skip()
ARTIFACTS = REPO / "test-artifacts"
LATE = "1811808000"  # 2027-06-01: rules checked in 2026 with a 90-day interval are overdue by then


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from lcdkb import api
    from lcdkb.site.build import build_site

    out = tmp_path_factory.mktemp("browser") / "site"
    build_site(api.load(REPO / "lcd_data"), out, environ={"SOURCE_DATE_EPOCH": LATE})
    return out


@pytest.fixture(scope="module")
def base_url(site):
    with serving(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with launched_chromium(CHROMIUM) as launched:
        yield launched


@pytest.fixture
def page(browser, base_url, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside = []

    def gate(route):
        if route.request.url.startswith(base_url):
            return route.continue_()
        outside.append(route.request.url)
        return route.abort()

    context.route("**/*", gate)
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"
    assert errors == [], f"script errors: {errors}"


def search(page, base_url, query):
    page.goto(base_url + "/")
    box = page.locator("input#lcdkb-search-input")
    box.click()
    box.press_sequentially(query, delay=20)
    page.locator("#lcdkb-search-results[aria-busy='false']").wait_for(timeout=15_000)  # every result has come
    return page.locator("#lcdkb-search-results a.lcdkb-search-hit")


@pytest.mark.parametrize(
    "query, expected_path",
    [
        ("64483", "/codes/64483/"),
        ("G3002", "/codes/G3002/"),
        ("M54.16", "/diagnoses/"),
        ("L39242", "/payers/medicare-jf/"),
        ("A58745", "/payers/medicare-j"),
        ("Novitas", "/payers/medicare-j"),
        ("Texas", "/states/tx/"),
    ],
)
def test_search_leads_to_the_right_page(page, base_url, query, expected_path):
    results = search(page, base_url, query)
    playwright_api.expect(results.first).to_be_visible(timeout=15_000)
    links = results
    hrefs = [links.nth(i).get_attribute("href") or "" for i in range(min(links.count(), 5))]
    assert any(expected_path in href for href in hrefs), hrefs


def test_clicking_a_search_result_opens_the_code_page(page, base_url):
    search(page, base_url, "64635")
    page.locator("a.lcdkb-search-hit").first.click()
    playwright_api.expect(page.locator("h1")).to_contain_text("64635")
    playwright_api.expect(page.locator("article table").first).to_contain_text("Novitas")


def test_overdue_warning_is_visible_on_a_stale_rule(page, base_url):
    page.goto(base_url + "/payers/medicare-jh/")
    warning = page.locator(".admonition.danger", has_text="Overdue for review").first
    playwright_api.expect(warning).to_be_visible()


def test_unverified_badge_is_visible(page, base_url):
    page.goto(base_url + "/codes/62320/")
    playwright_api.expect(page.locator(".lcdkb-unverified").first).to_be_visible()


def test_tables_sort_and_filter(page, base_url):
    page.goto(base_url + "/payers/")
    table = page.locator("article table").nth(1)
    header = table.locator("th", has_text="Jurisdiction")
    first = table.locator("tbody tr td:nth-child(2)").first
    header.click()
    playwright_api.expect(first).to_have_text("J5")  # natural order: J5, J6, J8, J15, JE ...
    header.click()
    playwright_api.expect(first).to_have_text("JN")
    page.locator("input.lcdkb-table-filter").first.fill("Noridian")
    playwright_api.expect(table.locator("tbody tr:visible")).to_have_count(2)


def test_the_ohio_page_leads_with_medicare_s_merged_answer(page, base_url):
    page.goto(base_url + "/states/oh/")
    lead = page.locator("article table").first
    row = lead.locator("tbody tr", has_text="64635").first
    playwright_api.expect(row.locator("td").nth(4)).to_contain_text(
        "Required (OPD prior authorization) since 2023-07-01, per the national Medicare rules"
    )
    playwright_api.expect(row.locator("td").nth(4)).to_contain_text("CGS J15: Unknown: confirm with the plan")


@pytest.mark.parametrize("path", ["/payers/medicare-j15/", "/states/oh/", "/codes/64635/"])
def test_no_table_cell_is_blank_in_the_built_page(page, base_url, path):
    page.goto(base_url + path)
    blank = page.eval_on_selector_all(
        "article th, article td",
        "cells => cells.filter(c => !c.textContent.trim() && !c.querySelector('[aria-label]')).map(c => c.outerHTML)",
    )
    assert blank == []
    assert "none recorded" not in page.locator("article").inner_text().lower()
