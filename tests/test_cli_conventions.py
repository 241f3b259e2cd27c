"""Command-line conventions: one versioned JSON envelope naming the data, results on standard output and
summaries and progress on standard error, --quiet and --verbose, and shell completion."""

import json
import shutil
import subprocess

import pytest

from conftest import FIXTURES, VALID
from lcdkb.bundle import data_digest
from lcdkb.cli import main

CMS_LISTING = FIXTURES / "cms" / "documents_slice.csv"
JSON_COMMANDS = {
    "validate": ["validate", "--today", "2026-02-01"],
    "lookup": ["lookup", "64483", "--payer", "fixture-mac"],
    "check": ["check", "--payer", "fixture-mac", "--code", "64483", "--dx", "M54.16", "--date", "2026-02-01"],
    "stale": ["stale", "--today", "2026-02-01"],
    "sources-check": ["sources", "check", "--listing", str(CMS_LISTING), "--today", "2026-02-01"],
}


@pytest.mark.parametrize("kind", sorted(JSON_COMMANDS))
def test_every_json_output_has_the_same_envelope(kind, capsys):
    main([*JSON_COMMANDS[kind], "--data", str(VALID), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert list(document)[:5] == ["format", "format_version", "lcdkb_version", "data", "result"]
    assert document["format"] == f"lcdkb.{kind}" and document["format_version"] == 1
    assert document["data"]["source"] == "folder" and document["data"]["digest"] == data_digest(VALID)


def test_a_desk_command_counts_data_warnings_in_one_line_unless_verbose(data_dir, capsys):
    mac = data_dir / "payers" / "fixture-mac.yaml"
    lines = mac.read_text().splitlines(keepends=True)
    lcd = next(i for i, line in enumerate(lines) if "id: L00001" in line)
    dated = next(i for i in range(lcd, len(lines)) if "effective_date:" in lines[i])
    mac.write_text("".join(lines[:dated] + lines[dated + 1 :]))  # an LCD without its date: a warning
    args = ["lookup", "64483", "--payer", "fixture-mac", "--data", str(data_dir)]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "1 warning(s) in the data" in err
    assert main([*args, "--verbose"]) == 0
    assert "LCD034 warning" in capsys.readouterr().err
    assert main([*args, "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_build_reports_each_stage_with_its_time_and_quiet_says_nothing(tmp_path, capsys):
    assert main(["build", "--data", str(VALID), "--out", str(tmp_path / "site")]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    stages = [line for line in err.splitlines() if line.startswith("lcdkb build: ")]
    assert [line.split(": ", 1)[1].split(" (")[0] for line in stages[:4]] == [
        "validated the data and built the model",
        "prepared and validated the api/v1 exports",
        "generated the pages",
        f"built {stages[3].split()[3]} pages with MkDocs",
    ]
    assert all(line.rstrip(")").endswith(" s") for line in stages[:4]) and " in " in stages[-1]
    assert main(["build", "--data", str(VALID), "--out", str(tmp_path / "site"), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_completion_is_valid_and_completes_commands_and_options(tmp_path, capsys):
    assert main(["completion", "bash"]) == 0
    script = tmp_path / "lcdkb.bash"
    script.write_text(capsys.readouterr().out)
    probe = (
        f"source {script}; COMP_WORDS=(lcdkb loo); COMP_CWORD=1; COMP_LINE='lcdkb loo'; "
        "COMP_POINT=${#COMP_LINE}; _shtab_lcdkb lcdkb loo lcdkb; echo ${COMPREPLY[@]}"
    )
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.split() == ["lookup"], done.stderr


def test_zsh_completion_names_every_command(capsys):
    assert main(["completion", "zsh"]) == 0
    script = capsys.readouterr().out
    for command in ("validate", "build", "export", "lookup", "check", "stale", "review", "diff", "coverage"):
        assert command in script
