"""Facts carry the dates of service they hold for: lookups, checks and the site answer for the date asked, a fact
dated outside it reads as not recorded, codes are billable only in their own period, and the validator keeps the
dates in order."""

import json
from datetime import date

from conftest import FIXTURE_TODAY, REPO, VALID
from lcdkb import answers, api
from lcdkb.cli import main
from lcdkb.site.facts import frequency
from lcdkb.validate import validate

REAL = ["--data", str(REPO / "lcd_data")]
DATED = "frequency: {max_sessions: 4, period: rolling-12-months, scope: spinal-region, min_days_between: 14, "


def with_dated_frequency(data_dir):
    mac = data_dir / "payers" / "fixture-mac.yaml"
    text = mac.read_text()
    assert DATED in text
    mac.write_text(text.replace(DATED, DATED + 'effective_from: "2025-03-01", effective_to: "2025-12-31", ', 1))
    return data_dir


def test_a_dated_fact_answers_only_inside_its_period(data_dir):
    kb = api.load(with_dated_frequency(data_dir))
    rule = kb.rule("fixture-mac", "64483")
    assert "frequency" in answers.rule_on(rule, date(2025, 6, 1)).facts
    for outside in ((2025, 2, 28), (2026, 1, 1)):
        assert "frequency" not in answers.rule_on(rule, date(*outside)).facts


def test_lookup_reads_a_fact_outside_its_period_as_not_recorded(data_dir, capsys):
    with_dated_frequency(data_dir)
    args = ["lookup", "64483", "--payer", "fixture-mac", "--data", str(data_dir), "-q", "--date"]
    assert main([*args, "2025-06-01"]) == 0
    assert "Frequency:     4 per rolling 12 months" in capsys.readouterr().out
    assert main([*args, "2026-01-15"]) == 0
    assert "Frequency:     Not recorded" in capsys.readouterr().out


def test_the_site_shows_the_period_of_a_dated_fact(data_dir):
    kb = api.load(with_dated_frequency(data_dir))
    assert "(from 2025&#45;03&#45;01 until 2025&#45;12&#45;31)" in frequency(kb.rule("fixture-mac", "64483"))


def test_g3002_is_billable_only_from_2023(capsys):
    def findings(day):
        main(
            [
                "check",
                "--code",
                "G3002",
                "--state",
                "TX",
                "--minutes",
                "40",
                "--date",
                day,
                "--format",
                "json",
                "-q",
                *REAL,
            ]
        )
        return [f for f in json.loads(capsys.readouterr().out)["result"]["findings"] if f["group"] == "coding"]

    [early] = findings("2022-12-15")
    assert early["severity"] == "error" and "G3002 can be billed only from 2023-01-01" in early["message"]
    assert early["sources"] and "govinfo.gov" in early["sources"][0]
    assert findings("2023-01-15") == []


def test_fact_and_code_dates_must_run_forwards(data_dir):
    mac = data_dir / "payers" / "fixture-mac.yaml"
    mac.write_text(
        mac.read_text().replace(DATED, DATED + 'effective_from: "2025-06-01", effective_to: "2025-01-01", ', 1)
    )
    [problem] = validate(data_dir, today=FIXTURE_TODAY).problems
    assert (
        problem.code == "LCD032"
        and "the frequency fact ends (2025-01-01) before it starts (2025-06-01)" in problem.message
    )
    assert validate(VALID, today=FIXTURE_TODAY).problems == []
