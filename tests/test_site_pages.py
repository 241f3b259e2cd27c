"""The page generator on the fixture data: no MkDocs needed."""

import dataclasses
from datetime import date

import pytest

from conftest import FIXTURE_TODAY, VALID
from lcdkb.model import build_model
from lcdkb.site.pages import all_pages, code_page, payer_page
from lcdkb.site.rule_view import View
from lcdkb.validate import validate


def view_of(root=VALID, today=FIXTURE_TODAY):
    return View(build_model(validate(root, today=FIXTURE_TODAY)), today)


@pytest.fixture(scope="module")
def pages():
    return all_pages(view_of())


def test_one_page_per_code_payer_and_state_plus_indexes(pages):
    assert {
        "index.md",
        "codes/index.md",
        "payers/index.md",
        "states/index.md",
        "diagnoses/index.md",
        "review.md",
        "downloads.md",
        "diagnoses/m54.md",
        "diagnoses/m47.md",
    } <= pages.keys()
    assert {
        "codes/64483.md",
        "codes/G3002.md",
        "payers/fixture-mac.md",
        "payers/fixture-commercial.md",
        "states/tx.md",
        "states/va.md",
    } <= pages.keys()


def test_code_page_compares_payers_and_details_each_rule(pages):
    page = pages["codes/62323.md"]
    assert page.startswith('---\ntitle: "62323: ') and "\n# 62323: " in page
    assert "[L00001](https://example.org/lcd)" in page  # policy IDs are links
    assert "50: never" in page and "4 per rolling 12 months per spinal region" in page
    assert "- [ ] Pain score before and after" in page  # documentation checklist
    assert "Edit this entry: `lcd_data/payers/fixture-mac.yaml` line" in page
    assert "Conflicting sources" in page and "Two summaries disagree" in page  # summary-1 is conflicting


def test_unverified_facts_carry_a_visible_badge(pages):
    assert 'lcdkb-unverified">unverified</span>' in pages["codes/64484.md"]  # its repeat criteria


def test_overdue_rules_get_a_warning_only_when_overdue():
    fresh = code_page(view_of(today=date(2026, 2, 1)), "64483")
    stale = code_page(view_of(today=date(2026, 6, 1)), "64483")
    assert "Overdue for review" not in fresh
    assert '!!! danger "Overdue for review"' in stale and "the review was due 2026-03-11" in stale


def test_text_from_the_data_is_escaped():
    view = view_of()
    rule = view.kb.rule("fixture-commercial", "G3002")
    hostile = dataclasses.replace(rule, facts={**rule.facts, "notes": "<script>alert(1)</script> | [x](javascript:y)"})
    view.kb.rules = [hostile if r is rule else r for r in view.kb.rules]
    page = payer_page(view, view.kb.payers["fixture-commercial"])
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\[x\\](javascript:y)" in page


def test_identical_contractor_rules_are_grouped(data_dir):
    mac = (data_dir / "payers" / "fixture-mac.yaml").read_text()
    twin = mac.replace("id: fixture-mac", "id: fixture-mac-l").replace("jurisdiction: JH", "jurisdiction: JL")
    (data_dir / "payers" / "fixture-mac-l.yaml").write_text(twin)
    page = code_page(view_of(data_dir), "64483")
    assert page.count("### ") == 1
    assert (
        "Applies to: [Fixture MAC, Jurisdiction H]" in page
        and "Fixture MAC, Jurisdiction H](../payers/fixture-mac-l.md)" in page
    )


def test_state_page_names_the_contractor_and_the_exception(pages):
    virginia = pages["states/va.md"]
    assert "Jurisdiction JM, Fixture Contractor M" in virginia
    assert "Part B claims from Arlington County go to Jurisdiction JL" in virginia


def test_review_page_counts_statuses():
    page = all_pages(view_of(today=date(2026, 3, 12)))["review.md"]
    assert '| <span class="lcdkb-badge lcdkb-overdue">overdue</span> | 2 |' in page  # 64483 and G3002 (60 days)


def test_pages_are_deterministic():
    assert all_pages(view_of()) == all_pages(view_of())


def test_state_page_shows_only_prior_auth_that_applies_in_that_state(data_dir):
    view = view_of(data_dir)
    from lcdkb.site.pages import state_page

    assert "Fixture program" in state_page(view, "TX")
    assert "Fixture program" not in state_page(view, "OK")  # the requirement lists TX only


def test_review_calendar_has_one_event_per_payer_and_due_date():
    from lcdkb.site.calendar import review_calendar

    ics = review_calendar(view_of().kb, "2026-02-01T00:00:00Z").decode("utf-8")
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert ics.count("BEGIN:VEVENT") == 3  # fixture-mac on 2026-03-11 and 2026-04-10, fixture-commercial
    assert "UID:fixture-mac-2026-03-11@lcdkb" in ics and "DTSTART;VALUE=DATE:20260311" in ics
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))


def test_a_missing_fact_reads_not_recorded_and_prior_auth_is_an_answer(pages):
    page = pages["codes/64484.md"]  # no modifiers or units recorded; prior authorization only in TX offices/ASCs
    row = next(line for line in page.splitlines() if line.startswith("| [Fixture Contractor H JH]"))
    assert row.count(" *Not recorded* |") == 2  # modifiers, units
    assert (
        "| **Office, ASC:** Depends: voluntary only in TX (Fixture program)<br>**Hospital outpatient:** Unknown" in row
    )
    facts_table = page[page.index("| Fact | Rule |") :]
    assert "| Modifiers | *Not recorded* |" in facts_table and "| Units | *Not recorded* |" in facts_table
    assert "(as of 2026-02-01)<br><small>Recorded: Voluntary (Fixture program); office, ASC; only TX" in facts_table


def test_a_state_page_leads_with_medicare_s_dated_answer(pages):
    texas = pages["states/tx.md"]
    lead = texas.index("## Medicare prior authorization here")
    assert lead < texas.index("## Payers with rules here")
    assert "with a date of service on 2026-02-01" in texas
    row = next(line for line in texas[lead:].splitlines() if line.startswith("| [62323]"))
    assert "Depends: voluntary prior authorization (Fixture program) from 2026&#45;01&#45;15" in row
    assert "per Fixture Contractor H JH" in row and row.endswith("| Unknown: confirm with the plan |")
    oklahoma = pages["states/ok.md"]  # the same contractor, but the program is Texas only
    row = next(line for line in oklahoma.splitlines() if line.startswith("| [62323]"))
    assert row.count("Unknown: confirm with the plan") == 3


def test_every_payer_index_cell_says_something(pages):
    rows = [line for line in pages["payers/index.md"].splitlines() if line.startswith("| [Fixture")]
    assert any("| Not a MAC |" in row for row in rows) and any("| JH |" in row for row in rows)
