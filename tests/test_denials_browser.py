"""The denial report's HTML in chromium: it opens from a file with the network cut off, every chart draws, and the
planted trends show with their rules."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from browser_helpers import chromium_or_skip, launched_chromium
from conftest import REPO
from lcdkb.cli import main
from lcdkb.denials.synthetic import Scenario, write_claims_csv, write_files

CHROMIUM = chromium_or_skip()
DATA = ["--data", str(REPO / "lcd_data")]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("denials-html")
    scenario = Scenario()
    paths = write_files(folder / "in", scenario)
    write_claims_csv(folder / "claims.csv", scenario)
    db = str(folder / "db.duckdb")
    assert main(["denials", "import", *map(str, paths), "--db", db, "-q", *DATA]) == 0
    out = folder / "report.html"
    command = ["denials", "report", "--db", db, "--format", "html", "--out", str(out)]
    assert main([*command, "--claims", str(folder / "claims.csv"), "--site-url", "https://lcdkb.example", *DATA]) == 0
    return out


def test_report_opens_offline_with_its_charts(report, tmp_path):
    with launched_chromium(CHROMIUM) as browser:
        context = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True)
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(report.as_uri())
        page.wait_for_load_state("load")
        images = page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth, i.naturalHeight, i.alt])")
        assert len(images) == 5
        assert all(done and width > 200 and height > 100 and alt for done, width, height, alt in images)
        assert {urlparse(url).scheme for url in requested} <= {"file", "data"}
        assert not errors
        sections = page.locator("section.trend")
        assert sections.count() == 4
        assert page.locator("section.trend.spike").count() == 2
        first = sections.nth(0).inner_text()
        assert "Novitas Solutions, Medicare Jurisdiction H (medicare-jh), 20552" in first
        assert "M79.1 is not billable" in first
        link = sections.nth(0).locator("a", has_text="medicare-jh/20552")
        assert link.get_attribute("href") == "https://lcdkb.example/payers/medicare-jh/#20552"
        assert "for the reason they were denied" in page.inner_text("body")
        page.screenshot(path=str(tmp_path / "denials-report.png"), full_page=True)
        context.close()
