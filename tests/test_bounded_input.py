"""Bounded work: every list, text and key in the data has a size limit, no input makes validation grow faster
than linearly, and input over a limit gets a short located error that names the limit.

Timing tests compare the work at n and 4n items instead of asserting absolute times: linear work grows about
4x, quadratic work 16x; the bound is 8x plus a little slack for a busy machine.
"""

import json
import shutil
import subprocess
import sys
import time
from datetime import date

import pytest

from conftest import FIXTURE_TODAY, VALID
from lcdkb.checks import Report, all_checks
from lcdkb.checks.context import Context
from lcdkb.cli import main
from lcdkb.load import read_file
from lcdkb.paths import schema_dir
from lcdkb.schemas import SCHEMA_FILES, flatten, schema_text
from lcdkb.validate import validate

COVERED = 'covered: ["M54.16", "M47.812-M47.817"]'
NOTES = 'notes: Plain text with an ampersand & a "quote".'


def icd_codes(n: int) -> str:
    return ", ".join(f'"M{10 + i // 1000}.{i % 1000:03d}"' for i in range(n))


def with_mac(root, old: str, new: str):
    """A copy of the valid fixtures with one replacement in fixture-mac.yaml."""
    shutil.copytree(VALID, root)
    mac = root / "payers" / "fixture-mac.yaml"
    text = mac.read_text(encoding="utf-8")
    assert old in text
    mac.write_text(text.replace(old, new), encoding="utf-8")
    return root


def with_commercial(root, old: str, new: str):
    shutil.copytree(VALID, root)
    payer = root / "payers" / "fixture-commercial.yaml"
    text = payer.read_text(encoding="utf-8")
    assert old in text
    payer.write_text(text.replace(old, new), encoding="utf-8")
    return root


