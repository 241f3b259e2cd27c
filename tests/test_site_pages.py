"""The page generator on the fixture data: no MkDocs needed."""

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
    assert '<a href="https://example.org/lcd">L00001</a>' in page  # policy IDs are links
    assert "50: never" in page and "4 per rolling 12 months per spinal region" in page
    assert (  # the documentation checklist: each box labelled by its item
        '<label class="task-list-control"><input type="checkbox"> Pain score before and after</label>' in page
    )
    assert "Edit this entry: <code>lcd&#95;data/payers/fixture&#45;mac&#46;yaml</code> line" in page
    warning = page[page.index('!!! warning "Conflicting sources"') :]
    warning = warning[: warning.index("\n\n\n")]
    assert "On: Not in the same session" in warning and "Sources: summary&#45;1 (how: Source details)" in warning
    assert "Two summaries disagree" not in warning  # the research note sits under Source details
    details = page[page.index('<details class="lcdkb-source-details"') :]
    assert "Two summaries disagree on the level limit" in details[: details.index("</details>")]


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
    hostile = rule.replace(facts={**rule.facts, "notes": "<script>alert(1)</script> | [x](javascript:y)"})
    view.kb.rules = [hostile if r is rule else r for r in view.kb.rules]
    page = payer_page(view, view.kb.payers["fixture-commercial"])
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &#124; &#91;x&#93;(javascript:y)" in page


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
    assert '<a id="fixture-mac-l"></a>' in page  # the second contractor's own anchor
    row = next(line for line in page.splitlines() if line.startswith('<tr data-payers="'))
    assert row.startswith(
        '<tr data-payers="fixture-mac fixture-mac-l" data-kind="medicare-mac" data-states="DC OK TX VA">'
    )  # JL: DC and part of VA


def test_state_page_names_the_contractor_and_the_exception(pages):
    virginia = pages["states/va.md"]
    assert "Jurisdiction JM, Fixture Contractor M" in virginia
    assert "Part B claims from Arlington County go to Jurisdiction JL" in virginia


def test_review_page_counts_statuses():
    page = all_pages(view_of(today=date(2026, 3, 12)))["review.md"]
    assert '| <span class="lcdkb-badge lcdkb-overdue">overdue</span> | 2 |' in page  # 64483 and G3002 (60 days)
    waiting = [line for line in page.splitlines() if line.startswith("<tr data-payer=")]  # the filterable list
    assert [line[: line.index(">")] for line in waiting] == [
        '<tr data-payer="fixture-commercial" data-code="G3002"',  # due first (60 days)
        '<tr data-payer="fixture-mac" data-code="64483"',
    ]


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
    row = next(line for line in page.splitlines() if line.startswith("<tr data-payers="))
    assert row.count("><em>Not recorded</em></td>") == 2  # modifiers, units
    assert (
        '<td data-label="Prior auth"><strong>Office, ASC:</strong> Depends: voluntary only in TX (Fixture program)'
        "<br><strong>Hospital outpatient:</strong> Unknown" in row
    )
    facts_table = page[page.index("<th>Fact</th><th>Rule</th>") :]
    assert "<tr><td>Modifiers</td><td><em>Not recorded</em></td></tr>" in facts_table
    assert "<tr><td>Units</td><td><em>Not recorded</em></td></tr>" in facts_table
    assert "(as of 2026-02-01)<br><small>Recorded: Voluntary (Fixture program); office, ASC; only TX" in facts_table


def test_a_state_page_leads_with_medicare_s_dated_answer(pages):
    texas = pages["states/tx.md"]
    lead = texas.index("## Medicare prior authorization here")
    assert lead < texas.index("## Payers with rules here")
    assert "with a date of service on 2026-02-01" in texas
    row = next(line for line in texas[lead:].splitlines() if '<a href="../../codes/62323/">62323</a>' in line)
    assert "Depends: voluntary prior authorization (Fixture program) from 2026&#45;01&#45;15" in row
    assert "per Fixture Contractor H JH" in row
    assert row.endswith('<td data-label="Hospital outpatient">Unknown: confirm with the plan</td></tr>')
    oklahoma = pages["states/ok.md"]  # the same contractor, but the program is Texas only
    row = next(line for line in oklahoma.splitlines() if '<a href="../../codes/62323/">62323</a>' in line)
    assert row.count("Unknown: confirm with the plan") == 3


def test_research_notes_sit_in_collapsed_source_details_out_of_the_search_index(pages):
    page = pages["payers/fixture-mac.md"]
    rule = page[page.index("## Rules by code") :]
    sources = rule[rule.index("<p><strong>Sources</strong></p>") :]
    listed, details = sources.split('<details class="lcdkb-source-details" data-pagefind-ignore>', 1)
    assert '<a href="https://example.org/lcd">L00001</a>: Fixture LCD · LCD' in listed  # billing text stays visible
    assert "lcdkb-verified-primary" in listed and "checked 2026&#45;01&#45;10" in listed
    assert "Provenance not recorded" not in listed and "was read" not in listed
    assert details.startswith("<summary>Source details</summary>")
    assert "<strong>L00001:</strong>" in details.split("</details>")[0]


