"""rules.csv: one row per rule, spreadsheet-safe."""

import csv
import io

import yaml

from export_helpers import doc, render


def rows(files):
    raw = files["rules.csv"]
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark: Excel reads the text as UTF-8
    text = raw[3:].decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_one_row_per_rule_in_rule_order():
    files = render()
    table = rows(files)
    assert [r["rule_id"] for r in table] == [r["id"] for r in doc(files, "all.json")["rules"]]


def test_structured_facts_are_flattened_predictably():
    row = next(r for r in rows(render()) if r["rule_id"] == "fixture-mac/62323")
    assert row["coverage"] == "covered"
    assert row["prior_auth"] == "voluntary: Fixture program [office, asc] [TX] 2026-01-15..2031-12-31"
    assert row["modifiers"] == "50 forbidden"
    assert (row["units_max"], row["units_per"], row["units_basis"]) == ("1", "date-of-service", "MUE")
    assert row["imaging_accepted"] == "fluoroscopy; ct" and row["imaging_required"] == "true"
    assert row["diagnoses_covered"] == "M54.16; M47.812-M47.817"
    assert row["not_same_session"] == "64483 (same-region)"
    assert row["source_links"].split("; ")[2] == "public code index file 12345"  # a source with a locator only
    assert row["states"] == "TX; OK" and row["last_reviewed"] == "2026-01-10"


def test_text_that_a_spreadsheet_would_run_as_a_formula_is_defused(data_dir):
    path = data_dir / "payers" / "fixture-commercial.yaml"
    data = yaml.safe_load(path.read_text())
    data["rules"][0]["notes"] = '=HYPERLINK("https://example.org")'
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    row = next(r for r in rows(render(data_dir)) if r["rule_id"] == "fixture-commercial/G3002")
    assert row["notes"].startswith("'=HYPERLINK")


def test_a_payer_without_states_reads_nationwide(data_dir):
    path = data_dir / "payers" / "fixture-commercial.yaml"
    path.write_text(path.read_text().replace("  states: [TX, VA]\n", ""))
    row = next(r for r in rows(render(data_dir)) if r["payer_id"] == "fixture-commercial")
    assert row["states"] == "nationwide"


def test_one_prior_auth_answer_column_per_desk_setting_never_blank():
    table = rows(render())
    columns = ["prior_auth_office", "prior_auth_asc", "prior_auth_hospital_outpatient"]
    assert all(row[c] for row in table for c in columns)
    row = next(r for r in table if r["rule_id"] == "fixture-mac/62323")
    assert row["prior_auth_office"].startswith("Depends: ") and "TX" in row["prior_auth_office"]
    assert row["prior_auth_hospital_outpatient"] == "Unknown: confirm with the plan"
    assert next(r for r in table if r["rule_id"] == "fixture-commercial/G3002")["prior_auth_asc"].startswith(
        "Not required"
    )


def test_unrecorded_facts_in_words_are_never_blank_on_the_real_data():
    from conftest import REPO
    from lcdkb import api
    from lcdkb.exports.render import render_export

    files = render_export(api.load(REPO / "lcd_data"), environ={"SOURCE_DATE_EPOCH": "1764806400"})
    table = rows(files)
    for column in (
        "coverage",
        "prior_auth",
        "modifiers",
        "diagnoses_covered",
        "prior_auth_office",
        "prior_auth_asc",
        "prior_auth_hospital_outpatient",
    ):
        assert all(row[column] for row in table), column
    assert any(row["prior_auth"] == "Not recorded" for row in table)
