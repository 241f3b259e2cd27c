"""Where the data, the schemas and the site sources live.

Data: --data, then $LCDKB_DATA, then ./lcd_data, then the checkout's lcd_data/ (an editable install inside a
clone), then the snapshot bundled in the installed package. Schemas and site sources: the checkout's when lcdkb
runs from one, else the package's own copies.
"""

from __future__ import annotations

import os
from pathlib import Path

from lcdkb.bundle import bundled_data_dir, bundled_site_sources

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_ENV = "LCDKB_DATA"


def _checkout() -> Path | None:
    """The repository lcdkb runs from, when it is installed in editable mode from a clone."""
    return REPO_ROOT if (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "lcd_data").is_dir() else None


def default_data_dir() -> Path:
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    here = Path.cwd() / "lcd_data"
    if here.is_dir():
        return here
    checkout = _checkout()
    if checkout is not None:
        return checkout / "lcd_data"
    return bundled_data_dir() or REPO_ROOT / "lcd_data"


def schema_dir() -> Path:
    """The JSON Schemas: the checkout's schema/ when running from one, else the copies shipped in the package."""
    checkout = _checkout()
    if checkout is not None and (checkout / "schema" / "payer.schema.json").is_file():
        return checkout / "schema"
    return Path(__file__).resolve().parent / "schema"


def site_sources() -> tuple[Path, Path] | None:
    """(mkdocs.yml, docs/) for ``lcdkb build``: the checkout's, else the package's bundled copies."""
    checkout = _checkout()
    if checkout is not None and (checkout / "mkdocs.yml").is_file() and (checkout / "docs").is_dir():
        return checkout / "mkdocs.yml", checkout / "docs"
    return bundled_site_sources()


def display_path(path: Path) -> str:
    """A path as people should see it in messages: relative to the working folder when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative
