"""The code lints clean, is formatted and type checks, with the settings in pyproject.toml.

ruff and mypy (with the stubs mypy needs) come from the `test` extra at the versions in constraints.txt, so a new
release cannot fail this test until the pins move. They run as modules of this Python (the project's venv).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO

PYTHON_PATHS = ["tools", "tests", "benchmarks", "setup.py"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", *PYTHON_PATHS],
        ["ruff", "format", "--check", *PYTHON_PATHS],
        ["mypy"],  # files, stubs and strictness from [tool.mypy]
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_reports_nothing(command):
    result = run(*command)
    if result.returncode != 0:
        print(result.stdout + result.stderr)
    assert result.returncode == 0, f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}{result.stderr}"
