"""Every link inside the built site lands: its page exists and so does its #anchor.

MkDocs checks the links it rewrites (Markdown links), but the generated tables and rule blocks are ready-made HTML,
which it passes through unchecked; this walks every page of a real build instead, so a wrong href fails here."""

from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import pytest

from built_site import real_site


class Links(HTMLParser):
    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        if tag == "a" and values.get("href") is not None:
            self.hrefs.append(values["href"])


@pytest.fixture(scope="module")
def site():
    root = real_site()
    pages = {
        path.relative_to(root).as_posix(): Links(path.read_text(encoding="utf-8")) for path in root.rglob("*.html")
    }
    return root, pages


def target_of(page: str, href: str) -> tuple[str, str] | None:
    """(file inside the site, fragment) a relative link from ``page`` opens; None for other sites."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        return page, unquote(parts.fragment)
    base = "" if parts.path.startswith("/") else posixpath.dirname(page)  # 404.html links from the site's root
    path = posixpath.normpath(posixpath.join(base, unquote(parts.path).lstrip("/")))
    if parts.path.endswith("/") or path == ".":
        path = posixpath.join("" if path == "." else path, "index.html")
    return path, unquote(parts.fragment)


def test_every_internal_link_and_anchor_exists(site):
    root, pages = site
    dead, checked = [], 0
    for page, links in pages.items():
        for href in links.hrefs:
            target = target_of(page, href)
            if target is None:
                continue
            path, fragment = target
            checked += 1
            if path.startswith("../") or not (root / path).is_file():
                dead.append((page, href, "no such file"))
            elif fragment and path.endswith(".html") and fragment not in pages[path].ids:
                dead.append((page, href, "no such anchor"))
    assert dead == []
    assert checked > 20_000


def test_each_contractor_of_a_group_has_its_own_anchor_on_the_code_page(site):
    _, pages = site
    ids = pages["codes/64483/index.html"].ids
    macs = {p.parent.name for p in (real_site() / "payers").glob("medicare-j*/index.html")}
    assert macs and macs <= ids


def test_the_html_tables_link_their_payers_codes_and_states():
    page = (real_site() / "codes" / "64483" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<a href="\.\./\.\./states/tx/">TX</a>', page)
    assert '<a href="#medicare-jh">Novitas JH' in page or re.search(r'<a href="#medicare-jh">[^<]*JH', page)
