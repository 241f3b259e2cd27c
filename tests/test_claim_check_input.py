"""lcdkb check: input handling (flags and CSV), data-driven same-region conflicts, output and exit codes."""

import json

from conftest import VALID
from lcdkb.claims.lines import read_csv
from lcdkb.cli import main

HEADER = "claim_id,date_of_service,payer_id,state,place_of_service,code,modifiers,units,diagnoses,minutes\n"


def test_csv_bad_rows_are_reported_by_line_and_the_rest_are_checked(tmp_path, capsys):
    claims = tmp_path / "claims.csv"
    claims.write_text(
        HEADER
        + "c1,2026-02-01,fixture-mac,,11,62323,50,1,M54.16,\n"
        + "c2,2026-02-30,fixture-mac,,11,64483,,1,M54.16,\n"
        + "c3,2026-02-01,fixture-mac,,11,64483,,two,M54.16,\n"
        + "c4,2026-02-01,fixture-mac,,11,64483,,1,M54.16,,extra\n"
        + "c5,2026-02-01,fixture-mac,,11,64483,,1,M54.16,\n"
    )
    assert main(["check", "--claims", str(claims), "--data", str(VALID)]) == 2  # 2: the input has problems
    out, err = capsys.readouterr()
    assert 'input line 3: date_of_service "2026-02-30" is not a date' in out
    assert 'input line 4: units "two" must be a whole number' in out
    assert "input line 5: more values than columns" in out
    assert "modifier 50 is not allowed on 62323" in out
    assert "2 line(s) checked" in err and "line(s) checked" not in out  # the summary goes to standard error


def test_header_without_required_columns():
    result = read_csv("claim,code\nc1,64483\n")
    assert result.lines == [] and "the header lacks claim_id, date_of_service" in result.problems[0].message


def test_same_region_conflict_from_the_data(capsys):
    # The fixture payer records 62323 as not billable with 64483 in the same region.
    code = main(
        [
            "check",
            "--payer",
            "fixture-mac",
            "--code",
            "62323",
            "--code",
            "64483",
            "--dx",
            "M54.16",
            "--date",
            "2026-02-01",
            "--data",
            str(VALID),
            "--format",
            "json",
        ]
    )
    data = json.loads(capsys.readouterr().out)["result"]
    bundled = [f for f in data["findings"] if f["group"] == "bundled"]
    assert code == 0 and bundled and bundled[0]["severity"] == "warning"  # the fixture source is conflicting
    assert bundled[0]["rule_id"] == "fixture-mac/62323" and bundled[0]["confidence"] == "conflicting"


def test_flags_need_a_payer_or_state(capsys):
    assert main(["check", "--code", "64483", "--data", str(VALID)]) == 2
    assert "give payer_id or state" in capsys.readouterr().err


def test_unreadable_claims_file(tmp_path, capsys):
    assert main(["check", "--claims", str(tmp_path / "missing.csv"), "--data", str(VALID)]) == 2
    assert "cannot read" in capsys.readouterr().err
