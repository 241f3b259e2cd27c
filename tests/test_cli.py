"""The lcdkb command as people and CI use it: output, exit codes, options."""

import json
import os
import subprocess
import sys

from conftest import REPO, VALID
from lcdkb.cli import main

TODAY = ["--today", "2026-02-01"]


def run(*args, **env):
    return subprocess.run(
        [sys.executable, "-m", "lcdkb", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=REPO,
        check=False,
    )


def test_clean_data_exits_zero_with_summary(capsys):
    assert main(["validate", "--data", str(VALID), *TODAY]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "no problems" in err


def test_errors_exit_one_with_file_line_col(data_dir, capsys):
    payer = data_dir / "payers" / "fixture-commercial.yaml"
    payer.write_text(payer.read_text().replace("  - code: G3002", "  - code: G3020"))
    assert main(["validate", "--data", str(data_dir), *TODAY]) == 1
    out, _ = capsys.readouterr()
    line = out.strip()
    assert line.startswith(f"{payer}:17:11: LCD021 error: unknown code 'G3020'")
    assert "did you mean 'G3002'?" in line


def test_warnings_alone_exit_zero(data_dir, capsys):
    payer = data_dir / "payers" / "fixture-mac.yaml"
    payer.write_text(payer.read_text().replace('    effective_date: "2025-01-01"\n', "", 1))
    assert main(["validate", "--data", str(data_dir), *TODAY]) == 0
    assert "LCD034 warning" in capsys.readouterr().out


def test_json_format(data_dir, capsys):
    payer = data_dir / "payers" / "fixture-commercial.yaml"
    payer.write_text(payer.read_text().replace("review_interval_days: 60", "review_interval_days: 91"))
    assert main(["validate", "--data", str(data_dir), "--format", "json", *TODAY]) == 1
    problems = json.loads(capsys.readouterr().out)["result"]
    assert problems == [
        {
            "path": str(payer),
            "line": 7,
            "column": 23,
            "code": "LCD030",
            "severity": "error",
            "message": "review interval 91 days is outside 60-90",
            "hint": problems[0]["hint"],
        }
    ]


def test_paths_limit_the_report_but_references_still_resolve(data_dir, capsys):
    mac = data_dir / "payers" / "fixture-mac.yaml"
    commercial = data_dir / "payers" / "fixture-commercial.yaml"
    commercial.write_text(commercial.read_text().replace("review_interval_days: 60", "review_interval_days: 10"))
    assert main(["validate", "--data", str(data_dir), str(mac), *TODAY]) == 0
    assert main(["validate", "--data", str(data_dir), str(commercial), *TODAY]) == 1
    assert "LCD030" in capsys.readouterr().out


def test_list_checks_names_every_code(capsys):
    assert main(["validate", "--list-checks"]) == 0
    out = capsys.readouterr().out
    for code in ("LCD001", "LCD010", "LCD021", "LCD030", "LCD041"):
        assert code in out


def test_missing_data_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["validate", "--data", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_bad_option_is_a_usage_error():
    result = run("validate", "--format", "xml")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_env_variable_points_at_data_and_module_entry_point_works():
    result = run("validate", *TODAY, LCDKB_DATA=str(VALID))
    assert result.returncode == 0, result.stderr
    assert "no problems" in result.stderr


def test_broken_file_gives_no_traceback(data_dir):
    (data_dir / "payers" / "fixture-mac.yaml").write_bytes(b"\xff\xfe\x00p\x00a\x00y")
    result = run("validate", "--data", str(data_dir), *TODAY)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "LCD004" in result.stdout
