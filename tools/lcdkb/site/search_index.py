"""The site search: page keywords into the generated pages' front matter, and a Pagefind index over the built site.

Pagefind (PyPI ``pagefind[bin]``, which ships its binary) reads the built HTML and writes ``pagefind/``: an index
split into small chunks, of which the browser downloads only those a query needs, plus ``pagefind.js``, which
docs/javascripts/search.js calls. The theme override (overrides/main.html) marks the article as the only part
of a page to index (``data-pagefind-body``) and writes each page's ``search_keywords`` into a ``<meta>`` that
Pagefind keeps as the searchable ``keywords`` field. The near-miss table (``search/aliases.json``) comes from
``search_terms``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from lcdkb.model import KnowledgeBase
from lcdkb.site.search_terms import ALIAS_FILE, alias_json, page_keywords

FRONT_MATTER_KEY = "search_keywords"
# Left out of the index: the permalink marks MkDocs adds to headings (their "¶" would end every title).
EXCLUDED_SELECTORS = ".headerlink"
# Generated pages left out of the search: the per-state cheat sheets repeat the payer cheat sheets state by state,
# and fifty near-copies would crowd every result list. The theme skips a page whose front matter says
# ``search: {exclude: true}`` (the same key Material's own search used).
UNSEARCHED_PREFIXES = ("cheatsheets/states/",)
_GLOB_SAFE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
PAGEFIND_TIMEOUT = 1800  # seconds; indexing 10,000 rules takes well under a minute


class SearchIndexError(Exception):
    pass


def with_keywords(pages: dict[str, str], kb: KnowledgeBase) -> dict[str, str]:
    """``pages`` with each known page's keywords merged into its YAML front matter (parsed with safe_load and
    written again with safe_dump, so a keyword is data whatever characters it holds)."""
    keywords = page_keywords(kb)
    merged = {}
    for path, text in pages.items():
        if path.startswith(UNSEARCHED_PREFIXES):
            merged[path] = _merged(text, {"search": {"exclude": True}})
        elif keywords.get(path):
            merged[path] = _merged(text, {FRONT_MATTER_KEY: [str(word) for word in keywords[path]]})
        else:
            merged[path] = text
    return merged


def _merged(page: str, extra: dict) -> str:
    meta: dict = {}
    body = page
    if page.startswith("---\n"):
        end = page.find("\n---\n", 3)
        if end != -1:
            meta = yaml.safe_load(page[4:end]) or {}
            body = page[end + 5 :]
    if not isinstance(meta, dict):
        raise SearchIndexError("a generated page's front matter is not a mapping")
    meta.update(extra)
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1 << 20)
    return f"---\n{front}---\n{body}"


def require_pagefind() -> None:
    if importlib.util.find_spec("pagefind_bin") is None and importlib.util.find_spec("pagefind") is None:
        raise SearchIndexError("lcdkb build needs Pagefind for the site search: pip install 'lcdkb[site]'")


def pagefind_command(site: Path) -> list[str]:
    """The Pagefind run over ``site``, as an argument list (no shell): the binary pagefind_bin ships, through its
    module (which runs the binary in its place), else the pagefind package's own lookup of a binary."""
    module = "pagefind_bin" if importlib.util.find_spec("pagefind_bin") is not None else "pagefind"
    return [
        sys.executable,
        "-m",
        module,
        "--site",
        str(site),
        "--glob",
        pages_glob(site, tuple(prefix.rstrip("/") for prefix in UNSEARCHED_PREFIXES)),
        "--exclude-selectors",
        EXCLUDED_SELECTORS,
        "--quiet",
    ]


def pages_glob(site: Path, skipped: tuple[str, ...]) -> str:
    """A Pagefind file glob for every HTML page of ``site`` outside the ``skipped`` folders (relative paths), which
    Pagefind would otherwise read in full only to find no ``data-pagefind-body`` in them (at 10,000 rules the
    state cheat sheets are 30 MB). It names the folders around a skipped one; where a folder name holds anything
    but letters, digits, "-", "_" and ".", which a glob could read as syntax, it falls back to every page."""
    patterns: list[str] = []

    def visit(folder: Path, prefix: str) -> bool:
        patterns.append(prefix + "*.html")
        for child in sorted(entry for entry in folder.iterdir() if entry.is_dir()):
            if not _GLOB_SAFE.fullmatch(child.name):
                return False
            path = prefix + child.name
            if path in skipped:
                continue
            if any(skip.startswith(path + "/") for skip in skipped):
                if not visit(child, path + "/"):
                    return False
            else:
                patterns.append(path + "/**/*.html")
        return True

    return "{" + ",".join(patterns) + "}" if visit(site, "") else "**/*.html"


def index_site(site: Path, kb: KnowledgeBase) -> str:
    """Write the near-miss table and the Pagefind index into the built ``site``. Returns what Pagefind said
    (empty when quiet); raises SearchIndexError when it fails or indexes nothing."""
    aliases = site / ALIAS_FILE
    aliases.parent.mkdir(parents=True, exist_ok=True)
    aliases.write_bytes(alias_json(kb))
    try:
        done = subprocess.run(
            pagefind_command(site),
            capture_output=True,
            text=True,
            timeout=PAGEFIND_TIMEOUT,
            env=dict(os.environ, NO_COLOR="1"),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as problem:
        raise SearchIndexError(f"Pagefind could not index the site: {problem}") from None
    said = "\n".join(dict.fromkeys(line for line in (done.stdout + done.stderr).splitlines() if line.strip()))
    if done.returncode != 0:
        raise SearchIndexError("Pagefind failed to index the site:\n" + said)
    if not (site / "pagefind" / "pagefind.js").is_file() or not any((site / "pagefind").glob("index/*.pf_index")):
        raise SearchIndexError("Pagefind wrote no search index (no page marked data-pagefind-body?):\n" + said)
    return said
