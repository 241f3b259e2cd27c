"""Hostile data in a real browser: text fields of a valid data folder carry script payloads, the real site is built
(`lcdkb build`), and chromium opens its pages. Every payload tries to set ``window.PWN``; none may succeed, no dialog
may open, no element may carry an event handler, and names must still read as the data says.

The validator's text checks (LCD040 links, LCD042 markup, LCD045 invisible characters) refuse most of these
payloads, but the site must not depend on them: the site is built from a model of data that is otherwise valid
(schema and references), with only those text-safety findings set aside, so the site's own escaping is what is
proven here (tests/test_text_safety_checks.py shows the validator refusing the same payloads).
"""

import shutil

import pytest
import yaml

from browser_helpers import chromium_or_skip, launched_chromium, serving
from conftest import REPO, VALID

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = chromium_or_skip()
ARTIFACTS = REPO / "test-artifacts"

TEXT_SAFETY_CHECKS = {"LCD040", "LCD042", "LCD045"}  # set aside to prove the site's own escaping
WORD = "Sneakyword"  # in many payloads, so the search box finds them
COVER = "position:fixed;inset:0;z-index:999;display:block"  # an element that would cover the whole page


def attr_focus(tag):
    return f"{WORD} {tag} {{: tabindex=0 autofocus onfocus=\"window.PWN='{tag}'\" }}"


def attr_hover(tag):
    return f'{WORD} {tag} {{ onmouseover="window.PWN=\'{tag}\'" style="{COVER}" }}'


def meta_breakout(tag):
    return f'{WORD} {tag}"><svg onload="window.PWN=\'{tag}\'" x="'


def entity_tags(tag):
    return (
        f"{WORD} &lt;/title&gt;&lt;script&gt;window.PWN='{tag}'&lt;/script&gt; "
        f"&#60;img src=x onerror=\"window.PWN='{tag}'\"&#62;"
    )


def js_links(tag):
    return f"{WORD} [click me](jav&#x61;script:window.PWN='{tag}') [click me](JaVaScRiPt&colon;window.PWN='{tag}')"


def short_hover(tag):
    """For code labels, which may be 90 characters long."""
    return f'L {{: onmouseover="window.PWN=\'{tag}\'" style="position:fixed;inset:0;z-index:999" }}'


def id_and_handler(tag):
    return f'{WORD} {tag} {{ #x{tag} onclick="window.PWN=\'{tag}\'" style="{COVER}" }}'


READABLE_NAME = 'Blue Cross & Blue Shield <3 "quoted" {braces} &lt;test&gt;'
URLS = {
    "quote": 'https://example.org/"onmouseover="window.PWN=\'url-quote\'"x=',
    "tag": "https://example.org/<svg/onload=window.PWN='url-tag'>",
    "paren": "https://example.org/)[click me](jav&#x61;script:window.PWN='url-paren'//",
    "title": "https://example.org/x\"onclick=window.PWN='url-title'",
}


def hostile_payer(data: dict) -> None:
    """Payloads in every text field of the Medicare contractor file."""
    payer = data["payer"]
    payer.update(
        name=meta_breakout("payer-name"),
        aliases=[attr_focus("alias"), entity_tags("alias-2")],
        notes=attr_hover("payer-notes"),
        website=URLS["quote"],
    )
    texts = {
        "L00001": {"title": js_links("source-title"), "note": attr_focus("source-note"), "url": URLS["tag"]},
        "A00001": {
            "title": entity_tags("article-title"),
            "version": id_and_handler("version"),
            "url": URLS["paren"],
        },
        "summary-1": {"note": attr_hover("conflict-note"), "url": URLS["title"]},
        "DL00001": {"title": meta_breakout("dl-title"), "locator": js_links("locator")},
    }
    for source in data["sources"]:
        source.update(texts[source["id"]])
    policy = data["policies"]["esi"]
    policy["title"] = entity_tags("policy-title")
    policy["documentation"]["items"] = [js_links("doc-item"), attr_focus("doc-item-2")]
    policy["repeat_criteria"]["summary"] = id_and_handler("repeat")
    policy["prior_auth"][0]["program"] = attr_hover("program")
    for rule in data["rules"]:
        rule["review"]["reviewed_by"] = attr_focus("reviewer")
        rule["notes"] = js_links("rule-notes")
        for modifier in rule.get("modifiers", []):
            modifier["note"] = id_and_handler("modifier-note")


def hostile_catalogue(root) -> None:
    edit(root / "catalog" / "codes.yaml", lambda d: [c.update(label=short_hover(c["code"])) for c in d["codes"]])
    edit(
        root / "catalog" / "states.yaml",
        lambda d: [s.update(name=meta_breakout(f"state-{s['code']}")) for s in d["states"]],
    )

    def jurisdictions(data):
        for entry in data["jurisdictions"]:
            entry["contractor"] = attr_focus(f"contractor-{entry['id']}")
            for exception in entry.get("exceptions", []):
                exception["areas"] = [entity_tags("area")]

    edit(root / "catalog" / "jurisdictions.yaml", jurisdictions)


def edit(path, change) -> None:
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    change(data)
    schema_line = text.splitlines()[0]  # the validator wants the schema comment kept on the first line
    path.write_text(
        schema_line + "\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8"
    )


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(VALID, root)
    edit(root / "payers" / "fixture-mac.yaml", hostile_payer)
    edit(root / "payers" / "fixture-commercial.yaml", lambda d: d["payer"].update(name=READABLE_NAME))
    hostile_catalogue(root)
    return root


