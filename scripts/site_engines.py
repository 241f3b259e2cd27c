#!/usr/bin/env python3
"""Build the site's Markdown with other engines than MkDocs + Material, and report what differs.

Material for MkDocs reaches end of life on 2027-05-05. This script is the tested part of the exit plan
(docs/site-engine.md): it generates the site's Markdown once, exactly as `lcdkb build` does, then builds that same
folder with

- MkDocs + Material from the Python running this script (the reference: what `lcdkb build` uses),
- ProperDocs, the MkDocs 1.x continuation, with its port of the classic 'mkdocs' theme ('properdocs'),
- Zensical, which reads mkdocs.yml-style settings and ships a Material-like theme ('zensical'),
- optionally ProperDocs with Material on top ('properdocs-material', the short bridge: Material stays),

each engine in its own venv under the cache folder (default .engines/ in the repository, gitignored), installed
at the versions in scripts/engines-constraints.txt and reused while that file and the engine's package list stay
the same. It prints, per engine: whether it built, its warnings, the number of HTML pages, pages missing against
the MkDocs build, files from the Markdown folder it did not copy, where the search index lives, resources the
pages load from other hosts, and how the main content of a few key pages differs from the MkDocs build (visible
text, and the tags, attributes and classes inside the main content element). report.json in the output folder
holds the same.

Builds run without --strict, so warnings are counted and shown rather than fatal; differences are reported, not
failures. Each built site is then indexed with Pagefind as `lcdkb build` does (the theme override, overrides/, comes
along: Material and Zensical show its search box in the header, the classic theme in its navigation bar).
--browser also drives each site in headless chromium: the search queries of tests/test_site_browser.py in that box,
the table script on payers/, requests to other hosts and script errors. Exit status: 0 every engine built; 1 an
engine failed to build; 2 bad arguments, data that does not validate, no MkDocs + Material here, or an output
folder this script did not make; 3 an engine could not be installed (is the package index reachable?).

    .venv/bin/python scripts/site_engines.py                       # bundled data, properdocs and zensical
    .venv/bin/python scripts/site_engines.py --browser             # and search and tables in chromium
    .venv/bin/python scripts/site_engines.py --engine properdocs-material --page codes/64635/index.html
"""

from __future__ import annotations

import argparse
import copy
import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import yaml

REPO = Path(__file__).resolve().parents[1]
CONSTRAINTS = REPO / "scripts" / "engines-constraints.txt"
OUT_MARK = ".site-engines"  # marks an output folder this script may replace
BUILD_TIMEOUT = 300  # seconds per build
INSTALL_TIMEOUT = 900
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
QUOTED = re.compile(r"'[^']*'")
MKDOCS_WARNING = re.compile(r"^(WARNING|ERROR)\s+-\s+(.*)$")
MKDOCS_ANCHOR = re.compile(
    r"Doc file '([^']+)' contains a link '([^']+)', but the doc '[^']+' does not contain an anchor"
)
ZENSICAL_WARNING = re.compile(r"^(Warning|Error):\s*(.*)$")
ZENSICAL_PLACE = re.compile(r"\[ (\S+?):(\d+):(\d+) \]")
QUIET_ENV = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true", "NO_COLOR": "1", "TERM": "dumb"}


# ---------------------------------------------------------------- engines


