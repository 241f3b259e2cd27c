"""What a browser downloads for the site's search before its first result: run by benchmarks/run.py in its own
process (Playwright's memory must not count towards the benchmark's measurements).

    python benchmarks/search_probe.py SITE_FOLDER QUERY

Serves SITE_FOLDER on 127.0.0.1, opens its home page in chromium, types QUERY into the search box and waits for
the first result. Prints one JSON object: {"bytes": N, "files": N, "seconds": S} (bytes of every response under
pagefind/ and search/ from the page load until the first result; seconds from typing to it), or {"skipped": why}.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEARCH_BOXES = ("#lcdkb-search-input", ".pagefind-ui__search-input", "input[type=search]:visible")
SEARCH_RESULTS = ("a.lcdkb-search-hit", ".pagefind-ui__result")
SEARCH_FOLDERS = ("/pagefind/", "/search/")


def probe(site: Path, query: str) -> dict:
    if not (site / "pagefind").is_dir():
        return {"skipped": "the site has no pagefind/ folder"}
    chromium = os.environ.get("LCDKB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        return {"skipped": "no chromium installed"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "playwright is not installed (pip install -e '.[test]')"}
    sys.path.insert(0, str(REPO / "tests"))
    from browser_helpers import CHROMIUM_ARGS, serving

    with serving(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            arrived = []  # requests under the search folders that finished, in order; sized once a result shows

            def finished(request) -> None:
                if any(folder in request.url for folder in SEARCH_FOLDERS):
                    arrived.append(request)

            page.on("requestfinished", finished)
            page.goto(base + "/", wait_until="networkidle")
            box = next((s for s in SEARCH_BOXES if page.locator(s).count()), None)
            if box is None:
                return {"skipped": "no search box on the home page"}
            field = page.locator(box).first
            field.click()
            start = time.perf_counter()
            field.fill(query)
            try:
                page.locator(", ".join(SEARCH_RESULTS)).first.wait_for(timeout=30_000)
            except Exception:
                return {"skipped": f"no search result for '{query}' appeared within 30 s"}
            seconds = time.perf_counter() - start
            sizes = {request.url: _body_size(request) for request in list(arrived)}
            return {"bytes": sum(sizes.values()), "files": len(sizes), "seconds": seconds}
        finally:
            browser.close()


def _body_size(request) -> int:
    """Bytes of the response as sent (the test server does not compress; Pagefind's files are compressed already)."""
    response = request.response()
    return len(response.body()) if response is not None else 0


if __name__ == "__main__":
    print(json.dumps(probe(Path(sys.argv[1]), sys.argv[2])))
