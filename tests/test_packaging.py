"""The built wheel works anywhere: installed into a fresh venv and run from a folder outside the checkout, every
subcommand and the Python API work on the dated data snapshot the wheel carries."""

import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import REPO

SNAPSHOT_EPOCH = "1764806400"  # 2025-12-04: the build date becomes the snapshot's date


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            "--wheel-dir",
            str(out),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        env={**_env(), "SOURCE_DATE_EPOCH": SNAPSHOT_EPOCH},
        check=False,
    )
    assert built.returncode == 0, built.stderr
    [path] = out.glob("lcdkb-*.whl")
    return path


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv holding only the wheel; its dependencies come from this environment through a path line
    (so no network is needed, and this environment's editable lcdkb is not what runs)."""
    venv = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    return venv


def _env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if k not in ("LCDKB_DATA", "PYTHONPATH")}


def run(venv: Path, *args, cwd: Path):
    return subprocess.run(
        [str(venv / "bin" / "lcdkb"), *args], capture_output=True, text=True, cwd=cwd, env=_env(), check=False
    )


def test_the_wheel_carries_data_schemas_and_site_sources(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "lcdkb/_bundle/snapshot.json",
        "lcdkb/_bundle/lcd_data/catalog/codes.yaml",
        "lcdkb/_bundle/lcd_data/payers/medicare-jh.yaml",
        "lcdkb/_bundle/site/mkdocs.yml",
        "lcdkb/_bundle/site/docs/stylesheets/lcdkb.css",
        "lcdkb/_bundle/site/docs/javascripts/search.js",
        "lcdkb/_bundle/site/overrides/main.html",
        "lcdkb/_bundle/site/overrides/partials/lcdkb-search.html",
        "lcdkb/schema/payer.schema.json",
        "lcdkb/claims/engine.py",
        "lcdkb/ama_phrases.txt",
        "lcdkb/py.typed",
    ):
        assert needed in names, needed
    assert any(n.endswith("/licenses/LICENSE") for n in names)
    manifest = json.loads(zipfile.ZipFile(wheel).read("lcdkb/_bundle/snapshot.json"))
    assert manifest["date"] == "2025-12-04" and len(manifest["digest"]) == 64


def test_every_subcommand_works_outside_the_checkout(installed, tmp_path):
    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import lcdkb; print(lcdkb.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert str(installed) in where.stdout
    version = run(installed, "--version", cwd=tmp_path)
    assert version.returncode == 0 and "bundled snapshot of 2025-12-04, sha256 " in version.stdout
    validate = run(installed, "validate", cwd=tmp_path)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    lookup = run(installed, "lookup", "64483", "--state", "TX", cwd=tmp_path)
    assert lookup.returncode == 0 and "Novitas" in lookup.stdout, lookup.stderr
    check = run(installed, "check", "--code", "64483", "--state", "TX", "--dx", "M54.16", cwd=tmp_path)
    assert check.returncode in (0, 1) and "line(s) checked" in check.stderr, check.stderr
    for args in (["stale", "--fail-on", "never"], ["coverage"], ["lookup", "--list-payers"]):
        result = run(installed, *args, cwd=tmp_path)
        assert result.returncode == 0 and result.stdout, (args, result.stderr)
    export = run(installed, "export", "--out", str(tmp_path / "api"), cwd=tmp_path)
    assert export.returncode == 0 and (tmp_path / "api" / "all.json").is_file(), export.stderr
    diff = run(installed, "diff", cwd=tmp_path)
    assert diff.returncode == 2 and "not in a git repository" in diff.stderr and "Traceback" not in diff.stderr


def test_the_site_builds_from_the_bundled_sources(installed, tmp_path):
    build = run(installed, "build", "--out", str(tmp_path / "site"), cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    site = tmp_path / "site"
    assert (site / "index.html").is_file() and (site / "api" / "v1" / "all.json").is_file()
    # The theme override came along: the page carries the search box, and Pagefind (from the site extra) indexed it.
    assert 'id="lcdkb-search-input"' in (site / "index.html").read_text(encoding="utf-8")
    assert (site / "pagefind" / "pagefind.js").is_file() and (site / "search" / "aliases.json").is_file()


def test_the_python_api_loads_the_bundled_snapshot(installed, tmp_path):
    code = "from lcdkb import api; kb = api.load(); print(len(kb.payers), len(kb.rules_for_state('TX', '64483')))"
    result = subprocess.run(
        [str(installed / "bin" / "python"), "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    payers, rules = map(int, result.stdout.split())
    assert payers >= 18 and rules >= 1


def test_review_mark_works_on_a_copy_outside_the_checkout(installed, tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(REPO / "lcd_data", data)
    marked = run(installed, "review", "mark", "aetna", "--by", "Pat Reviewer", "--data", str(data), cwd=tmp_path)
    assert marked.returncode == 0, marked.stderr
    assert "reviewed_by: Pat Reviewer" in (data / "payers" / "aetna.yaml").read_text()
