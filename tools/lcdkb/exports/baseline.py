"""The baseline changes.json compares against: a previous export (all.json or its folder) or a git revision."""
from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path


class BaselineError(Exception):
    pass


def load_baseline(spec: str, data_dir: Path) -> tuple[dict, str, str]:
    """(all.json document, kind, ref) for ``--since SPEC``."""
    path = Path(spec)
    if path.is_dir() and (path / "all.json").is_file():
        path = path / "all.json"
    if path.is_file():
        return _read_export(path), "export", spec
    return export_at_revision(spec, data_dir), "git", spec


def _read_export(path: Path) -> dict:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"cannot read the baseline export {path}: {exc}") from None
    version = str(document.get("schema_version", "")) if isinstance(document, dict) else ""
    if not version.startswith("1.") or not isinstance(document.get("rules"), list):
        raise BaselineError(f"{path} is not an lcdkb API v1 all.json (schema_version '{version}')")
    return document


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError:
        raise BaselineError("git is not available to read the baseline revision") from None
    if done.returncode != 0:
        raise BaselineError(done.stderr.decode("utf-8", "replace").strip() or f"git {' '.join(args)} failed")
    return done.stdout


def export_at_revision(revision: str, data_dir: Path) -> dict:
    """The all.json document of the data folder as it was at a git revision."""
    from lcdkb.exports.slices import documents, stamp_for
    from lcdkb.model import build_model
    from lcdkb.validate import validate

    data_dir = data_dir.resolve()
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], data_dir).decode().strip())
    except BaselineError:
        raise BaselineError(f"'{revision}' is neither an export file nor a git revision "
                            f"(the data folder {data_dir} is not in a git repository)") from None
    relative = data_dir.relative_to(top).as_posix()
    try:
        archive = _git(["archive", "--format=tar", revision, "--", relative], top)
    except BaselineError as exc:
        raise BaselineError(f"'{revision}' is neither an export file nor a git revision with {relative}/: {exc}") from None
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        result = validate(Path(tmp) / relative)
        if any(p.severity == "error" for p in result.problems):
            raise BaselineError(f"the data at {revision} does not validate, so it cannot be a baseline")
        kb = build_model(result)
        return documents(kb, stamp_for(kb))["all.json"]
