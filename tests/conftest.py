"""Shared helpers: a copy of the valid fixture data folder that a test may break."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "valid"
INVALID = FIXTURES / "invalid"
REPO = Path(__file__).resolve().parents[1]
# Tests never touch the user's own model cache (see lcdkb.cache).
os.environ["LCDKB_CACHE_DIR"] = tempfile.mkdtemp(prefix="lcdkb-test-cache-")
# Property tests are derandomized, so every CI run tries the same examples; raise max_examples locally to explore.
DERANDOMIZED = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The fixtures were reviewed on 2026-01-10; judging them on a fixed day keeps tests independent of the clock.
FIXTURE_TODAY = date(2026, 2, 1)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A fresh, writable copy of tests/fixtures/valid."""
    target = tmp_path / "data"
    shutil.copytree(VALID, target)
    return target


def overlay(data_dir: Path, case: Path) -> None:
    """Copy an invalid fixture's files over the valid data folder."""
    shutil.copytree(case, data_dir, dirs_exist_ok=True)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can react to a failure (browser screenshots)."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def run_lcdkb_limited(args, cwd: Path, memory_mb: int = 1024, seconds: int = 60, cache_dir: Path | None = None):
    """``python -m lcdkb`` in a child process under an address-space limit and a wall-clock timeout, with its own
    model cache when ``cache_dir`` is given."""

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20))

    env = dict(os.environ, LCDKB_CACHE_DIR=str(cache_dir)) if cache_dir else None
    return subprocess.run(
        [sys.executable, "-m", "lcdkb", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=seconds,
        preexec_fn=limit,
        check=False,
    )


def mkdocs_markdown(without: tuple[str, ...] = ()):
    """Python-Markdown with the extensions and options of mkdocs.yml (less ``without``), as MkDocs renders a page."""
    import markdown
    import yaml

    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    names, configs = [], {}
    for entry in config["markdown_extensions"]:
        name, options = next(iter(entry.items())) if isinstance(entry, dict) else (entry, None)
        if name in without:
            continue
        names.append(name)
        if options:
            configs[name] = options
    return markdown.Markdown(extensions=names, extension_configs=configs)


@pytest.fixture(scope="session")
def base_url():
    """The real data's site, built once (built_site.real_site) and served on 127.0.0.1 for the browser tests. A
    module that needs another site defines its own ``base_url``."""
    from browser_helpers import serving
    from built_site import real_site

    with serving(real_site()) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """A headless chromium for a browser test module that does not launch its own (one per module: Playwright's
    sync API runs one instance at a time); each test opens its own context (viewport, storage)."""
    from browser_helpers import chromium_or_skip, launched_chromium

    with launched_chromium(chromium_or_skip()) as launched:
        yield launched
