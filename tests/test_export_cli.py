"""lcdkb export: atomic replacement, refusal to clobber, bad data, and changes against a baseline."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lcdkb.cli import main

EPOCH = "1769904000"


@pytest.fixture(autouse=True)
def fixed_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def export(data_dir, out, *extra):
    return main(["export", "--data", str(data_dir), "--out", str(out), *extra])


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_export_writes_the_api_tree(data_dir, tmp_path):
    out = tmp_path / "api"
    assert export(data_dir, out) == 0
    names = snapshot(out)
    assert {
        "all.json",
        "rules.csv",
        "changes.json",
        "payers/fixture-mac.json",
        "codes/64483.json",
        "states/TX.json",
        "schema/export.schema.json",
        "schema/export-changes.schema.json",
    } <= names.keys()


def test_two_exports_of_the_same_data_are_byte_identical(data_dir, tmp_path):
    export(data_dir, tmp_path / "a")
    export(data_dir, tmp_path / "b")
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_bad_data_writes_nothing_and_keeps_the_previous_export(data_dir, tmp_path, capsys):
    out = tmp_path / "api"
    export(data_dir, out)
    before = snapshot(out)
    mac = data_dir / "payers" / "fixture-mac.yaml"
    mac.write_text(mac.read_text().replace("max_sessions: 4", "max_sessions: four"))
    assert export(data_dir, out) == 1
    err = capsys.readouterr().err
    assert "fixture-mac.yaml:" in err and "LCD010" in err and "nothing written" in err
    assert snapshot(out) == before


def test_a_crash_while_writing_keeps_the_previous_export(data_dir, tmp_path, monkeypatch):
    out = tmp_path / "api"
    export(data_dir, out)
    before = snapshot(out)
    mac = data_dir / "payers" / "fixture-mac.yaml"
    mac.write_text(mac.read_text().replace("max_sessions: 4", "max_sessions: 5"))
    written = []
    real_write = Path.write_bytes

    def failing_write(self, content):
        written.append(self)
        if len(written) == 10:
            raise OSError(28, "No space left on device")
        return real_write(self, content)

    monkeypatch.setattr(Path, "write_bytes", failing_write)
    assert export(data_dir, out) == 2
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["api", "data"]  # no staging folder left behind


def test_refuses_to_replace_a_folder_it_did_not_make(data_dir, tmp_path, capsys):
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    assert export(data_dir, precious) == 2
    assert "not made by lcdkb" in capsys.readouterr().err
    assert (precious / "thesis.txt").read_text() == "years of work"


def test_changes_against_a_previous_export(data_dir, tmp_path):
    export(data_dir, tmp_path / "old")
    mac = data_dir / "payers" / "fixture-mac.yaml"
    text = mac.read_text().replace("max_sessions: 4", "max_sessions: 3")
    text = text[: text.index('  - code: "64484"')]  # drop the 64484 rule
    mac.write_text(text)
    assert export(data_dir, tmp_path / "new", "--since", str(tmp_path / "old")) == 0
    changes = json.loads((tmp_path / "new" / "changes.json").read_text())
    assert changes["baseline"]["kind"] == "export"
    assert [c["id"] for c in changes["changed"]] == ["fixture-mac/62323", "fixture-mac/64483"]
    assert changes["changed"][0]["fields"] == ["frequency"]
    assert [c["id"] for c in changes["removed"]] == ["fixture-mac/64484"] and changes["added"] == []


def test_without_a_baseline_every_rule_is_added(data_dir, tmp_path):
    export(data_dir, tmp_path / "api")
    changes = json.loads((tmp_path / "api" / "changes.json").read_text())
    assert changes["baseline"] is None and len(changes["added"]) == 4


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_changes_against_a_git_revision(data_dir, tmp_path):
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(git + ["init", "-q", str(tmp_path)], check=True)
    subprocess.run(git + ["-C", str(tmp_path), "add", "data"], check=True)
    subprocess.run(git + ["-C", str(tmp_path), "commit", "-qm", "data"], check=True)
    mac = data_dir / "payers" / "fixture-mac.yaml"
    mac.write_text(mac.read_text().replace("min_days_between: 14", "min_days_between: 21"))
    assert export(data_dir, tmp_path / "api", "--since", "HEAD") == 0
    changes = json.loads((tmp_path / "api" / "changes.json").read_text())
    assert changes["baseline"]["kind"] == "git"
    assert {c["id"] for c in changes["changed"]} == {"fixture-mac/62323", "fixture-mac/64483", "fixture-mac/64484"}


def test_an_unknown_baseline_is_a_usage_error(data_dir, tmp_path, capsys):
    assert export(data_dir, tmp_path / "api", "--since", "no-such-thing") == 2
    assert "neither an export file nor a git revision" in capsys.readouterr().err
