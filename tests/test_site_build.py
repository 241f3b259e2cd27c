"""lcdkb build: one real mkdocs build --strict of the fixture data, and what happens when things go wrong."""

import json

import pytest

from conftest import REPO, VALID
from lcdkb.cli import main


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from conftest import VALID

    out = tmp_path_factory.mktemp("build") / "site"
    assert main(["build", "--data", str(VALID), "--out", str(out)]) == 0
    return out


def test_build_writes_pages_search_index_and_exports(built):
    assert (built / "index.html").is_file()
    assert (built / "codes" / "64483" / "index.html").is_file()
    assert (built / "payers" / "fixture-mac" / "index.html").is_file()
    assert (built / "states" / "tx" / "index.html").is_file()
    index = json.loads((built / "search" / "search_index.json").read_text())
    assert any(doc["location"].startswith("codes/64483/") for doc in index["docs"])
    assert json.loads((built / "api" / "v1" / "all.json").read_text())["schema_version"] == "1.1.0"


def test_pages_make_no_external_references(built):
    for page in built.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in html and "unpkg.com" not in html and "cdn.jsdelivr" not in html, page


def test_a_failed_build_keeps_the_previous_site(built, data_dir, capsys):
    before = sorted(p.relative_to(built) for p in built.rglob("*"))
    mac = data_dir / "payers" / "fixture-mac.yaml"
    mac.write_text(mac.read_text().replace('code: "64483"', 'code: "64483X"'))
    assert main(["build", "--data", str(data_dir), "--out", str(built)]) == 1
    assert "nothing written" in capsys.readouterr().err
    assert sorted(p.relative_to(built) for p in built.rglob("*")) == before


def test_build_refuses_a_folder_it_did_not_make(data_dir, tmp_path, capsys):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    assert main(["build", "--data", str(data_dir), "--out", str(tmp_path / "notes")]) == 2
    assert (tmp_path / "notes" / "keep.txt").read_text() == "mine"


def test_the_default_relative_output_folder_gets_the_site(tmp_path, monkeypatch):
    from conftest import VALID

    monkeypatch.chdir(tmp_path)
    assert main(["build", "--data", str(VALID)]) == 0  # default --out site, relative to here
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "api" / "v1" / "all.json").is_file()
    assert (tmp_path / "site" / "reviews.ics").is_file()


@pytest.mark.parametrize("dead", ["[gone](no-such-page.md)", "[gone](consumers.md#no-such-section)"])
def test_a_dead_link_or_anchor_fails_the_strict_build_and_keeps_the_previous_site(tmp_path, dead):
    """MkDocs' warnings are counted (no --quiet): a link to a missing page or heading stops the build."""
    import shutil

    from lcdkb import api
    from lcdkb.site.build import BuildError, build_site

    repo = tmp_path / "repo"
    shutil.copytree(REPO / "docs", repo / "docs")
    shutil.copy(REPO / "mkdocs.yml", repo / "mkdocs.yml")
    (repo / "docs" / "broken.md").write_text(f"# Broken\n\nSee {dead}.\n")
    out = tmp_path / "site"
    with pytest.raises(BuildError, match="no-such"):
        build_site(api.load(VALID), out, repo=repo, environ={"SOURCE_DATE_EPOCH": "1769904000"})
    assert not out.exists()