@pytest.fixture(scope="module")
def site(hostile_data, tmp_path_factory):
    from conftest import FIXTURE_TODAY
    from lcdkb.model import build_model
    from lcdkb.site.build import build_site
    from lcdkb.validate import validate

    result = validate(hostile_data, today=FIXTURE_TODAY)
    errors = [p for p in result.problems if p.severity == "error"]
    assert errors and {p.code for p in errors} <= TEXT_SAFETY_CHECKS, [p.as_text() for p in errors]
    out = tmp_path_factory.mktemp("hostile-site") / "site"
    build_site(build_model(result), out, environ={"SOURCE_DATE_EPOCH": "1769904000"})
    return out


@pytest.fixture(scope="module")
def base_url(site):
    with serving(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with launched_chromium(CHROMIUM) as launched:
        yield launched


@pytest.fixture
def page(browser, base_url, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base_url) else route.abort())
    tab = context.new_page()
    tab.dialogs = []

    def dismiss(dialog):
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", dismiss)
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


HANDLERS = """() => Array.from(document.querySelectorAll('*')).flatMap(el =>
  Array.from(el.attributes).filter(a => /^on/i.test(a.name)).map(a => el.tagName + ' ' + a.name + '=' + a.value))"""
SCRIPT_LINKS = """() => Array.from(document.querySelectorAll('a[href], area[href], iframe, form, object, embed'))
  .filter(el => /^\\s*javascript:/i.test(el.href || el.src || el.action || el.data || '')).map(el => el.outerHTML)"""
FOREIGN = """() => Array.from(document.querySelectorAll(
  'article svg, article img, article iframe, article script, article object, article embed, head svg, body > svg'))
  .map(el => el.outerHTML.slice(0, 200))"""


def poke(page) -> None:
    """Do what a reader does: hover over the page, tab through it, click links whose text invites it."""
    for x, y in ((640, 450), (100, 300), (1000, 700), (640, 150)):
        page.mouse.move(x, y)
    for _ in range(25):
        page.keyboard.press("Tab")
    for link in page.locator("a", has_text="click me").all()[:10]:
        link.evaluate("a => a.click()")


def assert_inert(page) -> None:
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.PWN") == "undefined", page.evaluate("String(window.PWN)")
    assert page.dialogs == []
    assert page.evaluate(HANDLERS) == []
    assert page.evaluate(SCRIPT_LINKS) == []
    assert page.evaluate(FOREIGN) == []


PAGES = [
    "/",
    "/codes/",
    "/codes/64483/",
    "/codes/62323/",
    "/codes/G3002/",
    "/payers/",
    "/payers/fixture-mac/",
    "/payers/fixture-commercial/",
    "/states/",
    "/states/tx/",
    "/states/va/",
    "/review/",
    "/diagnoses/",
    "/diagnoses/m54/",
    "/downloads/",
]


@pytest.mark.parametrize("path", PAGES)
def test_no_payload_runs_on_the_page(page, base_url, path):
    page.goto(base_url + path)
    poke(page)
    assert page.url.startswith(base_url)
    assert_inert(page)


def test_no_payload_runs_in_search_results(page, base_url):
    page.goto(base_url + "/")
    box = page.locator("input#lcdkb-search-input")
    box.click()
    box.press_sequentially(WORD, delay=20)
    results = page.locator("#lcdkb-search-results a.lcdkb-search-hit")
    playwright_api.expect(results.first).to_be_visible(timeout=15_000)
    page.locator("#lcdkb-search-results[aria-busy='false']").wait_for(timeout=15_000)
    results.first.hover()
    assert_inert(page)
    titles = page.locator(".lcdkb-search-hit__title, .lcdkb-search-hit__section").all_inner_texts()
    assert any("onload=" in title for title in titles), titles  # the payload shows, as text


def test_payload_text_shows_as_written(page, base_url):
    page.goto(base_url + "/payers/fixture-mac/")
    article = page.locator("article")
    for shown in (attr_hover("payer-notes"), attr_focus("alias"), entity_tags("alias-2"), js_links("source-title")):
        playwright_api.expect(article).to_contain_text(shown)


def test_sorting_and_filtering_tables_keeps_payloads_inert(page, base_url):
    page.goto(base_url + "/payers/fixture-mac/")
    table = page.locator("article table").first
    for header in table.locator("th").all()[:4]:
        header.click()
    filter_box = page.locator("input.lcdkb-table-filter")
    if filter_box.count():
        filter_box.first.fill(WORD)
    assert_inert(page)


HEADING_TEXT = "h => Array.from(h.childNodes).filter(n => n.nodeType === 3).map(n => n.nodeValue).join('')"


@pytest.mark.parametrize(
    "path, name",
    [("/payers/fixture-commercial/", READABLE_NAME), ("/payers/fixture-mac/", meta_breakout("payer-name"))],
)
def test_names_read_as_the_data_says(page, base_url, path, name):
    page.goto(base_url + path)
    assert page.title() == name + " - lcdkb"  # the tab
    assert page.locator("article h1").evaluate(HEADING_TEXT) == name  # the heading, without its permalink
    playwright_api.expect(page.locator(".md-header__topic").last).to_have_text(name)
    description = page.locator('meta[name="description"]').get_attribute("content")
    assert description == name + ": coverage rules for interventional pain codes"
