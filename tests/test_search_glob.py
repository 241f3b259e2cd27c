"""Pagefind reads only the pages it may index: the glob lcdkb passes leaves the skipped folders out."""

import json
import subprocess

from lcdkb.site.search_index import pagefind_command, pages_glob

PAGE = '<html lang="en"><body><main><div data-pagefind-body><h1>{title}</h1><p>{words}</p></div></main></body></html>'


def site(tmp_path, paths):
    for path in paths:
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(PAGE.format(title=path, words="facet radiofrequency " + path), encoding="utf-8")
    return tmp_path


def test_the_glob_names_every_folder_around_a_skipped_one(tmp_path):
    site(
        tmp_path,
        ["index.html", "codes/64483/index.html", "cheatsheets/payers/a/index.html", "cheatsheets/states/tx/index.html"],
    )
    glob = pages_glob(tmp_path, ("cheatsheets/states",))
    assert glob == "{*.html,cheatsheets/*.html,cheatsheets/payers/**/*.html,codes/**/*.html}"


def test_a_folder_name_a_glob_could_misread_means_every_page(tmp_path):
    site(tmp_path, ["index.html", "odd{name}/index.html", "cheatsheets/states/tx/index.html"])
    assert pages_glob(tmp_path, ("cheatsheets/states",)) == "**/*.html"


def test_pagefind_indexes_every_page_but_the_skipped_ones(tmp_path):
    root = site(
        tmp_path,
        ["index.html", "codes/64483/index.html", "cheatsheets/payers/a/index.html", "cheatsheets/states/tx/index.html"],
    )
    done = subprocess.run(pagefind_command(root), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    entry = json.loads((root / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert sum(language["page_count"] for language in entry["languages"].values()) == 3
