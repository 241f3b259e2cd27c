"""The dated data snapshot a built package carries, and the identity (date and digest) of any data folder.

A wheel holds, under ``lcdkb/_bundle/``: the data (``lcd_data/``), the site sources (``site/mkdocs.yml``,
``site/docs/`` and the theme override ``site/overrides/``) and ``snapshot.json`` naming the snapshot's date and
digest. ``write_bundle`` makes it while the package is built (setup.py calls it); at run time
``bundled_data_dir`` and ``bundled_site_sources`` find it.

Only the standard library is used here, so the build can load this file before lcdkb's dependencies exist.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

BUNDLE = Path(__file__).resolve().parent / "_bundle"
MANIFEST = "snapshot.json"
_SKIPPED_PARTS = {"__pycache__", ".git"}


def _files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not _SKIPPED_PARTS & set(p.relative_to(root).parts) and not p.name.startswith(".")
    )


def data_digest(root: Path) -> str:
    """SHA-256 over every data file's relative path and contents: equal digests mean equal data."""
    digest = hashlib.sha256()
    for path in _files(root):
        digest.update(path.relative_to(root).as_posix().encode("utf-8", "surrogateescape") + b"\0")
        with path.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


def bundled_data_dir() -> Path | None:
    folder = BUNDLE / "lcd_data"
    return folder if folder.is_dir() else None


def bundled_site_sources() -> tuple[Path, Path] | None:
    config, docs = BUNDLE / "site" / "mkdocs.yml", BUNDLE / "site" / "docs"
    return (config, docs) if config.is_file() and docs.is_dir() else None


def snapshot(data_dir: Path) -> dict:
    """{"source", "date", "digest"} of a data folder: the bundled snapshot's recorded date, or for any other
    folder the day its newest file was last changed (UTC)."""
    data_dir = Path(data_dir)
    bundled = bundled_data_dir()
    if bundled is not None and data_dir.resolve() == bundled.resolve():
        try:
            recorded = json.loads((BUNDLE / MANIFEST).read_text(encoding="utf-8"))
            return {"source": "bundled", "date": str(recorded["date"]), "digest": str(recorded["digest"])}
        except (OSError, ValueError, KeyError, TypeError):
            pass
    files = _files(data_dir)
    newest = max((p.stat().st_mtime for p in files), default=0.0)
    return {
        "source": "folder",
        "date": datetime.fromtimestamp(newest, UTC).date().isoformat(),
        "digest": data_digest(data_dir),
    }


def snapshot_date(environ=os.environ) -> str:
    """The day a snapshot is taken: SOURCE_DATE_EPOCH when set (reproducible builds), else today (UTC)."""
    epoch = environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.date().isoformat()


def write_bundle(repo: Path, package: Path, environ=os.environ) -> dict:
    """Copy the repository's data, schemas and site sources into the built package ``package`` (its lcdkb/
    folder) and record the snapshot. Returns the manifest."""
    import shutil  # only when building the package: every command imports this module

    target = package / "_bundle"
    shutil.rmtree(target, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", ".*")
    shutil.copytree(repo / "lcd_data", target / "lcd_data", ignore=ignore)
    shutil.copytree(repo / "docs", target / "site" / "docs", ignore=ignore)
    shutil.copytree(repo / "overrides", target / "site" / "overrides", ignore=ignore)
    shutil.copy2(repo / "mkdocs.yml", target / "site" / "mkdocs.yml")
    schemas = package / "schema"
    schemas.mkdir(exist_ok=True)
    for schema in sorted((repo / "schema").glob("*.json")):
        shutil.copy2(schema, schemas / schema.name)
    manifest = {"date": snapshot_date(environ), "digest": data_digest(target / "lcd_data")}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
