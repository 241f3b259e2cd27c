"""lcdkb diff: field-level rule changes between git revisions, in words and JSON."""

import json
import shutil
import subprocess

import pytest

from lcdkb.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]


@pytest.fixture
def repo(data_dir, tmp_path):
    subprocess.run(GIT + ["init", "-q", str(tmp_path)], check=True)
    subprocess.run(GIT + ["-C", str(tmp_path), "add", "data"], check=True)
    subprocess.run(GIT + ["-C", str(tmp_path), "commit", "-qm", "first"], check=True)
    mac = data_dir / "payers" / "fixture-mac.yaml"
    text = mac.read_text().replace("max_sessions: 4", "max_sessions: 3")
    text = text.replace('effective_date: "2025-02-01"', 'effective_date: "2026-01-01"')
    mac.write_text(text[: text.index('  - code: "64484"')])
    return data_dir


def test_working_tree_against_head_in_words(repo, capsys):
    assert main(["diff", "--data", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "Rules HEAD -> working tree: 0 added, 2 changed, 1 removed" in out
    assert "Fixture MAC, Jurisdiction H 62323:\n" in out
    assert "  frequency.max_sessions: 4 -> 3" in out
    assert "  sources[A00001].effective_date: 2025-02-01 -> 2026-01-01" in out
    assert "Fixture MAC, Jurisdiction H 64484: removed" in out


def test_two_revisions_as_json(repo, capsys):
    subprocess.run(GIT + ["-C", str(repo.parent), "commit", "-qam", "second"], check=True)
    assert main(["diff", "HEAD~1", "HEAD", "--data", str(repo), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)["result"]
    assert (data["from"], data["to"]) == ("HEAD~1", "HEAD")
    kinds = {r["rule_id"]: r["kind"] for r in data["rules"]}
    assert kinds == {"fixture-mac/62323": "changed", "fixture-mac/64483": "changed", "fixture-mac/64484": "removed"}


def test_no_changes(repo, capsys):
    subprocess.run(GIT + ["-C", str(repo.parent), "commit", "-qam", "second"], check=True)
    assert main(["diff", "--data", str(repo)]) == 0
    assert "No rule changes between HEAD and working tree." in capsys.readouterr().out


def test_unknown_revision_is_a_usage_error(repo, capsys):
    assert main(["diff", "no-such-rev", "--data", str(repo)]) == 2
    assert "no-such-rev" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["diff", "export"])
def test_a_revision_can_never_become_a_git_option(repo, tmp_path, capsys, command):
    """`git archive --output=FILE` would truncate any file the user can write; a revision is never an option."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    for revision in (f"--output={victim}", "-o" + str(victim), f"--remote=file://{tmp_path}"):
        args = (
            ["diff", "--data", str(repo), "--", revision]
            if command == "diff"
            else ["export", "--data", str(repo), "--out", str(tmp_path / "api"), f"--since={revision}"]
        )
        assert main(args) == 2
        err = capsys.readouterr().err
        assert "cannot start with '-'" in err and "Traceback" not in err
        assert victim.read_text() == "precious\n"
    assert not (tmp_path / "api").exists()


def test_a_revision_with_control_characters_is_refused(repo, capsys):
    assert main(["diff", "HEAD\x1b[2J", "--data", str(repo)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b" in err


def test_a_committed_symlink_in_the_data_folder_is_a_clean_error(data_dir, tmp_path, capsys):
    subprocess.run(GIT + ["init", "-q", str(tmp_path)], check=True)
    (data_dir / "payers" / "link.yaml").symlink_to("/etc/passwd")
    subprocess.run(GIT + ["-C", str(tmp_path), "add", "data"], check=True)
    subprocess.run(GIT + ["-C", str(tmp_path), "commit", "-qm", "with a link"], check=True)
    assert main(["diff", "HEAD", "HEAD", "--data", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert "link or special file" in err and "payers/link.yaml" in err and "Traceback" not in err


def test_archive_paths_outside_the_folder_are_refused(tmp_path):
    import io
    import tarfile

    from lcdkb.exports.baseline import BaselineError, _safe_members

    for name in ("../escape.yaml", "/abs/escape.yaml", "data/../../escape.yaml"):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            info = tarfile.TarInfo(name)
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
        buffer.seek(0)
        with tarfile.open(fileobj=buffer) as tar, pytest.raises(BaselineError, match="outside its folder"):
            _safe_members(tar, "HEAD")