@dataclass(frozen=True)
class Engine:
    name: str
    title: str
    packages: tuple[str, ...]  # what the venv installs (versions from engines-constraints.txt); () = this Python
    versions_of: tuple[str, ...]  # distributions whose versions the report shows
    style: str  # how the engine logs and is called: "mkdocs" or "zensical"

    def command(self, python: Path, config: Path) -> list[str]:
        if self.style == "zensical":
            return [str(python), "-m", "zensical", "build", "--clean", "-f", str(config)]
        module = "properdocs" if "properdocs" in self.packages else "mkdocs"
        return [str(python), "-m", module, "build", "-f", str(config)]

    def config(self, base: dict, docs_dir: str, site_dir: str) -> dict:
        """This engine's settings: the repository's mkdocs.yml, with paths relative to the config file (Zensical
        0.0.73 panics on absolute ones) and, for the classic theme, the theme block replaced."""
        config = copy.deepcopy(base)
        config.update(docs_dir=docs_dir, site_dir=site_dir)
        if self.packages:  # an engine in its own venv has no lcdkb to import: it reads the blocks as plain HTML
            config["markdown_extensions"] = [
                ext for ext in config.get("markdown_extensions", []) if ext != "lcdkb.site.raw_blocks"
            ]
        if self.name == "properdocs":
            language = (base.get("theme") or {}).get("language", "en")
            # highlightjs: false, or every page loads highlight.js and its styles from cdnjs.
            # custom_dir: our main.html marks what Pagefind indexes and puts the search box into the navigation bar.
            config["theme"] = {"name": "mkdocs", "locale": language, "highlightjs": False}
            custom_dir = (base.get("theme") or {}).get("custom_dir")
            if custom_dir:
                config["theme"]["custom_dir"] = custom_dir
        return config


REFERENCE = Engine("mkdocs", "MkDocs + Material (reference)", (), ("mkdocs", "mkdocs-material"), "mkdocs")
ENGINES = {
    engine.name: engine
    for engine in (
        Engine(
            "properdocs",
            "ProperDocs + classic 'mkdocs' theme",
            ("properdocs", "properdocs-theme-mkdocs", "pymdown-extensions"),
            ("properdocs", "properdocs-theme-mkdocs", "pymdown-extensions", "Markdown"),
            "mkdocs",
        ),
        Engine(
            "properdocs-material",
            "ProperDocs + Material (bridge)",
            ("properdocs", "mkdocs-material"),
            ("properdocs", "mkdocs-material", "mkdocs"),
            "mkdocs",
        ),
        Engine(
            "zensical",
            "Zensical",
            ("zensical",),
            ("zensical", "pymdown-extensions", "Markdown"),
            "zensical",
        ),
    )
}
DEFAULT_ENGINES = ("properdocs", "zensical")


class InstallError(Exception):
    pass


def engine_python(engine: Engine, cache: Path) -> Path:
    """The venv for ``engine``, created under ``cache`` or reused when its packages and pins are unchanged."""
    key = hashlib.sha256(
        json.dumps(
            [engine.packages, CONSTRAINTS.read_text(encoding="utf-8"), sys.version_info[:2], sys.platform]
        ).encode()
    ).hexdigest()[:12]
    venvs = cache / "venvs"
    target = venvs / f"{engine.name}-{key}"
    python = target / "bin" / "python"
    if (target / ".complete").is_file():
        return python
    venvs.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{engine.name}-", dir=venvs))
    try:
        _run_install([sys.executable, "-m", "venv", str(staging)], engine)
        _run_install(
            [
                str(staging / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-c",
                str(CONSTRAINTS),
                *engine.packages,
            ],
            engine,
        )
        (staging / ".complete").write_text(" ".join(engine.packages) + "\n", encoding="utf-8")
        # Moved into place once complete: only its bin/python is ever run, which works from the new path (the
        # console scripts, which hold the old one, are not used). Another run may have finished first.
        try:
            staging.rename(target)
        except OSError:
            if not (target / ".complete").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not python.is_file():
        raise InstallError(f"{engine.name}: no Python in {target}")
    for old in venvs.glob(f"{engine.name}-*"):
        if old != target and old.is_dir() and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
    return python


def _run_install(argv: list[str], engine: Engine) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise InstallError(f"{engine.name}: '{' '.join(argv[:4])} ...' took over {INSTALL_TIMEOUT} s") from None
    if done.returncode != 0:
        lines = [line for line in (done.stdout + done.stderr).strip().splitlines() if "is ignored: it is" not in line]
        tail = "\n".join(lines[-12:])
        raise InstallError(f"{engine.name}: could not install {' '.join(engine.packages)}:\n{tail}")


def versions(python: Path, names: tuple[str, ...]) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys\n"
        "out = {}\n"
        "for n in sys.argv[1:]:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: out[n] = None\n"
        "print(json.dumps(out))"
    )
    done = subprocess.run([str(python), "-c", code, *names], capture_output=True, text=True, timeout=60, check=False)
    return json.loads(done.stdout) if done.returncode == 0 else {}