def test_html_links_point_where_the_built_site_serves_the_page():
    from lcdkb.site.markup import html_link, site_href

    assert site_href("../payers/aetna.md#64483") == "../../payers/aetna/#64483"  # from codes/64483/
    assert site_href("payers/aetna.md") == "../payers/aetna/"  # from review/
    assert site_href("../../codes/64483.md#aetna") == "../../../codes/64483/#aetna"  # from cheatsheets/payers/x/
    assert site_href("#medicare-jh") == "#medicare-jh"
    assert html_link("A <b>", "../codes/index.md") == '<a href="../../codes/">A &lt;b&gt;</a>'
    with pytest.raises(ValueError):
        html_link("x", "https://example.org")


def test_cheat_sheets_give_one_row_per_code_with_numbered_sources(pages):
    sheet = pages["cheatsheets/payers/fixture-mac.md"]
    rows = [line for line in sheet.splitlines() if line.startswith("<tr><td")]
    assert len(rows) == 3  # 62323, 64483, 64484
    header = sheet[sheet.index("<thead>") : sheet.index("</thead>")]
    assert [h.split("</th>")[0] for h in header.split("<th>")[1:]] == [
        "Code",
        "Policy",
        "Prior auth",
        "Modifiers",
        "Units / levels",
        "Frequency",
        "Key diagnoses",
        "Imaging",
        "Confidence",
        "Checked",
    ]
    first = next(row for row in rows if ">64483</a>" in row)
    assert '<td data-label="Policy">L00001 A00001 &#43;2<sup>1,2,3,4</sup></td>' in first  # two named, four cited
    assert '<ol class="lcdkb-footnotes"><li><strong>L00001</strong>: Fixture LCD' in sheet
    assert "[Printable cheat sheet](../cheatsheets/payers/fixture-mac.md)" in pages["payers/fixture-mac.md"]
    texas = pages["cheatsheets/states/tx.md"]
    assert "## Original Medicare: prior authorization" in texas and "## Fixture Contractor H JH" in texas
    assert "[Printable cheat sheet](../cheatsheets/states/tx.md)" in pages["states/tx.md"]
    assert "Fixture program" in texas and "Fixture program" not in pages["cheatsheets/states/ok.md"]


def test_code_pages_carry_the_picker_s_choices_as_escaped_data(pages):
    page = pages["codes/64483.md"]
    assert '<div class="lcdkb-picker" data-pagefind-ignore hidden>' in page
    assert '<option value="Texas (TX)" data-state="TX"></option>' in page
    assert '<label for="lcdkb-pick-state">Your state</label>' in page
    assert '<tr data-states="TX">' in page  # the by-state table's row for Texas, which the picker shows first


def test_every_payer_index_cell_says_something(pages):
    rows = [line for line in pages["payers/index.md"].splitlines() if line.startswith("| [Fixture")]
    assert any("| Not a MAC |" in row for row in rows) and any("| JH |" in row for row in rows)


def test_the_picker_script_never_writes_html():
    import re

    from conftest import REPO

    source = (REPO / "docs" / "javascripts" / "picker.js").read_text(encoding="utf-8")
    script = re.sub(r"^\s*//.*$", "", source, flags=re.M)  # the code, without its comments
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function(", "DOMParser"):
        assert sink not in script
    assert "textContent" in script and "dataset" in script


def test_a_big_state_sheet_is_split_by_code_ranges(monkeypatch):
    import re

    from lcdkb.site import cheatsheet

    code_row = '<tr><td data-label="Code">'
    whole = all_pages(view_of())["cheatsheets/states/tx.md"]
    monkeypatch.setattr(cheatsheet, "ROWS_PER_SHEET", 2)
    pages = all_pages(view_of())
    parts = ["cheatsheets/states/tx.md", "cheatsheets/states/tx-part-2.md"]
    assert sorted(path for path in pages if path.startswith("cheatsheets/states/tx")) == sorted(parts)
    rows = []
    for number, path in enumerate(parts, 1):
        page_rows = [line for line in pages[path].splitlines() if line.startswith(code_row) and "Policy" in line]
        assert len(page_rows) <= 2
        rows += page_rows
        assert f"# Cheat sheet: Texas (TX), part {number} of 2\n" in pages[path]
    every = [line for line in whole.splitlines() if line.startswith(code_row) and "Policy" in line]

    def unnumbered(lines):  # each part numbers its own footnotes
        return sorted(re.sub(r"<sup>[0-9,]+</sup>", "", line) for line in lines)

    assert unnumbered(rows) == unnumbered(every)  # nothing lost, nothing twice
    assert "Parts of this sheet: codes 62323 to 64483 · [codes 64484 to G3002](tx-part-2.md)" in pages[parts[0]]
    assert "Parts of this sheet: [codes 62323 to 64483](tx.md) · codes 64484 to G3002" in pages[parts[1]]


def test_a_code_with_very_many_payers_links_each_row_to_the_rule_on_its_payer_page(monkeypatch):
    from lcdkb.site import pages as site_pages

    view = view_of()
    inline = code_page(view, "64483")
    assert "1 payer has a rule for 64483" in inline
    assert "## Rules by payer" in inline and 'href="#fixture-mac"' in inline
    monkeypatch.setattr(site_pages, "MAX_INLINE_RULES", 0)
    compact = code_page(view, "64483")
    assert "## Rules by payer" not in compact and "lcdkb-source-details" not in compact
    assert 'href="../../payers/fixture-mac/#64483"' in compact  # the full rule, on the payer's page
    assert '<a id="fixture-mac"></a>' in compact  # links to codes/64483/#fixture-mac still land on its row
    assert "each full rule (sources, documentation checklist) is on its payer's page" in compact
