"""The published pre-commit hook validates the whole data folder, so a staged catalogue edit that breaks
another (unstaged, unchanged) file fails the commit. Run through `pre-commit try-repo` in a scratch repository,
as another project would use it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, VALID

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]


def pre_commit(*args, cwd: Path):
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args], capture_output=True, text=True, cwd=cwd, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(VALID, root / "lcd_data")
    subprocess.run(GIT + ["init", "-q", str(root)], check=True)
    subprocess.run(GIT + ["-C", str(root), "add", "."], check=True)
    subprocess.run(GIT + ["-C", str(root), "commit", "-qm", "data"], check=True)
    return root


def test_a_catalogue_edit_that_breaks_another_file_fails_the_hook(scratch):
    codes = scratch / "lcd_data" / "catalog" / "codes.yaml"
    clean = pre_commit("try-repo", str(REPO), "lcdkb-validate", "--all-files", cwd=scratch)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    original = codes.read_text()
    try:
        codes.write_text(original.replace('code: "64484"', 'code: "64499"'))
        subprocess.run(GIT + ["-C", str(scratch), "add", str(codes)], check=True)
        staged = pre_commit("try-repo", str(REPO), "lcdkb-validate", cwd=scratch)
        assert staged.returncode == 1
        assert "payers/fixture-mac.yaml" in staged.stdout and "LCD021" in staged.stdout, staged.stdout
    finally:
        codes.write_text(original)
        subprocess.run(GIT + ["-C", str(scratch), "add", str(codes)], check=True)
