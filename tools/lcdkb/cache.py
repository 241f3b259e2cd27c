"""A cache of the validated model for the desk commands (lookup, check), so a query does not re-read and
re-validate every YAML file.

The cache is keyed by a fingerprint of every data file (path, size, modification time) and of lcdkb itself;
any change means a full validation again. It is written only after a validation without errors, to the
user's own cache folder ($LCDKB_CACHE_DIR, else $XDG_CACHE_HOME/lcdkb, else ~/.cache/lcdkb), and it is only
ever read back by lcdkb. Set LCDKB_CACHE_DIR=off to disable it.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from lcdkb import __version__
from lcdkb.model import KnowledgeBase

PACKAGE = Path(__file__).resolve().parent
FORMAT = 1


def cache_dir() -> Path | None:
    configured = os.environ.get("LCDKB_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lcdkb"


def fingerprint(data_dir: Path) -> str:
    digest = hashlib.sha256(f"{FORMAT}|{__version__}|{data_dir.resolve()}".encode())
    for root in (data_dir, PACKAGE):
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                stat = path.stat()
                digest.update(f"{path.relative_to(root)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _path(data_dir: Path) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    return folder / f"model-{hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]}.pickle"


def load(data_dir: Path) -> KnowledgeBase | None:
    path = _path(data_dir)
    if path is None or not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            stored_fingerprint, kb = pickle.load(handle)
    except Exception:          # a stale or damaged cache is simply rebuilt
        return None
    return kb if stored_fingerprint == fingerprint(data_dir) else None


def store(data_dir: Path, kb: KnowledgeBase) -> None:
    path = _path(data_dir)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".model-", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            pickle.dump((fingerprint(data_dir), kb), out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:
        pass                   # a cache that cannot be written only costs speed