# ---------------------------------------------------------------- the Markdown, once


def generate_markdown(data: Path, target: Path):
    """The site's Markdown (generated pages, docs/, the exports' empty stand-ins) in ``target``, as `lcdkb build`
    writes it, and the theme override folder beside it (``overrides/``, where mkdocs.yml's relative custom_dir finds
    it). Returns the repository's mkdocs.yml settings, the number of generated pages and the model."""
    from lcdkb import api
    from lcdkb.exports.render import render_export
    from lcdkb.exports.slices import stamp_for
    from lcdkb.site.build import edit_base, generate_docs, site_sources
    from lcdkb.site.rule_view import View

    kb = api.load(data)
    config_path, docs = site_sources(REPO)
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    stamp = stamp_for(kb, os.environ)
    view = View(kb, stamp.status_as_of, edit_base(config))
    count = generate_docs(view, target, docs, render_export(kb, environ=os.environ), stamp.generated_at)
    custom_dir = (config.get("theme") or {}).get("custom_dir")
    if custom_dir:
        shutil.copytree(config_path.parent / custom_dir, target.parent / custom_dir, dirs_exist_ok=True)
    return config, count, kb


# ---------------------------------------------------------------- one build


def build(engine: Engine, python: Path, base: dict, out: Path) -> dict:
    """Build ``out``/markdown with ``engine`` into ``out``/``engine.name``; return its part of the report."""
    site = out / engine.name
    shutil.rmtree(site, ignore_errors=True)
    config_file = out / f"{engine.name}.yml"
    config = engine.config(base, "markdown", engine.name)
    config_file.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    started = time.monotonic()
    try:
        done = subprocess.run(
            engine.command(python, config_file),
            cwd=out,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
            env=dict(os.environ, **QUIET_ENV),
            check=False,
        )
        returncode, log = done.returncode, ANSI.sub("", done.stdout + "\n" + done.stderr)
    except subprocess.TimeoutExpired as stopped:
        returncode, log = None, f"stopped after {BUILD_TIMEOUT} s: {stopped}"
    seconds = round(time.monotonic() - started, 1)
    (out / f"{engine.name}.log").write_text(log, encoding="utf-8")
    built = returncode == 0 and (site / "index.html").is_file()
    result = {
        "engine": engine.name,
        "title": engine.title,
        "versions": versions(python, engine.versions_of),
        "built": built,
        "exit_status": returncode,
        "seconds": seconds,
        "site": str(site),
        "log": str(out / f"{engine.name}.log"),
        **warnings_in(engine, log, out / "markdown"),
    }
    if not built:
        result["log_tail"] = "\n".join(log.strip().splitlines()[-15:])
    return result


def warnings_in(engine: Engine, log: str, markdown: Path) -> dict:
    """Warnings by kind (quoted names replaced by '…'), and the distinct links to missing anchors as
    (page, link) pairs, which both log styles name."""
    kinds: Counter[str] = Counter()
    anchors: set[tuple[str, str]] = set()
    lines = log.splitlines()
    for number, line in enumerate(lines):
        line = line.strip()
        match = (MKDOCS_WARNING if engine.style == "mkdocs" else ZENSICAL_WARNING).match(line)
        if not match:
            continue
        message = match[2].strip()
        kinds[f"{match[1].upper()}: {QUOTED.sub('…', message)}"] += 1
        if engine.style == "mkdocs":
            found = MKDOCS_ANCHOR.search(message)
            if found:
                anchors.add((found[1], found[2]))
        elif "anchor" in message:
            for following in lines[number + 1 : number + 4]:
                place = ZENSICAL_PLACE.search(following)
                if place:
                    link = _link_at(markdown / place[1], int(place[2]), int(place[3]))
                    if link:
                        anchors.add((place[1], link))
                    break
    return {
        "warnings": sum(kinds.values()),
        "warning_kinds": dict(kinds.most_common()),
        "missing_anchor_links": sorted(f"{page} -> {link}" for page, link in anchors),
    }


