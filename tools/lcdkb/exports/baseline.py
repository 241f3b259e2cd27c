"""The baseline changes.json compares against: a previous export (all.json or its folder) or a git revision."""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from lcdkb.terminal import quoted, safe


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
    """A previous all.json, read as strictly as ``lcdkb.api.load_export`` reads it (see exports/reader.py)."""
    from lcdkb.exports.reader import ExportError, read_export

    try:
        return read_export(path)
    except ExportError as exc:
        raise BaselineError(f"cannot use {path} as the baseline export: {exc.reason}") from None
    except OSError as exc:
        raise BaselineError(f"cannot read the baseline export {path}: {exc.strerror or exc}") from None


def _git(args: list[str], cwd: Path) -> bytes:
    """Run git with pathspecs taken literally; every user value must come after ``--end-of-options`` or ``--``."""
    try:
        done = subprocess.run(["git", "--literal-pathspecs", *args], cwd=cwd, capture_output=True, check=False)
    except OSError:
        raise BaselineError("git is not available to read the baseline revision") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BaselineError(safe(message[-1]) if message else "git failed")
    return done.stdout


def check_revision(revision: str) -> None:
    """A revision is a name, never an option: '-' first (``--output=FILE``) or control characters are refused."""
    if not revision or revision.startswith("-"):
        raise BaselineError(f"{quoted(revision)} is not a git revision (a revision cannot start with '-')")
    if safe(revision) != revision or len(revision) > 256:
        raise BaselineError(f"{quoted(revision[:80])} is not a git revision (control characters or too long)")


def _safe_members(tar: tarfile.TarFile, revision: str) -> list[tarfile.TarInfo]:
    """Only plain files and folders with relative paths inside the archive; anything else stops the read."""
    members = tar.getmembers()
    for member in members:
        parts = PurePosixPath(member.name).parts
        if member.name.startswith("/") or ".." in parts:
            raise BaselineError(
                f"the data at {quoted(revision)} holds a path outside its folder "
                f"({quoted(member.name)}); it cannot be a baseline"
            )
        if not (member.isfile() or member.isdir()):
            raise BaselineError(
                f"the data at {quoted(revision)} holds a link or special file ({quoted(member.name)}); "
                "data folders hold plain files only, so it cannot be a baseline"
            )
    return members


def export_at_revision(revision: str, data_dir: Path) -> dict:
    """The all.json document of the data folder as it was at a git revision."""
    from lcdkb.exports.slices import documents, stamp_for
    from lcdkb.model import build_model
    from lcdkb.validate import validate

    check_revision(revision)
    data_dir = data_dir.resolve()
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], data_dir).decode().strip())
    except BaselineError:
        raise BaselineError(
            f"{quoted(revision)} is neither an export file nor a git revision "
            f"(the data folder {data_dir} is not in a git repository)"
        ) from None
    relative = data_dir.relative_to(top).as_posix()
    try:
        archive = _git(["archive", "--format=tar", "--end-of-options", revision, relative], top)
    except BaselineError as exc:
        raise BaselineError(
            f"{quoted(revision)} is neither an export file nor a git revision with {relative}/: {exc}"
        ) from None
    with tempfile.TemporaryDirectory(prefix="lcdkb-baseline-") as tmp:
        try:
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(tmp, members=_safe_members(tar, revision), filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise BaselineError(f"cannot read the data at {quoted(revision)}: {safe(exc)}") from None
        result = validate(Path(tmp) / relative)
        if any(p.severity == "error" for p in result.problems):
            raise BaselineError(f"the data at {quoted(revision)} does not validate, so it cannot be a baseline")
        kb = build_model(result)
        return documents(kb, stamp_for(kb))["all.json"]
