"""Shared helpers: a copy of the valid fixture data folder that a test may break."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "valid"
INVALID = FIXTURES / "invalid"
REPO = Path(__file__).resolve().parents[1]
# Tests never touch the user's own model cache (see lcdkb.cache).
os.environ["LCDKB_CACHE_DIR"] = tempfile.mkdtemp(prefix="lcdkb-test-cache-")
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
