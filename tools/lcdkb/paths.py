"""Where the data lives: --data, then $LCDKB_DATA, then ./lcd_data, then the repository's lcd_data/."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_ENV = "LCDKB_DATA"


def default_data_dir() -> Path:
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    here = Path.cwd() / "lcd_data"
    if here.is_dir():
        return here
    return REPO_ROOT / "lcd_data"


def schema_dir() -> Path:
    """The JSON Schemas: shipped inside the package when installed, else the repository's schema/."""
    shipped = Path(__file__).resolve().parent / "schema"
    return shipped if (shipped / "payer.schema.json").is_file() else REPO_ROOT / "schema"


def display_path(path: Path) -> str:
    """A path as people should see it in messages: relative to the working folder when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative
