"""lcdkb build: one real mkdocs build --strict of the fixture data, and what happens when things go wrong."""

import json
import re

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
    # Pagefind's index, not MkDocs' lunr index; and the near-miss table the search box reads.
    assert (built / "pagefind" / "pagefind.js").is_file() and list((built / "pagefind" / "index").glob("*.pf_index"))
    assert not (built / "search" / "search_index.json").exists()
    assert "64483" in json.loads((built / "search" / "aliases.json").read_text())["identifiers"]
    assert json.loads((built / "api" / "v1" / "all.json").read_text())["schema_version"] == "1.2.0"


def test_only_the_article_is_indexed_and_pages_carry_their_keywords(built):
    html = (built / "payers" / "fixture-mac" / "index.html").read_text(encoding="utf-8")
    assert html.count("data-pagefind-body") == 1
    body = html.index("data-pagefind-body")
    assert html.index('class="md-content__inner md-typeset"') < body < html.index("</article>")
    assert 'id="lcdkb-search-input"' in html[: html.index("</header>")]
    keywords = re.search(
        r'<meta name="lcdkb-search-keywords" data-pagefind-meta="keywords\[content\]" content="([^"]*)"', html
    )
    assert keywords and "TX" in keywords[1].split(" · "), keywords


def test_exports_are_written_into_the_site_not_copied_from_the_markdown(built):
    """The Markdown folder holds empty stand-ins (excluded from MkDocs); the site holds the real files."""
    for path in (built / "api" / "v1").rglob("*"):
        assert not path.is_file() or path.stat().st_size > 0, path
    downloads = (built / "downloads" / "index.html").read_text(encoding="utf-8")
    assert 'href="../api/v1/all.json"' in downloads
    assert (built / "reviews.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")


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
    shutil.copytree(REPO / "overrides", repo / "overrides")
    shutil.copy(REPO / "mkdocs.yml", repo / "mkdocs.yml")
    (repo / "docs" / "broken.md").write_text(f"# Broken\n\nSee {dead}.\n")
    out = tmp_path / "site"
    with pytest.raises(BuildError, match="no-such"):
        build_site(api.load(VALID), out, repo=repo, environ={"SOURCE_DATE_EPOCH": "1769904000"})
    assert not out.exists()


def test_a_link_to_a_missing_export_still_fails_the_build(tmp_path):
    """The exports' stand-ins are excluded from MkDocs, but a link to an export that does not exist is still dead."""
    import shutil

    from lcdkb import api
    from lcdkb.site.build import BuildError, build_site

    repo = tmp_path / "repo"
    shutil.copytree(REPO / "docs", repo / "docs")
    shutil.copytree(REPO / "overrides", repo / "overrides")
    shutil.copy(REPO / "mkdocs.yml", repo / "mkdocs.yml")
    (repo / "docs" / "broken.md").write_text("# Broken\n\n[ok](api/v1/all.json) and [gone](api/v1/no-such.json).\n")
    with pytest.raises(BuildError, match=r"no-such\.json"):
        build_site(api.load(VALID), tmp_path / "site", repo=repo, environ={"SOURCE_DATE_EPOCH": "1769904000"})


def test_the_search_index_is_deterministic(tmp_path):
    """Two builds of the same data on the same date give the same Pagefind index and near-miss table, byte for byte."""
    from lcdkb import api
    from lcdkb.site.build import build_site

    environ = {"SOURCE_DATE_EPOCH": "1769904000"}
    trees = []
    for name in ("one", "two"):
        build_site(api.load(VALID), tmp_path / name, environ=environ)
        root = tmp_path / name
        trees.append(
            {
                p.relative_to(root).as_posix(): p.read_bytes()
                for folder in ("pagefind", "search")
                for p in sorted((root / folder).rglob("*"))
                if p.is_file()
            }
        )
    assert trees[0] == trees[1] and any(name.startswith("pagefind/index/") for name in trees[0])
