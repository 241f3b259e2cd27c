"""Site search: the near-miss table and page keywords (plain tests), and the Pagefind search box in chromium.

The browser tests build the repository's lcd_data once for the module (about a minute), serve it on 127.0.0.1 and
type into the header's search box as a biller would. They skip when chromium is missing, unless
LCDKB_REQUIRE_BROWSER=1 (scripts/test.sh sets it). "The right page" is decided from the model: a policy ID's first
result is a payer whose rules cite it, a code's is its code page, a diagnosis code's its category page.
"""

from __future__ import annotations

import json

import pytest

from browser_helpers import chromium_or_skip, launched_chromium, serving
from conftest import REPO
from lcdkb.site.search_index import FRONT_MATTER_KEY, with_keywords
from lcdkb.site.search_terms import alias_json, alias_table, page_keywords

# ---------------------------------------------------------------- the catalogue's words (no browser)


@pytest.fixture(scope="module")
def kb():
    from lcdkb import api

    return api.load(REPO / "lcd_data")


def citing(kb, policy_id: str) -> set[str]:
    """The payer pages whose rules cite ``policy_id``."""
    return {f"/payers/{r.payer_id}/" for r in kb.rules for s in r.sources if s.id == policy_id}


def test_family_phrases_map_to_the_family_codes(kb):
    phrases = alias_table(kb)["phrases"]
    assert phrases["facet rf"] == phrases["rfa"] == ["64633", "64634", "64635", "64636"]
    assert phrases["tpi"] == ["20552", "20553"]
    assert set(phrases["esi"]) == {c for c, e in kb.codes.items() if e["family"].startswith("epidural-")}
    assert all(phrase == " ".join(phrase.lower().split()) for phrase in phrases)


def test_identifiers_are_the_code_pages_and_cited_policy_ids(kb):
    identifiers = alias_table(kb)["identifiers"]
    assert {"64483", "G3002", "L36920", "A58745", "L39242"} <= set(identifiers)
    assert "6483" not in identifiers
    assert not any(i.startswith("verity") for i in identifiers)  # secondary summaries name other documents


def test_the_alias_file_is_deterministic_json(kb):
    first = alias_json(kb)
    assert first == alias_json(kb) and first.endswith(b"\n")
    assert json.loads(first) == alias_table(kb)


def test_a_payer_page_is_found_by_its_own_policy_ids_and_states_only(kb):
    keywords = page_keywords(kb)
    novitas = keywords["payers/medicare-jh.md"]
    assert {"L36920", "Novitas", "TX", "Texas", "JH"} <= set(novitas)
    assert "L39242" not in novitas  # Noridian JF's LCD
    assert "L39242" in keywords["payers/medicare-jf.md"]
    assert {"64483", "ESI"} <= set(keywords["codes/64483.md"])
    assert "M54.16" in keywords["diagnoses/m54.md"]
    assert keywords["states/tx.md"] == ["Texas", "TX"]


def test_keywords_join_the_front_matter_as_data(kb):
    hostile = ['"quoted"', "---", "line\nbreak", "<script>alert(1)</script>", "{{ config }}", "a: b"]
    page = '---\ntitle: "64483: a &amp; b"\nhide:\n- toc\n---\n\n# Body\n'
    merged = with_keywords({"codes/64483.md": page, "index.md": "# Home\n"}, kb)
    assert merged["index.md"] == "# Home\n"
    import yaml

    front, body = merged["codes/64483.md"].removeprefix("---\n").split("\n---\n", 1)
    meta = yaml.safe_load(front)
    assert meta["title"] == "64483: a &amp; b" and meta["hide"] == ["toc"] and body == "\n# Body\n"
    assert "64483" in meta[FRONT_MATTER_KEY]

    from lcdkb.site import search_index

    again = search_index._merged(page, {FRONT_MATTER_KEY: hostile})
    assert yaml.safe_load(again.removeprefix("---\n").split("\n---\n", 1)[0])[FRONT_MATTER_KEY] == hostile


def test_a_site_pagefind_cannot_index_is_an_error(kb, tmp_path):
    from lcdkb.site.search_index import SearchIndexError, index_site

    with pytest.raises(SearchIndexError, match="not able to build an index"):
        index_site(tmp_path, kb)


# ---------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def chromium():
    pytest.importorskip("playwright.sync_api")
    return chromium_or_skip()


@pytest.fixture(scope="module")
def site(chromium, tmp_path_factory, kb):
    from lcdkb.site.build import build_site

    out = tmp_path_factory.mktemp("search") / "site"
    build_site(kb, out, environ={"SOURCE_DATE_EPOCH": "1767225600"})
    return out


@pytest.fixture(scope="module")
def base_url(site):
    with serving(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium):
    with launched_chromium(chromium) as launched:
        yield launched


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def gate(route):
        if route.request.url.startswith(base_url):
            return route.continue_()
        outside.append(route.request.url)
        return route.abort()

    context.route("**/*", gate)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"
    assert errors == [], f"script errors: {errors}"


def type_query(page, base_url, query: str, start: str = "/"):
    page.goto(base_url + start)
    box = page.locator("input#lcdkb-search-input")
    box.click()
    box.press_sequentially(query, delay=15)
    hits = page.locator("#lcdkb-search-results a.lcdkb-search-hit")
    hits.first.wait_for(timeout=15_000)
    # The first result shows as soon as it has come; the list is complete when the region is no longer busy.
    page.locator("#lcdkb-search-results[aria-busy='false']").wait_for(timeout=15_000)
    return box, hits


def result_paths(hits, count: int = 3) -> list[str]:
    return hits.evaluate_all(
        f"els => els.slice(0, {count}).map(a => {{ const u = new URL(a.href); return u.pathname + u.hash; }})"
    )


