"""Phones (390 x 844 in chromium): rule tables become stacked cards, prior authorization near the top of each card,
and nothing needs horizontal scrolling. Skips without chromium unless LCDKB_REQUIRE_BROWSER=1."""

import pytest

from browser_helpers import chromium_or_skip

pytest.importorskip("playwright.sync_api")
chromium_or_skip()  # the module skips without chromium (fails in CI, which requires it)
WIDTH, HEIGHT = 390, 844
PAGES = [
    "/codes/64483/",
    "/payers/medicare-jh/",
    "/states/tx/",
    "/cheatsheets/payers/medicare-jh/",
    "/cheatsheets/states/tx/",
]


@pytest.fixture(scope="module")
def phone(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_prior_auth_is_on_screen_without_horizontal_scrolling(phone, base_url, path):
    phone.goto(base_url + path)
    assert phone.evaluate("document.documentElement.scrollWidth") <= WIDTH
    cell = phone.locator('article td[data-label="Prior auth"], article td[data-label="Office"]').first
    cell.scroll_into_view_if_needed()
    box = cell.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    assert box["y"] >= 0 and box["y"] + min(box["height"], 40) <= HEIGHT
    assert cell.is_visible()


def test_a_card_leads_with_the_payer_then_prior_auth_then_the_limits(phone, base_url):
    phone.goto(base_url + "/codes/64483/")
    card = phone.locator(".lcdkb-pickable tbody tr").first
    labels = card.locator("td").evaluate_all(
        """cells => cells.slice().sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
            .map(c => c.dataset.label)"""
    )
    assert labels[:2] == ["Payer", "Prior auth"]
    assert set(labels[2:6]) == {"Coverage", "Units", "Frequency", "Per session"}
    assert phone.evaluate("getComputedStyle(document.querySelector('.lcdkb-pickable thead')).position") == "absolute"
    label = card.locator('td[data-label="Prior auth"]').evaluate("c => getComputedStyle(c, '::before').content")
    assert label == '"Prior auth" ": "' or label.startswith('"Prior auth')  # each value names its column


def test_the_desktop_keeps_the_table(base_url, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url + "/codes/64483/")
    assert page.evaluate("getComputedStyle(document.querySelector('.lcdkb-pickable tbody tr')).display") == "table-row"
    context.close()
