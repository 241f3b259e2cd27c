"""Shared by the browser tests: find Debian's chromium (skip without it, unless CI requires it), serve a built
site on 127.0.0.1, and launch headless chromium with the flags this machine needs."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def chromium_or_skip() -> str:
    """The chromium executable; without one the calling test module skips, or fails when
    LCDKB_REQUIRE_BROWSER=1 (scripts/test.sh sets it, so CI never silently skips the browser)."""
    found = os.environ.get("LCDKB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        if os.environ.get("LCDKB_REQUIRE_BROWSER") == "1":
            raise RuntimeError("chromium is required for the browser tests (apt-get install -y chromium)")
        pytest.skip("no chromium installed (apt-get install -y chromium)", allow_module_level=True)
    return found


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """A static web server for ``folder`` on a free port of 127.0.0.1; yields its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def launched_chromium(executable: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
