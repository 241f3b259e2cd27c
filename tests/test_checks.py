"""Every check code has a fixture that passes (tests/fixtures/valid) and one that fails with exactly that code."""

from pathlib import Path

import pytest

from conftest import FIXTURE_TODAY, INVALID, VALID, overlay
from lcdkb.checks import all_checks
from lcdkb.validate import validate

CASES = sorted(p for p in INVALID.iterdir() if p.is_dir())


def test_valid_fixture_has_no_problems():
    result = validate(VALID, today=FIXTURE_TODAY)
    assert result.problems == []
    assert {f.kind for f in result.dataset.files} == {
        "codes",
        "jurisdictions",
        "states",
        "modifiers",
        "diagnoses",
        "payer",
    }


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_invalid_fixture_fails_with_exactly_its_code(case, data_dir):
    overlay(data_dir, case)
    expected = case.name.split("-", 1)[0]
    problems = validate(data_dir, today=FIXTURE_TODAY).problems
    assert {p.code for p in problems} == {expected}, [p.as_text() for p in problems]
    changed = {str(Path(data_dir, f.relative_to(case))) for f in case.rglob("*") if f.is_file()}
    for problem in problems:
        assert problem.line >= 1 and problem.column >= 1
        assert any(problem.path.endswith(str(Path(c).relative_to(data_dir))) for c in changed)


def test_every_check_code_has_a_failing_fixture():
    covered = {case.name.split("-", 1)[0] for case in CASES}
    assert {check.code for check in all_checks()} <= covered


def test_check_codes_are_unique_and_described():
    checks = all_checks()
    assert len({c.code for c in checks}) == len(checks)
    assert all(c.name and c.description and c.severity in ("error", "warning") for c in checks)


def test_problems_from_different_files_are_all_collected(data_dir):
    codes = data_dir / "catalog" / "codes.yaml"
    codes.write_text(codes.read_text().replace('code: "64483"', "code: 64483"))
    payer = data_dir / "payers" / "fixture-commercial.yaml"
    payer.write_text(payer.read_text().replace("review_interval_days: 60", "review_interval_days: 30"))
    problems = validate(data_dir, today=FIXTURE_TODAY).problems
    assert {(Path(p.path).name, p.code) for p in problems} == {
        ("codes.yaml", "LCD010"),
        ("fixture-commercial.yaml", "LCD030"),
    }


def test_missing_catalogue_is_reported(data_dir):
    (data_dir / "catalog" / "modifiers.yaml").unlink()
    problems = validate(data_dir, today=FIXTURE_TODAY).problems
    assert [(Path(p.path).name, p.code) for p in problems] == [("modifiers.yaml", "LCD006")]


def test_symlink_outside_the_data_folder_is_not_read(data_dir, tmp_path):
    outside = tmp_path / "secret.yaml"
    outside.write_text("payer: {id: secret}\n")
    (data_dir / "payers" / "secret.yaml").symlink_to(outside)
    problems = validate(data_dir, today=FIXTURE_TODAY).problems
    assert [(Path(p.path).name, p.code) for p in problems] == [("secret.yaml", "LCD006")]


def test_oversized_file_is_refused_without_parsing(data_dir, monkeypatch):
    import lcdkb.load

    monkeypatch.setattr(lcdkb.load, "MAX_FILE_BYTES", 100)
    problems = validate(data_dir, today=FIXTURE_TODAY).problems
    assert problems and {p.code for p in problems} == {"LCD005"}
    assert all("limit" in p.message for p in problems)


def test_misspelt_inherited_field_gets_a_suggestion(data_dir):
    overlay(data_dir, INVALID / "LCD010-misspelt-field")
    [problem] = validate(data_dir, today=FIXTURE_TODAY).problems
    assert problem.message == "unknown field 'frequncy' in policies.esi"
    assert problem.hint == "did you mean 'frequency'?"


def test_the_diagnosis_catalogue_is_optional(data_dir):
    (data_dir / "catalog" / "diagnoses.yaml").unlink()
    assert validate(data_dir, today=FIXTURE_TODAY).problems == []
