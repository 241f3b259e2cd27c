"""My state, my payer: the picker on code pages and the review page's filter, in chromium, with the keyboard.

Picking a state puts Original Medicare's merged answer for it first, then that state's Medicare rules, then the
payers that operate there; the rest are grouped after them. Names and two-letter codes both work, and nothing else
does (no substring match). The pick is remembered. Skips without chromium unless LCDKB_REQUIRE_BROWSER=1."""

import pytest

from browser_helpers import chromium_or_skip

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
chromium_or_skip()  # the module skips without chromium (fails in CI, which requires it)
SUMMARY_ROWS = ".lcdkb-pickable tbody tr:not(.lcdkb-group-row)"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == []


def pick_state(page, typed):
    box = page.get_by_label("Your state")
    box.focus()
    box.press("Control+a")
    box.press("Backspace")
    page.keyboard.type(typed)
    page.keyboard.press("Tab")  # leaving the box remembers the pick


def first_payer(page) -> str:
    return page.locator(SUMMARY_ROWS).first.locator("td").first.inner_text()


@pytest.mark.parametrize("typed", ["Texas", "TX", "tx", "texas (tx)"])
def test_picking_texas_shows_novitas_jh_s_merged_answer_first(page, base_url, typed):
    page.goto(base_url + "/codes/64483/")
    rows = page.locator(SUMMARY_ROWS).count()
    pick_state(page, typed)
    picked = page.locator(".lcdkb-picked")
    expect(picked).to_contain_text("Original Medicare in Texas (TX)")
    expect(picked.locator("li").first).to_contain_text("Office: Depends: voluntary prior authorization (WISeR model)")
    expect(picked.locator("li").first).to_contain_text("per Novitas JH")
    assert picked.bounding_box()["y"] < page.locator(".lcdkb-pickable table").bounding_box()["y"]  # above the table
    assert first_payer(page).startswith("Novitas JH")
    groups = page.locator(".lcdkb-pickable tr.lcdkb-group-row").all_inner_texts()
    assert groups[0] == "Original Medicare in Texas (TX)" and groups[1] == "Other payers in Texas"
    assert page.locator(SUMMARY_ROWS).count() == rows  # nothing hidden: nationwide payers and other states stay


def test_a_substring_picks_nothing_and_two_letters_are_a_state_not_a_payer(page, base_url):
    page.goto(base_url + "/codes/64483/")
    before = first_payer(page)
    pick_state(page, "Coh")  # part of "Cohere": no state
    expect(page.get_by_label("Your state")).to_have_attribute("aria-invalid", "true")
    assert first_payer(page) == before and page.locator(".lcdkb-pickable tr.lcdkb-group-row").count() == 0
    assert page.evaluate("localStorage.getItem('lcdkb.state')") is None  # "Co" on the way was never stored
    pick_state(page, "OH")
    expect(page.locator(".lcdkb-picked")).to_contain_text("Original Medicare in Ohio (OH)")
    assert first_payer(page).startswith("CGS J15")


def test_the_pick_is_remembered_and_a_payer_comes_next(page, base_url):
    page.goto(base_url + "/codes/64483/")
    pick_state(page, "Texas")
    payer = page.get_by_label("Your payer")
    payer.focus()
    page.keyboard.type("Aetna")
    page.keyboard.press("Enter")
    groups = page.locator(".lcdkb-pickable tr.lcdkb-group-row").all_inner_texts()
    assert groups[:2] == ["Original Medicare in Texas (TX)", "Your payer: Aetna"]
    page.goto(base_url + "/codes/64490/")  # another code page: the same picks
    expect(page.get_by_label("Your state")).to_have_value("Texas (TX)")
    expect(page.get_by_label("Your payer")).to_have_value("Aetna")
    assert first_payer(page).startswith("Novitas JH")
    second = page.locator(SUMMARY_ROWS).nth(1).locator("td").first
    expect(second).to_contain_text("Medicare (national)")  # the national rules right after the state's contractor
    pick_state(page, "")  # cleared: the table's own order again
    expect(page.locator(".lcdkb-pickable tr.lcdkb-group-row")).to_have_count(2)  # only the payer pick is left
    assert page.evaluate("localStorage.getItem('lcdkb.state')") is None


def test_the_review_list_filters_by_payer_and_code_with_the_keyboard(page, base_url):
    page.goto(base_url + "/review/")
    rows = page.locator(".lcdkb-waiting tbody tr")
    total = rows.count()
    assert total > 2
    payer = page.get_by_label("Payer", exact=True)
    payer.focus()
    page.keyboard.press("ArrowDown")  # the first payer after "All"
    chosen = payer.evaluate("s => s.value")
    visible = page.locator(".lcdkb-waiting tbody tr:visible")
    assert 0 < visible.count() < total
    assert set(visible.evaluate_all("rows => rows.map(r => r.dataset.payer)")) == {chosen}
    payer.select_option("")  # back to every payer
    assert visible.count() == total
    code = page.get_by_label("Code", exact=True)
    code.focus()
    page.keyboard.press("ArrowDown")
    chosen = code.evaluate("s => s.value")
    assert chosen and set(visible.evaluate_all("rows => rows.map(r => r.dataset.code)")) == {chosen}
    expect(page.locator(".lcdkb-filter-count")).to_have_text(f"{visible.count()} of {total} rules shown")