def _link_at(path: Path, line: int, column: int) -> str | None:
    """The Markdown link target around 1-based ``line``:``column``."""
    try:
        text = path.read_text(encoding="utf-8").splitlines()[line - 1]
    except (OSError, IndexError):
        return None
    start, end = text.rfind("(", 0, column), text.find(")", column - 1)
    return text[start + 1 : end] if 0 <= start < end else None


def add_search(result: dict, site: Path, kb) -> None:
    """Run Pagefind over a built site as `lcdkb build` does (search/aliases.json and pagefind/); a failure is
    reported, not fatal."""
    from lcdkb.site.search_index import SearchIndexError, index_site

    if not result["built"]:
        return
    try:
        index_site(site, kb)
    except SearchIndexError as problem:
        result["pagefind_error"] = str(problem)


# ---------------------------------------------------------------- what a built site holds


def inspect_site(site: Path, markdown: Path, skip: str) -> dict:
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if not _under(p, site, skip))
    copied = sorted(
        p.relative_to(markdown).as_posix() for p in markdown.rglob("*") if p.is_file() and p.suffix != ".md"
    )
    return {
        "pages": pages,
        # The exports' stand-ins are excluded from the build on purpose (`lcdkb build` writes the real files).
        "uncopied_files": [name for name in copied if not (site / name).is_file() and not name.startswith(skip + "/")],
        "search_index": find_search_index(site, skip),
        "external_resources": external_resources(site, skip),
    }


def _under(path: Path, root: Path, folder: str) -> bool:
    return path.relative_to(root).as_posix().startswith(folder + "/")


def find_search_index(site: Path, skip: str) -> list[dict]:
    """Pagefind's index (pagefind/pagefind-entry.json, with its page count), and JSON files (outside the exports)
    shaped like a theme's own search index: a config and a list of entries."""
    found = []
    entry = site / "pagefind" / "pagefind-entry.json"
    if entry.is_file():
        try:
            languages = json.loads(entry.read_text(encoding="utf-8")).get("languages", {})
            pages = sum(int(language.get("page_count", 0)) for language in languages.values())
        except (OSError, ValueError, AttributeError, TypeError):
            pages = 0
        found.append({"path": "pagefind/pagefind-entry.json", "entries": pages, "shape": ["pagefind"]})
    for path in sorted(site.rglob("*.json")):
        if _under(path, site, skip):
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or "config" not in data:
            continue
        for key in ("docs", "items"):
            if isinstance(data.get(key), list):
                found.append(
                    {
                        "path": path.relative_to(site).as_posix(),
                        "entries": len(data[key]),
                        "shape": sorted(data),
                    }
                )
    return found


EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


