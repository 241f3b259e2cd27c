"""lcdkb check: input handling (flags and CSV), data-driven same-region conflicts, output and exit codes."""

import json

from conftest import REPO, VALID
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


# --- unknown codes, payers and states are input problems (the bundled data) ---------------------------------------

REAL_HEADER = (
    "claim_id,date_of_service,payer_id,state,place_of_service,code,modifiers,units,diagnoses,minutes,prior_auth\n"
)


def test_unknown_code_payer_or_state_in_a_csv_is_an_input_problem_with_its_line(tmp_path, capsys):
    claims = tmp_path / "claims.csv"
    claims.write_text(
        REAL_HEADER
        + "A1,2026-12-01,medicare-jh,TX,11,64483,,1,M54.16,,yes\n"
        + "A2,2026-12-01,medicare-jh,TX,11,64438,,1,M54.16,,yes\n"
        + "A3,2026-12-01,medicare-zz,,11,64483,,1,M54.16,,yes\n"
        + "A4,2026-12-01,,TXX,11,64483,,1,M54.16,,yes\n"
        + "A5,2026-12-01,Novitas,,11,64483,,1,M54.16,,yes\n"
        + "A6,2026-12-01,medicare-jh,CA,11,64483,,1,M54.16,,yes\n"
        + "A7,2026-12-01,Novitas,TX,11,64483,,1,M54.16,,yes\n"
    )
    code = main(["check", "--claims", str(claims), "--data", str(REPO / "lcd_data"), "--format", "json", "-q"])
    data = json.loads(capsys.readouterr().out)["result"]
    problems = {p["line_no"]: p for p in data["input_problems"]}
    assert code == 2 and sorted(problems) == [4, 5, 6, 7]
    [typo] = [f for f in data["findings"] if f["claim_id"] == "A2"]  # a code lcdkb does not cover: a warning
    assert typo["severity"] == "warning" and typo["line_no"] == 3
    assert typo["message"].startswith("64438 is not among the codes lcdkb covers (did you mean 64493 or 64484 or")
    assert problems[4]["message"].startswith("unknown payer 'medicare-zz' (did you mean medicare-")
    assert problems[5]["message"] == "unknown state 'TXX' (did you mean TX?)"
    assert problems[6]["message"].startswith("'Novitas' could mean more than one payer: medicare-jh")
    assert problems[7]["message"].startswith("Novitas Solutions, Medicare Jurisdiction H does not apply in California")
    assert data["lines_checked"] == 2  # A1, and A7 ("Novitas" in Texas is JH)
    assert {f["claim_id"] for f in data["findings"]} <= {"A1", "A2", "A7"}
    assert not any("unknown" in f["message"] for f in data["findings"])


def test_unknown_names_in_flags_are_a_usage_error_with_close_matches(capsys):
    data = str(REPO / "lcd_data")
    assert main(["check", "--state", "TX", "--code", "64438", "--data", data]) == 2
    assert "lcdkb: error: unknown code '64438' (did you mean 64493 or 64484 or 64483?)" in capsys.readouterr().err
    assert main(["check", "--payer", "aetan", "--code", "64483", "--data", data]) == 2
    assert "unknown payer 'aetan' (did you mean aetna" in capsys.readouterr().err


# --- data warnings: one line, all of them with --verbose, none with --quiet ----------------------------------------


def test_check_counts_data_warnings_in_one_line_unless_verbose(data_dir, capsys):
    mac = data_dir / "payers" / "fixture-mac.yaml"
    lines = mac.read_text().splitlines(keepends=True)
    lcd = next(i for i, line in enumerate(lines) if "id: L00001" in line)
    dated = next(i for i in range(lcd, len(lines)) if "effective_date:" in lines[i])
    mac.write_text("".join(lines[:dated] + lines[dated + 1 :]))  # an LCD without its date: a data warning
    args = ["check", "--payer", "fixture-mac", "--code", "64483", "--dx", "M54.16", "--date", "2026-02-01"]
    args += ["--data", str(data_dir)]
    main(args)
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "lcdkb: 1 warning(s) in the data; 'lcdkb validate' lists them" and len(err) == 2
    assert err[1].startswith("1 line(s) checked")  # the summary
    main([*args, "--verbose"])
    assert "LCD034 warning" in capsys.readouterr().err
    main([*args, "--quiet"])
    out, err = capsys.readouterr()
    assert err == "" and "64483" in out  # the findings stay; only standard error is quiet