def cpu_seconds(work, repeat: int = 3) -> float:
    """The least CPU time of a few runs (CPU time, so other jobs on the machine matter less)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def assert_linear(work_at, n: int, slack: float = 0.3):
    small, large = cpu_seconds(lambda: work_at(n)), cpu_seconds(lambda: work_at(4 * n))
    assert large < 8 * small + slack, f"{n} items: {small:.3f}s, {4 * n} items: {large:.3f}s"


# --- every array, string and open mapping in the data schemas has a limit ---------------------------------------


def unbounded(schema, path="") -> list[str]:
    """Paths in a flattened schema to arrays without maxItems, strings without maxLength, open mappings without
    maxProperties and a propertyNames maxLength."""
    if isinstance(schema, list):
        return [p for i, item in enumerate(schema) for p in unbounded(item, f"{path}[{i}]")]
    if not isinstance(schema, dict):
        return []
    found = []
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "array" in kinds and "maxItems" not in schema:
        found.append(path + " (maxItems)")
    if "string" in kinds and "maxLength" not in schema and "enum" not in schema and "const" not in schema:
        found.append(path + " (maxLength)")
    if isinstance(schema.get("additionalProperties"), dict) and not (
        "maxProperties" in schema and "maxLength" in schema.get("propertyNames", {})
    ):
        found.append(path + " (maxProperties, propertyNames.maxLength)")
    for key, value in schema.items():
        if key not in ("enum", "const", "required"):
            found += unbounded(value, f"{path}/{key}")
    return found


@pytest.mark.parametrize("kind", sorted(SCHEMA_FILES))
def test_every_list_text_and_open_mapping_in_a_data_schema_is_bounded(kind):
    name = SCHEMA_FILES[kind]
    assert unbounded(flatten(json.loads(schema_text(name)), name)) == []


def test_the_limits_leave_room_for_the_real_data():
    """The limits are generous: the bundled data stays far below every one of them (checked by validation, here
    only restated for the largest real lists, which are 10x and more below their limits)."""
    payer = json.loads((schema_dir() / "payer.schema.json").read_text())
    assert payer["properties"]["rules"]["maxItems"] >= 200  # benchmarks/generate.py writes 200 per payer
    assert payer["$defs"]["diagnoses"]["properties"]["covered"]["maxItems"] >= 1000


# --- linear time -----------------------------------------------------------------------------------------------


def test_a_just_under_limit_diagnosis_list_validates_in_linear_time(tmp_path):
    def work_at(n):
        root = with_mac(tmp_path / f"valid-{n}-{time.perf_counter_ns()}", COVERED, f"covered: [{icd_codes(n)}]")
        assert validate(root, today=FIXTURE_TODAY).problems == []

    assert_linear(work_at, 500)  # 2,000 items is the limit


def test_a_list_of_mappings_is_explained_in_linear_time(tmp_path):
    """The reported case: jsonschema compared every pair of items for uniqueItems when they cannot be sorted
    (8 s for 4,000 mappings; now a fraction of a second)."""

    def work_at(n):
        items = ", ".join(f"{{code: M{i}}}" for i in range(n))
        root = with_mac(tmp_path / f"maps-{n}-{time.perf_counter_ns()}", COVERED, f"covered: [{items}]")
        problems = validate(root, today=FIXTURE_TODAY).problems
        assert {p.code for p in problems} == {"LCD010"}

    assert_linear(work_at, 500)


def test_a_just_under_limit_note_validates_in_linear_time(tmp_path):
    def work_at(n):
        note = ("plain words < in a note " * n)[:n].strip()  # '<' without '>' keeps the markup check busy
        root = with_commercial(tmp_path / f"note-{n}-{time.perf_counter_ns()}", NOTES, f"notes: {note}")
        assert validate(root, today=FIXTURE_TODAY).problems == []

    assert_linear(work_at, 1000)  # 4,000 characters is the limit


def test_checks_on_many_policies_run_in_linear_time(tmp_path):
    """LCD036 looked through every rule once per policy; reports looked up their line by scanning the mapping."""

    def work_at(n):
        root = tmp_path / f"policies-{n}-{time.perf_counter_ns()}"
        (root / "payers").mkdir(parents=True)
        policies = "".join(f"  p{i}:\n    title: T\n    sources: [S]\n    notes: x\n" for i in range(n))
        rules = "".join(
            f'  - {{code: "64483", policy: p{i}, notes: y, review: {{last_reviewed: "2026-01-10", reviewed_by: x}}}}\n'
            for i in range(n)
        )
        path = root / "payers" / "x.yaml"
        path.write_text(
            "payer: {id: x}\nreview_interval_days: 90\nsources: [{id: S}]\npolicies:\n" + policies + "rules:\n" + rules
        )
        data_file, _ = read_file(path, "payer", root)
        [check] = [c for c in all_checks() if c.code == "LCD036"]
        report = Report(check)
        check.run(Context(catalogues={}, payers=[data_file], today=date(2026, 2, 1)), report)
        assert len(report.problems) == n

    assert_linear(work_at, 1000)


# --- over the limit: a located error that names the limit -------------------------------------------------------


def validate_lines(root, capsys) -> list[str]:
    assert main(["validate", "--data", str(root)]) == 1
    return [line for line in capsys.readouterr().out.splitlines() if " error: " in line]


def test_a_list_over_its_limit_is_located_and_names_the_limit(tmp_path, capsys):
    root = with_mac(tmp_path / "data", COVERED, f"covered: [{icd_codes(2001)}]")
    [line] = validate_lines(root, capsys)
    assert "fixture-mac.yaml:48:16: LCD010 error: policies.esi.diagnoses.covered has 2,001 items" in line
    assert "the limit is 2,000" in line and "hint:" in line


def test_a_240_kb_note_is_refused_before_the_site_is_built(tmp_path, capsys):
    root = with_commercial(tmp_path / "data", NOTES, "notes: " + "word " * 48_000)
    assert main(["build", "--data", str(root), "--out", str(tmp_path / "site")]) == 1
    out = capsys.readouterr()
    assert "fixture-commercial.yaml:23:12: LCD010" in out.out + out.err
    assert "is 239,999 characters long; the limit is 4,000" in out.out + out.err
    assert not (tmp_path / "site").exists()


HOSTILE = {
    "5,000-digit number": ("review_interval_days: 60", "review_interval_days: " + "9" * 5000, "7:23: LCD005"),
    "400-digit float": ("min_minutes: 30", "min_minutes: " + "1" * 400 + ".5", "20:35: LCD005"),
    "exponent float": ("review_interval_days: 60", "review_interval_days: 1.0e309", "7:23: LCD010"),
    "1 MB key": ("  kind: commercial\n", "  kind: commercial\n  ? " + "k" * 2**20 + "\n  : x\n", "6:5: LCD005"),
    "list as key": ("  kind: commercial\n", "  kind: commercial\n  ? [a, b]\n  : x\n", "6:5: LCD003"),
    "mapping as key": ("  kind: commercial\n", "  kind: commercial\n  ? {a: b}\n  : x\n", "6:5: LCD003"),
    "long list as key": (
        "  kind: commercial\n",
        "  kind: commercial\n  ? [" + "abc, " * 100_000 + "]\n  : x\n",
        "6:5: LCD003",
    ),
    "99-character unknown field": (
        "  kind: commercial\n",
        "  kind: commercial\n  " + "k" * 99 + ": x\n",
        "6:3: LCD010",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_huge_numbers_and_keys_get_a_short_located_error(name, tmp_path, capsys):
    old, new, where = HOSTILE[name]
    root = with_commercial(tmp_path / "data", old, new)
    [line] = validate_lines(root, capsys)
    assert f"fixture-commercial.yaml:{where} error: " in line and "; hint: " in line
    assert len(line) < 400 and "Traceback" not in line and "Exceeds the limit" not in line
    assert "Node(" not in line and "inf" not in line.split("hint:")[0]


def test_an_over_limit_list_of_100000_mappings_is_bounded_in_a_child_process(tmp_path):
    items = ", ".join("{a: b}" for _ in range(100_000))
    root = with_mac(tmp_path / "data", COVERED, f"covered: [{items}]")
    result = subprocess.run(
        [sys.executable, "-m", "lcdkb", "validate", "--data", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "covered has 100,000 items; the limit is 2,000" in result.stdout
