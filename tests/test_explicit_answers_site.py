"""Answers a biller can act on, on the real data: prior authorization is always an explicit, dated answer, no table
cell of a generated page is blank, state pages lead with Medicare's merged answer, and the export carries the same
answers."""

import csv
import html
import io
import json
import re
from datetime import date

import pytest

from conftest import REPO
from lcdkb import answers, api
from lcdkb.exports.render import render_export
from lcdkb.site.pages import all_pages
from lcdkb.site.rule_view import View

DAY = date(2026, 11, 28)
EPOCH = {"SOURCE_DATE_EPOCH": "1795824000"}  # 2026-11-28T00:00:00Z
_CELL_BORDER = re.compile(r"(?<!\\)\|")


@pytest.fixture(scope="module")
def kb():
    return api.load(REPO / "lcd_data")


@pytest.fixture(scope="module")
def pages(kb):
    return all_pages(View(kb, DAY))


@pytest.fixture(scope="module")
def export(kb):
    return render_export(kb, environ=EPOCH)


_HTML_TABLE = re.compile(r"<table>(.*?)</table>", re.S)
_HEADER_CELL = re.compile(r"<th>(.*?)</th>")
_ROW = re.compile(r"<tr[^>]*>(.*?)</tr>")
_CELL = re.compile(r'<td(?: data-label="[^"]*")?>(.*?)</td>')


def tables(page: str):
    """Every table of a page, Markdown or ready-made HTML (the generator writes each HTML row on one line), as
    (header, rows), each row a list of cells."""
    found, block = [], []
    for line in page.splitlines() + [""]:
        if line.startswith("|"):
            block.append([c.strip() for c in _CELL_BORDER.split(line.strip())[1:-1]])
        elif block:
            found.append((block[0], block[2:]))
            block = []
    for table in _HTML_TABLE.findall(page):
        head, body = table.split("</thead>")
        rows = [_CELL.findall(row) for row in _ROW.findall(body)]
        found.append((_HEADER_CELL.findall(head), rows))
    return found


