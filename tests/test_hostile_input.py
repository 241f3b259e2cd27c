"""Hostile and broken input: every case gives a located error and a non-zero exit, never a traceback or a hang,
and never touches an existing export or site.

The corpus is tests/fixtures/invalid/ (one folder per case, each failing with its own check code) plus the
loader traps in test_strict_yaml.py and the file-level cases below.
"""

import os
from pathlib import Path

import pytest

from conftest import INVALID, VALID, overlay, run_lcdkb_limited
from lcdkb.checks import all_checks
from lcdkb.cli import main

ERROR_CODES = {c.code for c in all_checks() if c.severity == "error"}
ERROR_CASES = sorted(p for p in INVALID.iterdir() if p.is_dir() and p.name.split("-")[0] in ERROR_CODES)


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def previous_export(tmp_path_factory):
    out = tmp_path_factory.mktemp("previous") / "api"
    assert main(["export", "--data", str(VALID), "--out", str(out)]) == 0
    return out


def test_the_corpus_is_large():
    assert len(ERROR_CASES) >= 40


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c.name for c in ERROR_CASES])
def test_bad_data_never_changes_the_previous_export(case, data_dir, previous_export, capsys):
    before = snapshot(previous_export)
    overlay(data_dir, case)
    code = main(["export", "--data", str(data_dir), "--out", str(previous_export)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert case.name.split("-")[0] in err and "Traceback" not in err
    assert snapshot(previous_export) == before


def run_bounded(args, cwd, seconds=60, memory_mb=1024):
    return run_lcdkb_limited(args, cwd, memory_mb, seconds)


def test_a_100_mb_file_is_refused_without_reading_it(data_dir, tmp_path):
    huge = data_dir / "payers" / "huge.yaml"
    with huge.open("wb") as handle:
        handle.truncate(100 * 2**20)
    result = run_bounded(["validate", "--data", str(data_dir)], tmp_path, memory_mb=512)
    assert result.returncode == 1 and "payers/huge.yaml:1:1: LCD005" in result.stdout
    assert "Traceback" not in result.stderr


def test_alias_bomb_in_a_data_file_is_bounded(data_dir, tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"] + [
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)
    ]
    (data_dir / "payers" / "bomb.yaml").write_text("\n".join(lines) + "\n")
    result = run_bounded(["validate", "--data", str(data_dir)], tmp_path, seconds=30, memory_mb=512)
    assert result.returncode == 1 and "bomb.yaml:1:5: LCD003" in result.stdout


def test_binary_bytes_are_an_encoding_error(data_dir, capsys):
    (data_dir / "payers" / "binary.yaml").write_bytes(bytes(range(256)) * 4)
    assert main(["validate", "--data", str(data_dir)]) == 1
    assert "binary.yaml:1:1: LCD004" in capsys.readouterr().out


def test_a_symlink_out_of_the_data_folder_is_refused(data_dir, tmp_path, capsys):
    secret = tmp_path / "secret.yaml"
    secret.write_text("payer: {id: x}\n")
    os.symlink(secret, data_dir / "payers" / "outside.yaml")
    assert main(["validate", "--data", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert "outside.yaml:1:1: LCD006" in out and "payer: {id: x}" not in out


def test_python_tag_in_a_data_file_never_runs(data_dir, tmp_path, capsys):
    marker = tmp_path / "ran"
    (data_dir / "payers" / "evil.yaml").write_text(f"payer: !!python/object/apply:os.system ['touch {marker}']\n")
    assert main(["validate", "--data", str(data_dir)]) == 1
    assert "evil.yaml:1:8: LCD003" in capsys.readouterr().out and not marker.exists()
