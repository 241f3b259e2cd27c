"""Accessibility: axe-core (npm, pinned in tests/a11y/package-lock.json, installed by scripts/test.sh) runs in chromium
on the home, code, payer, state, cheat-sheet and review pages, and finds no critical or serious violation.

Skips without chromium or without axe-core, unless LCDKB_REQUIRE_BROWSER=1 (CI), where either missing fails."""

import json
import os

import pytest

from browser_helpers import chromium_or_skip
from conftest import REPO

pytest.importorskip("playwright.sync_api")
chromium_or_skip()  # the module skips without chromium (fails in CI, which requires it)
AXE = REPO / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
if not AXE.is_file():
    if os.environ.get("LCDKB_REQUIRE_BROWSER") == "1":
        raise RuntimeError("axe-core is required for the accessibility tests (npm ci --prefix tests/a11y)")
    pytest.skip("axe-core is not installed (npm ci --prefix tests/a11y)", allow_module_level=True)

PAGES = [
    "/",
    "/codes/64483/",
    "/payers/medicare-jh/",
    "/states/tx/",
    "/cheatsheets/payers/medicare-jh/",
    "/cheatsheets/states/tx/",
    "/review/",
]


def violations(browser, url, width=1280, prepare=None):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(url)
    if prepare:
        prepare(page)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + ": " + n.failureSummary) }));
        }"""
    )
    context.close()
    return [v for v in found if v["impact"] in ("critical", "serious")]


@pytest.mark.parametrize("path", PAGES)
def test_no_critical_or_serious_violations(browser, base_url, path):
    found = violations(browser, base_url + path)
    assert found == [], json.dumps(found, indent=1)


def test_the_picked_code_page_and_the_phone_layout_have_none_either(browser, base_url):
    def pick(page):
        page.get_by_label("Your state").fill("Texas")
        page.get_by_label("Your payer").fill("Aetna")

    found = violations(browser, base_url + "/codes/64483/", prepare=pick)
    found += violations(browser, base_url + "/codes/64483/", width=390)
    assert found == [], json.dumps(found, indent=1)
