"""Hostile data in the new layout, in chromium: the cheat sheets, the state and payer picker (its choices are state
and payer names from the data) and the review filter keep every payload inert. Reuses the hostile site of
tests/test_site_hostile_browser.py (payloads in every text field, the validator's text checks set aside)."""

import pytest

import test_site_hostile_browser as hostile

# The hostile site's fixtures, under the names pytest looks them up by.
hostile_data, site, base_url, browser, page = (
    hostile.hostile_data,
    hostile.site,
    hostile.base_url,
    hostile.browser,
    hostile.page,
)
poke, assert_inert = hostile.poke, hostile.assert_inert

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.mark.parametrize(
    "path",
    [
        "/cheatsheets/payers/fixture-mac/",
        "/cheatsheets/payers/fixture-commercial/",
        "/cheatsheets/states/tx/",
        "/cheatsheets/states/va/",
    ],
)
def test_no_payload_runs_on_a_cheat_sheet(page, base_url, path):
    page.goto(base_url + path)
    poke(page)
    page.emulate_media(media="print")
    assert_inert(page)


def test_no_payload_runs_when_picking_a_state_and_payer(page, base_url):
    page.goto(base_url + "/codes/64483/")
    states = page.locator("#lcdkb-state-names option").evaluate_all("options => options.map(o => o.value)")
    payers = page.locator("#lcdkb-payer-names option").evaluate_all("options => options.map(o => o.value)")
    texas = next(value for value in states if value.endswith("(TX)"))
    assert "onload" in texas  # the state's hostile name, kept as text
    page.get_by_label("Your state").fill(texas)
    page.get_by_label("Your payer").fill(payers[0])
    page.get_by_label("Your payer").press("Enter")
    picked = page.locator(".lcdkb-picked")
    playwright_api.expect(picked).to_contain_text("Original Medicare in " + texas)
    assert picked.locator("svg, img, script").count() == 0
    groups = page.locator(".lcdkb-pickable tr.lcdkb-group-row").all_inner_texts()
    assert "Your payer: " + payers[0] in groups  # the payer's hostile name, as text
    poke(page)
    page.reload()  # the remembered pick is applied again on load
    assert page.get_by_label("Your state").input_value() == texas
    assert_inert(page)


def test_no_payload_runs_when_filtering_the_review_list(page, base_url):
    page.goto(base_url + "/review/")
    for label in ("Payer", "Code"):
        select = page.get_by_label(label, exact=True)
        if select.count():
            select.focus()
            page.keyboard.press("ArrowDown")
    poke(page)
    assert_inert(page)