class _Resources(HTMLParser):
    """Addresses the browser fetches by itself: scripts, stylesheets and other <link>s, images, frames, media."""

    FETCHED: ClassVar[dict[str, str]] = {
        "script": "src",
        "img": "src",
        "iframe": "src",
        "source": "src",
        "audio": "src",
        "video": "src",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "link" and values.get("rel") not in ("canonical", "alternate", None):
            self.urls.append(values.get("href") or "")
        elif tag in self.FETCHED:
            self.urls.append(values.get(self.FETCHED[tag]) or "")


def external_resources(site: Path, skip: str) -> dict[str, int]:
    """Hosts that pages or stylesheets load something from, with how many files do."""
    hosts: Counter[str] = Counter()
    for path in site.rglob("*"):
        if not path.is_file() or _under(path, site, skip) or path.suffix not in (".html", ".css"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            parser = _Resources()
            parser.feed(text)
            urls = parser.urls
        else:
            urls = re.findall(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""", text)
        for host in {EXTERNAL.sub("", url).split("/")[0] for url in urls if EXTERNAL.match(url)}:
            hosts[host] += 1
    return dict(hosts.most_common())


# ---------------------------------------------------------------- main content of a page

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
MAIN_ELEMENTS = (
    ("<article>", lambda tag, attrs: tag == "article"),
    ('role="main"', lambda tag, attrs: attrs.get("role") == "main"),
    ("<main>", lambda tag, attrs: tag == "main"),
)


class _MainContent(HTMLParser):
    """The first element ``wanted`` accepts: its visible words, and how often each tag, tag[attribute] and
    tag.class occurs inside it."""

    def __init__(self, wanted):
        super().__init__(convert_charrefs=True)
        self.wanted = wanted
        self.stack: list[str] = []
        self.done = False
        self.root = ""
        self.hidden = 0
        self.words: list[str] = []
        self.features: Counter[str] = Counter()

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        values = {name: value or "" for name, value in attrs}
        if not self.stack:
            if self.wanted(tag, values):
                self.root = tag + "".join(f".{c}" for c in values.get("class", "").split())
                self.stack.append(tag)
            return
        self.features[tag] += 1
        for name, value in values.items():
            self.features[f"{tag}[{name}]"] += 1
            if name == "class":
                for css in value.split():
                    self.features[f"{tag}.{css}"] += 1
        if tag in ("script", "style"):
            self.hidden += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.stack and tag not in VOID and self.stack[-1] == tag and len(self.stack) > 1:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.done or not self.stack or tag not in self.stack:
            return
        while self.stack:
            closed = self.stack.pop()
            if closed in ("script", "style"):
                self.hidden -= 1
            if closed == tag:
                break
        if not self.stack:
            self.done = True

    def handle_data(self, data):
        if self.stack and not self.done and not self.hidden:
            self.words.extend(data.split())


def main_content(page: Path) -> _MainContent | None:
    html = page.read_text(encoding="utf-8", errors="replace")
    for _, wanted in MAIN_ELEMENTS:
        parser = _MainContent(wanted)
        parser.feed(html)
        if parser.root:
            return parser
    return None


def compare_page(reference: Path, other: Path, limit: int = 8) -> dict:
    if not other.is_file():
        return {"missing": True}
    ref, got = main_content(reference), main_content(other)
    if ref is None or got is None:
        return {"main_element": got.root if got else None, "reference_main_element": ref.root if ref else None}
    matcher = difflib.SequenceMatcher(None, ref.words, got.words, autojunk=False)
    changes = [
        {"mkdocs": " ".join(ref.words[i1:i2])[:160], "engine": " ".join(got.words[j1:j2])[:160]}
        for op, i1, i2, j1, j2 in matcher.get_opcodes()
        if op != "equal"
    ]
    only_engine = sorted(set(got.features) - set(ref.features))
    only_reference = sorted(set(ref.features) - set(got.features))
    counts = {
        name: [ref.features[name], got.features[name]]
        for name in sorted(set(ref.features) & set(got.features))
        if ref.features[name] != got.features[name] and "[" not in name
    }
    return {
        "main_element": got.root,
        "reference_main_element": ref.root,
        "words": [len(ref.words), len(got.words)],
        "text_same": not changes,
        "text_changes": len(changes),
        "text_change_examples": changes[:limit],
        "only_in_engine": only_engine,
        "only_in_mkdocs": only_reference,
        "count_differences": counts,
    }


def key_pages(reference_pages: list[str], extra: list[str]) -> list[str]:
    """The home page, the code page for 64483 (else the first code page) and a payer page (Noridian JF if there,
    else the first), plus any asked for."""

    def first(prefix: str, preferred: str) -> list[str]:
        if preferred in reference_pages:
            return [preferred]
        found = [
            p for p in reference_pages if p.startswith(prefix) and p != prefix + "index.html" and p.count("/") == 2
        ]
        return found[:1]

    chosen = [
        "index.html",
        *first("codes/", "codes/64483/index.html"),
        *first("payers/", "payers/medicare-jf/index.html"),
    ]
    return list(dict.fromkeys(chosen + extra))


# ---------------------------------------------------------------- --browser: search, tables.js, requests

# The queries of tests/test_site_browser.py and a path one of the first five results must contain.
QUERIES = (
    ("64483", "/codes/64483/"),
    ("G3002", "/codes/G3002/"),
    ("M54.16", "/diagnoses/"),
    ("L39242", "/payers/medicare-jf/"),
    ("A58745", "/payers/medicare-j"),
    ("Novitas", "/payers/medicare-j"),
    ("Texas", "/states/tx/"),
)
# The search box every engine shows: ours (overrides/partials/lcdkb-search.html, docs/javascripts/search.js over
# Pagefind), which Material and Zensical put into the header and the classic theme into its navigation bar.
SEARCH_UI = {"open": None, "box": "input#lcdkb-search-input", "results": "#lcdkb-search-results a.lcdkb-search-hit"}


def probe_in_browser(site: Path, chromium: str) -> dict:
    """Serve ``site`` on 127.0.0.1 and drive it in headless chromium: the search queries, the table script on
    payers/, and every request that left the server or script error on the way."""
    import functools
    import http.server
    import socketserver
    import threading

    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    ui = SEARCH_UI
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    outside: set[str] = set()
    errors: list[str] = []
    result: dict = {"search_ui": ui, "queries": {}}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            context = browser.new_context(viewport={"width": 1280, "height": 900})

            def gate(route):
                if route.request.url.startswith(base):
                    return route.continue_()
                outside.add(route.request.url.split("/")[2])
                return route.abort()

            context.route("**/*", gate)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)[:200]))
            for query, expected in QUERIES:
                page.goto(base + "/")
                try:
                    if ui["open"]:
                        page.locator(ui["open"]).first.click()
                    box = page.locator(ui["box"]).first
                    box.click()
                    box.press_sequentially(query, delay=20)
                    links = page.locator(ui["results"])
                    links.first.wait_for(state="attached", timeout=8_000)
                    paths = links.evaluate_all(
                        "els => els.slice(0, 5).map(a => new URL(a.getAttribute('href'), location.href).pathname)"
                    )
                except PlaywrightError as problem:
                    paths = []
                    if "Timeout" not in str(problem):
                        errors.append(f"search {query}: {str(problem).splitlines()[0][:160]}")
                result["queries"][query] = {
                    "expected": expected,
                    "found": any(expected in p for p in paths),
                    "first": paths,
                }
            page.goto(base + "/payers/")
            page.wait_for_timeout(500)
            result["tables"] = {
                "sortable_headers": page.locator("th.lcdkb-sortable").count(),
                "filters": page.locator("input.lcdkb-table-filter").count(),
                "tables": page.locator("table").count(),
            }
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    result["external_requests"] = sorted(outside)
    result["script_errors"] = errors
    return result


# ---------------------------------------------------------------- the report


def report_text(report: dict) -> str:
    ref = report["reference"]
    lines = [
        f"Markdown: {report['generated_pages']} generated pages from {report['data']}, in {report['markdown']}",
        "",
    ]
    for result in [ref, *report["engines"]]:
        name = result["engine"]
        version = ", ".join(f"{k} {v}" for k, v in result["versions"].items() if v)
        lines.append(f"== {name}: {result['title']} ({version})")
        if not result["built"]:
            lines.append(
                f"built: NO (exit status {result['exit_status']}, {result['seconds']} s); log: {result['log']}"
            )
            lines += ["   " + line for line in result.get("log_tail", "").splitlines()]
            lines.append("")
            continue
        lines.append(f"built: yes, {result['seconds']} s, into {result['site']}")
        strict = "; --strict would fail" if result["warnings"] else ""
        lines.append(f"warnings: {result['warnings']}{strict}")
        for kind, count in list(result["warning_kinds"].items())[:6]:
            lines.append(f"   {count} x {kind[:150]}")
        anchors = result["missing_anchor_links"]
        if anchors:
            same = ""
            if result is not ref:
                extra = sorted(set(anchors) - set(ref["missing_anchor_links"]))
                gone = sorted(set(ref["missing_anchor_links"]) - set(anchors))
                same = " (same as mkdocs)" if not extra and not gone else f" ({len(extra)} new, {len(gone)} not seen)"
            lines.append(f"   links to missing anchors: {len(anchors)} distinct{same}, e.g. {anchors[0]}")
        lines.append(f"HTML pages: {len(result['pages'])}")
        if result is not ref:
            missing = sorted(set(ref["pages"]) - set(result["pages"]))
            extra = sorted(set(result["pages"]) - set(ref["pages"]))
            lines.append(f"pages missing versus mkdocs: {len(missing)}{_some(missing)}")
            if extra:
                lines.append(f"pages only here: {len(extra)}{_some(extra)}")
        uncopied = result["uncopied_files"]
        lines.append(f"files from the Markdown folder not copied: {len(uncopied)}{_some(uncopied)}")
        indexes = result["search_index"]
        for index in indexes:
            if index["shape"] == ["pagefind"]:
                lines.append(f"search index: {index['path']} (Pagefind, {index['entries']} pages)")
            else:
                lines.append(
                    f"search index: {index['path']} ({index['entries']} entries; keys {', '.join(index['shape'])};"
                    " the theme's own, unused: the pages use the Pagefind box)"
                )
        if not indexes:
            lines.append("search index: none found")
        if result.get("pagefind_error"):
            lines.append(f"Pagefind: FAILED: {result['pagefind_error'][:300]}")
        hosts = result["external_resources"]
        lines.append(
            "resources from other hosts: "
            + (", ".join(f"{h} ({n} files)" for h, n in hosts.items()) if hosts else "none")
        )
        if "browser" in result:
            lines += _describe_browser(result["browser"])
        for page, diff in result.get("pages_compared", {}).items():
            lines.append(f"main content of {page}:")
            lines += ["   " + line for line in _describe(diff)]
        lines.append("")
    failed = [r["engine"] for r in report["engines"] if not r["built"]]
    lines.append("RESULT: " + (f"failed to build: {', '.join(failed)}" if failed else "every engine built"))
    return "\n".join(lines)


def _some(items: list[str], limit: int = 6) -> str:
    if not items:
        return ""
    more = f", … {len(items) - limit} more" if len(items) > limit else ""
    return " (" + ", ".join(items[:limit]) + more + ")"


def _describe_browser(probe: dict) -> list[str]:
    ui = probe["search_ui"]
    lines = [f"browser: search opened by {ui['open'] or '(box in page)'}, box {ui['box']}, results {ui['results']}"]
    for query, found in probe["queries"].items():
        where = ", ".join(found["first"]) if found["first"] else "no results"
        lines.append(f"   {query}: {'ok' if found['found'] else 'MISSED ' + found['expected']} (top: {where})")
    tables = probe.get("tables", {})
    lines.append(
        f"   payers/: {tables.get('tables')} tables, {tables.get('sortable_headers')} sortable headers,"
        f" {tables.get('filters')} row filters (docs/javascripts/tables.js)"
    )
    lines.append(f"   requests to other hosts: {', '.join(probe['external_requests']) or 'none'}")
    lines.append(f"   script errors: {'; '.join(probe['script_errors']) or 'none'}")
    return lines


def _describe(diff: dict) -> list[str]:
    if diff.get("missing"):
        return ["page missing"]
    if "words" not in diff:
        return [
            f"no main content element found (engine: {diff['main_element']}, mkdocs: {diff['reference_main_element']})"
        ]
    lines = [f"element: <{diff['main_element']}> (mkdocs: <{diff['reference_main_element']}>)"]
    if diff["text_same"]:
        lines.append(f"visible text: same ({diff['words'][1]} words)")
    else:
        lines.append(
            f"visible text: {diff['text_changes']} differing runs (words: mkdocs {diff['words'][0]},"
            f" here {diff['words'][1]})"
        )
        for change in diff["text_change_examples"][:4]:
            lines.append(f"   mkdocs {change['mkdocs']!r} -> here {change['engine']!r}")
    lines.append(f"only here: {len(diff['only_in_engine'])}{_some(diff['only_in_engine'], 10)}")
    lines.append(f"only in mkdocs: {len(diff['only_in_mkdocs'])}{_some(diff['only_in_mkdocs'], 10)}")
    counts = [f"{name} {a}->{b}" for name, (a, b) in diff["count_differences"].items()]
    if counts:
        lines.append(f"counts that differ: {len(counts)}{_some(counts, 8)}")
    return lines


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO / "lcd_data", help="data folder (default: lcd_data)")
    parser.add_argument("--cache", type=Path, default=REPO / ".engines", help="venv cache (default: .engines)")
    parser.add_argument("--out", type=Path, help="output folder, replaced (default: CACHE/out)")
    parser.add_argument(
        "--engine",
        action="append",
        choices=sorted(ENGINES),
        help=f"engine to try (repeatable; default: {' and '.join(DEFAULT_ENGINES)})",
    )
    parser.add_argument(
        "--page", action="append", default=[], help="another page to compare, e.g. states/tx/index.html"
    )
    parser.add_argument(
        "--browser",
        action="store_true",
        help="also try each site's search and table script in headless chromium (needs playwright and chromium)",
    )
    args = parser.parse_args(argv)
    cache = args.cache.absolute()
    out = (args.out or cache / "out").absolute()
    engines = [ENGINES[name] for name in dict.fromkeys(args.engine or DEFAULT_ENGINES)]

    try:
        import material  # noqa: F401
        import mkdocs  # noqa: F401
    except ImportError:
        print(
            "the reference build needs MkDocs and Material here: pip install -c constraints.txt -e '.[site]'",
            file=sys.stderr,
        )
        return 2
    chromium = None
    if args.browser:
        chromium = os.environ.get("LCDKB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            chromium = None
        if not chromium:
            print(
                "--browser needs playwright (the test extra) and chromium (apt-get install -y chromium)",
                file=sys.stderr,
            )
            return 2
    from lcdkb.api import DataError
    from lcdkb.exports import API_DIR

    if out.exists():
        if any(out.iterdir()) and not (out / OUT_MARK).is_file():
            print(f"{out} is not empty and was not made by this script; give another --out", file=sys.stderr)
            return 2
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / OUT_MARK).write_text("made by scripts/site_engines.py; replaced by its next run\n", encoding="utf-8")
    markdown = out / "markdown"
    try:
        base, count, kb = generate_markdown(args.data, markdown)
    except (DataError, OSError, ValueError) as problem:
        print(f"could not generate the Markdown: {problem}", file=sys.stderr)
        return 2
    skip = str(API_DIR).strip("/")

    try:
        pythons = {engine.name: engine_python(engine, cache) for engine in engines}
    except InstallError as problem:
        print(f"INSTALL FAILED: {problem}", file=sys.stderr)
        return 3

    reference = build(REFERENCE, Path(sys.executable), base, out)
    add_search(reference, out / REFERENCE.name, kb)
    if not reference["built"]:
        print(
            report_text(
                {
                    "reference": reference,
                    "engines": [],
                    "data": str(args.data),
                    "markdown": str(markdown),
                    "generated_pages": count,
                }
            )
        )
        print("the reference MkDocs build failed; nothing to compare with", file=sys.stderr)
        return 1
    reference.update(inspect_site(out / REFERENCE.name, markdown, skip))
    pages = key_pages(reference["pages"], args.page)
    results = []
    for engine in engines:
        result = build(engine, pythons[engine.name], base, out)
        add_search(result, out / engine.name, kb)
        if result["built"]:
            result.update(inspect_site(out / engine.name, markdown, skip))
            result["pages_compared"] = {
                page: compare_page(out / REFERENCE.name / page, out / engine.name / page) for page in pages
            }
        results.append(result)
    if chromium:
        for result, engine in [(reference, REFERENCE), *zip(results, engines, strict=True)]:
            if result["built"]:
                result["browser"] = probe_in_browser(out / engine.name, chromium)
    report = {
        "data": str(args.data),
        "markdown": str(markdown),
        "generated_pages": count,
        "reference": reference,
        "engines": results,
    }
    (out / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(report_text(report))
    print(f"\nfull report: {out / 'report.json'}")
    return 0 if all(r["built"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
