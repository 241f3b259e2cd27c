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


def _folder(data_dir: Path) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    return folder / f"model-{hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]}"


def _read(path: Path, expected: str):
    try:
        with path.open("rb") as handle:
            stored_fingerprint, kb = pickle.load(handle)
    except Exception:          # a stale or damaged cache is simply rebuilt
        return None
    return kb if stored_fingerprint == expected else None


def load(data_dir: Path, code: str | None = None) -> KnowledgeBase | None:
    """The cached model, or with ``code`` only that code's rules (a much smaller file: fast lookups)."""
    folder = _folder(data_dir)
    if folder is None:
        return None
    name = "all.pickle" if code is None else f"code-{hashlib.sha256(code.encode()).hexdigest()[:12]}.pickle"
    return _read(folder / name, fingerprint(data_dir)) if (folder / name).is_file() else None


def store(data_dir: Path, kb: KnowledgeBase) -> None:
    """The whole model, and one shard per code."""
    folder = _folder(data_dir)
    if folder is None:
        return
    stamp = fingerprint(data_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for code in kb.codes:
            _write(folder / f"code-{hashlib.sha256(code.encode()).hexdigest()[:12]}.pickle", stamp, kb.only_code(code))
        _write(folder / "all.pickle", stamp, kb)
    except OSError:
        pass                   # a cache that cannot be written only costs speed


def _write(path: Path, stamp: str, kb: KnowledgeBase) -> None:
    handle, temporary = tempfile.mkstemp(prefix=".part-", dir=path.parent)
    with os.fdopen(handle, "wb") as out:
        pickle.dump((stamp, kb), out, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)