def paths_only(found: list[str]) -> list[str]:
    return [p.split("#")[0] for p in found]


EPIDURAL = {"/codes/62320/", "/codes/62321/", "/codes/62322/", "/codes/62323/"} | {
    f"/codes/{c}/" for c in ("64479", "64480", "64483", "64484")
}
ABLATION = {f"/codes/{c}/" for c in ("64633", "64634", "64635", "64636")}


@pytest.mark.parametrize(
    "query, wanted, first",
    [
        ("64483", {"/codes/64483/"}, True),
        ("6483", {"/codes/64483/"}, False),  # one digit off: the known code
        ("M54.16", {"/diagnoses/m54/"}, False),
        ("Novitas", {"/payers/medicare-jh/", "/payers/medicare-jl/"}, False),
        ("facet RF", ABLATION, False),
        ("RFA", ABLATION, False),
        ("ESI", EPIDURAL, False),
        ("TPI", {"/codes/20552/", "/codes/20553/"}, False),
        ("Texas", {"/states/tx/"}, False),
    ],
)
def test_the_right_page_is_in_the_top_three(page, base_url, query, wanted, first):
    _, hits = type_query(page, base_url, query)
    found = paths_only(result_paths(hits))
    assert set(found) & wanted, found
    if first:
        assert found[0] in wanted, found


@pytest.mark.parametrize("policy_id", ["L36920", "A58745", "L39242"])
def test_a_policy_id_ranks_its_own_contractor_first(page, base_url, kb, policy_id):
    owners = citing(kb, policy_id)
    assert owners, policy_id
    _, hits = type_query(page, base_url, policy_id)
    found = result_paths(hits)
    assert paths_only(found)[0] in owners, found
    assert found[0].lower().endswith("#" + policy_id.lower()) or f"#{policy_id.lower()}-" in found[0].lower(), found


def test_a_code_links_to_its_section_of_a_payer_page(page, base_url):
    _, hits = type_query(page, base_url, "64483")
    found = result_paths(hits, 8)
    assert any(p.startswith("/payers/") and p.endswith("#64483") for p in found), found


def test_a_payer_and_a_code_open_the_code_s_section_of_that_payer_s_page(page, base_url):
    _, hits = type_query(page, base_url, "Novitas 64483")
    found = result_paths(hits)
    assert any(p in ("/payers/medicare-jh/#64483", "/payers/medicare-jl/#64483") for p in found), found


def test_a_near_miss_says_what_else_was_searched(page, base_url):
    type_query(page, base_url, "6483")
    status = page.locator("#lcdkb-search-results .lcdkb-search__status")
    assert "6483 → 64483" in status.inner_text()


def test_keyboard_arrow_down_and_enter_open_a_result(page, base_url):
    box, hits = type_query(page, base_url, "64483", start="/payers/")
    box.press("ArrowDown")
    assert hits.first.evaluate("a => a === document.activeElement")
    hits.nth(1).wait_for()
    page.keyboard.press("ArrowDown")
    assert hits.nth(1).evaluate("a => a === document.activeElement")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    page.wait_for_url("**/codes/64483/")
    assert "64483" in page.locator("h1").first.inner_text()


def test_enter_in_the_box_opens_the_first_result_and_escape_closes(page, base_url):
    box, hits = type_query(page, base_url, "L39242")
    panel = page.locator("#lcdkb-search-results")
    hits.first.focus()
    page.keyboard.press("Escape")
    assert panel.is_hidden() and box.evaluate("b => b === document.activeElement")
    box.press("Enter")
    page.wait_for_url("**/payers/medicare-jf/**")


def test_the_box_and_results_are_named_for_assistive_technology(page, base_url):
    type_query(page, base_url, "Novitas")
    assert page.get_by_role("searchbox", name="Search codes, payers, policies").count() == 1
    region = page.get_by_role("region", name="Search results")
    assert region.count() == 1
    assert region.get_by_role("link").count() >= 3
    assert page.get_by_role("search").count() == 1


def test_result_text_is_text_and_excerpts_keep_only_marks(page, base_url):
    type_query(page, base_url, "64483")
    tags = page.locator("#lcdkb-search-results ol").evaluate(
        "ol => [...new Set([...ol.querySelectorAll('*')].map(e => e.tagName.toLowerCase()))].sort()"
    )
    assert set(tags) <= {"li", "a", "span", "mark"}, tags
    assert "mark" in tags
    box = page.locator("input#lcdkb-search-input")
    box.fill('<img src=x onerror="window.pwned=1">')
    page.wait_for_timeout(600)
    assert page.evaluate("() => window.pwned === undefined")
    assert page.locator("#lcdkb-search-results img").count() == 0


def test_only_the_chunks_a_query_needs_are_fetched(page, base_url, site):
    """The browser downloads pagefind.js, its wasm, the entry and metadata, and then only the index chunks and page
    fragments the query needs: a small part of pagefind/index/ and pagefind/fragment/."""
    fetched: list[str] = []
    page.on("requestfinished", lambda request: fetched.append(request.url))
    type_query(page, base_url, "64483")
    chunks = {u for u in fetched if "/pagefind/index/" in u}
    fragments = {u for u in fetched if "/pagefind/fragment/" in u}
    all_chunks = list((site / "pagefind" / "index").iterdir())
    all_fragments = list((site / "pagefind" / "fragment").iterdir())
    assert 0 < len(chunks) < len(all_chunks) / 4, (len(chunks), len(all_chunks))
    assert 0 < len(fragments) < len(all_fragments) / 4, (len(fragments), len(all_fragments))