def plain(cell: str) -> str:
    """A cell as the reader sees it: no tags or emphasis, entities and Markdown escapes resolved (the data's own
    asterisks are entities, so only our emphasis goes)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell).replace("*", "")).replace("\\", "").split())


def row_of(page: str, code: str) -> tuple[list[str], list[str]]:
    """The header and the first table row for ``code`` on a page."""
    for header, rows in tables(page):
        for row in rows:
            if plain(row[0]) == code:
                return header, row
    raise AssertionError(f"no row for {code}")


def test_no_table_cell_of_any_generated_page_is_blank_or_says_none_recorded(pages):
    checked = 0
    for path, page in pages.items():
        for header, rows in tables(page):
            assert all(plain(h) for h in header), (path, header)
            for row in rows:
                assert len(row) == len(header), (path, row)
                for name, cell in zip(header, row, strict=True):
                    assert plain(cell) or 'role="img" aria-label="' in cell, (path, name, row[0])  # or a chart
                    assert "none recorded" not in plain(cell).lower(), (path, name, row[0])
                    checked += 1
    assert checked > 10_000


SETTINGS = re.compile(r"^(Office|ASC|Hospital outpatient)(, (Office|ASC|Hospital outpatient))*: ")
ANSWER = ("Required", "Not required", "Depends: ", "Unknown: confirm with the plan")


def test_every_prior_auth_cell_is_an_explicit_answer_naming_its_settings(pages):
    seen = 0
    for path, page in pages.items():
        for header, rows in tables(page):
            for column in [i for i, name in enumerate(header) if name == "Prior auth"]:
                for row in rows:
                    lines = [plain(line) for line in row[column].split("<br>")]
                    named = [SETTINGS.match(line) for line in lines]
                    assert len(lines) == 1 or all(named), (path, row[0], lines)  # one answer, or one per line
                    for line, label in zip(lines, named, strict=True):
                        assert line[label.end() if label else 0 :].startswith(ANSWER), (path, row[0], line)
                        seen += 1
    assert seen > 500


def test_the_ohio_page_leads_with_the_national_opd_requirement_for_64635(pages):
    page = pages["states/oh.md"]
    assert page.index("## Medicare prior authorization here") < page.index("## Payers with rules here")
    assert page.index("## Payers with rules here") < page.index("## Medicare contractor rules at a glance")
    assert "with a date of service on 2026-11-28" in page
    header, row = row_of(page, "64635")  # the first 64635 row on the page: the merged Medicare answer
    assert header == ["Code", "What", "Office", "ASC", "Hospital outpatient"]
    office, asc, hospital = (plain(cell) for cell in row[2:])
    assert hospital.startswith("Required (OPD prior authorization) since 2023-07-01, per the national Medicare rules")
    assert "CGS J15: Unknown: confirm with the plan" in hospital  # the contractor's own part, named
    assert office.startswith("Not required, per the national Medicare rules") and asc.startswith("Not required")


def test_the_ohio_page_names_the_contractor_when_it_decides(pages):
    _, row = row_of(pages["states/oh.md"], "64483")  # WISeR: CGS J15 in Ohio; no national 64483 rule
    assert plain(row[2]).startswith("Depends: voluntary prior authorization (WISeR model)")
    assert "per CGS J15" in plain(row[2])


def test_a_state_without_the_requirement_gets_no_state_limited_answer(pages):
    _, row = row_of(pages["states/ky.md"], "64483")  # CGS J15 too, but WISeR is Ohio only
    assert [plain(cell) for cell in row[2:]] == ["Unknown: confirm with the plan"] * 3


def test_code_pages_group_the_states_by_their_medicare_answers(kb, pages):
    page = pages["codes/64635.md"]
    section = page[page.index("## Medicare prior authorization by state") : page.index("## Rules by payer")]
    [(header, rows)] = tables(section)
    assert header == ["Office", "ASC", "Hospital outpatient", "States"]
    assert len(rows) == 1  # the national rule decides everywhere
    assert plain(rows[0][2]).startswith("Required (OPD prior authorization) since 2023-07-01")
    linked = re.findall(r'<a href="\.\./\.\./states/([a-z]{2})/">([A-Z]{2})</a>', rows[0][3])
    assert sorted(code for _, code in linked) == sorted(kb.states)
    wiser = pages["codes/64483.md"]
    section = wiser[wiser.index("## Medicare prior authorization by state") : wiser.index("## Rules by payer")]
    ohio = next(row for row in tables(section)[0][1] if ">OH</a>" in row[3])
    assert "per CGS J15" in plain(ohio[0]) and ">KY</a>" not in ohio[3]


def test_the_full_rule_table_dates_its_answer_and_keeps_the_history(kb):
    rule_page = all_pages(View(kb, DAY))["payers/medicare-national.md"]
    block = rule_page[rule_page.index("{ #64495 }") :]
    line = next(line for line in block.splitlines() if line.startswith("<tr><td>Prior authorization"))
    cell = plain(line)
    assert "Hospital outpatient: Not required (OPD prior authorization) since 2024-08-05 (as of 2026-11-28)" in cell
    assert "Recorded: Required (OPD prior authorization); hospital outpatient; 2023-07-01 to 2024-08-04" in cell


def test_the_cheat_sheet_on_an_earlier_date_reads_required(kb):
    page = all_pages(View(kb, date(2024, 1, 15)))["payers/medicare-national.md"]
    header, row = row_of(page, "64495")
    cell = plain(row[header.index("Prior auth")])
    assert "Hospital outpatient: Required (OPD prior authorization) from 2023-07-01 until 2024-08-04" in cell


def test_64495_in_the_export_reads_not_required_in_hospital_outpatient_now_and_required_in_january_2024(kb, export):
    all_doc = json.loads(export["all.json"])
    assert all_doc["status_as_of"] == "2026-11-28" and all_doc["schema_version"] == "1.2.0"
    record = next(r for r in all_doc["rules"] if r["id"] == "medicare-national/64495")
    hospital = record["prior_auth_answers"]["hospital-outpatient"]
    assert (hospital["status"], hospital["crd_code"]) == ("not-required", "no-auth")
    assert hospital["text"].startswith("Not required") and hospital["sources"] == ["cms-opd-prior-auth"]
    assert {a["status"] for a in record["prior_auth_answers"].values()} == {"not-required"}
    then = answers.prior_auth(kb.rule("medicare-national", "64495"), "hospital-outpatient", date(2024, 1, 15))
    assert (then.status, answers.CRD_CODES[then.status]) == ("required", "auth-needed")
    assert then.text.startswith("Required (OPD prior authorization)")
    rows = list(csv.DictReader(io.StringIO(export["rules.csv"].decode("utf-8-sig"), newline="")))
    row = next(r for r in rows if r["rule_id"] == "medicare-national/64495")
    assert row["prior_auth_hospital_outpatient"] == hospital["text"]
    assert all(r[c] for r in rows for c in ("prior_auth_office", "prior_auth_asc", "prior_auth_hospital_outpatient"))


def test_every_exported_answer_agrees_with_the_answers_module(kb, export):
    for record in json.loads(export["all.json"])["rules"]:
        rule = kb.rule(record["payer_id"], record["code"])
        for setting, answer in answers.by_setting(rule, DAY).items():
            assert record["prior_auth_answers"][setting]["text"] == answer.text, (record["id"], setting)
