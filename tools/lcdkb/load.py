"""Find the data files in a data folder and read each one safely into a ``DataFile``.

Reading never raises for bad input: every failure becomes a ``Problem`` with a check code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lcdkb.paths import display_path
from lcdkb.problems import Problem
from lcdkb.strict_yaml import YamlDocument, YamlError, parse_yaml

MAX_FILE_BYTES = 5 * 1024 * 1024

CATALOGUES = {"codes", "jurisdictions", "states", "modifiers", "diagnoses"}
OPTIONAL_CATALOGUES = {"diagnoses"}
KINDS = CATALOGUES | {"payer"}


@dataclass
class DataFile:
    path: Path
    display: str
    kind: str
    doc: YamlDocument
    first_line: str = ""

    @property
    def data(self):
        return self.doc.data


@dataclass
class DataSet:
    root: Path
    files: list[DataFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[DataFile]:
        return [f for f in self.files if f.kind == kind]


def kind_for(path: Path, root: Path) -> str | None:
    """The kind of data file a path inside the data folder must hold, or None if it has no place there."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return None
    if len(parts) == 2 and parts[0] == "catalog" and path.suffix == ".yaml" and path.stem in CATALOGUES:
        return path.stem
    if len(parts) == 2 and parts[0] == "payers" and path.suffix == ".yaml":
        return "payer"
    return None


def kind_from_content(doc: YamlDocument) -> str:
    """For a file given outside the data folder: guess its kind from its top-level keys."""
    if isinstance(doc.data, dict):
        for kind in ("codes", "jurisdictions", "states", "modifiers", "diagnoses"):
            if kind in doc.data and "payer" not in doc.data:
                return kind
    return "payer"


def _problem(display: str, code: str, message: str, hint: str, line: int = 1, column: int = 1) -> Problem:
    return Problem(display, line, column, code, message, hint)


def _is_inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def read_file(path: Path, kind: str | None, root: Path) -> tuple[DataFile | None, list[Problem]]:
    """Read and parse one data file. Returns (file, problems); file is None when nothing could be read."""
    display = display_path(path)
    if path.is_symlink() and not _is_inside(path, root):
        return None, [
            _problem(
                display,
                "LCD006",
                "symbolic link points outside the data folder",
                "replace the link with a real file inside the data folder",
            )
        ]
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [
            _problem(
                display, "LCD006", f"cannot read the file: {exc.strerror}", "check the path and the file's permissions"
            )
        ]
    if not path.is_file():
        return None, [_problem(display, "LCD006", "not a regular file", "data files are plain .yaml files")]
    if size > MAX_FILE_BYTES:
        return None, [
            _problem(
                display,
                "LCD005",
                f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                "split the payer's rules or remove pasted material",
            )
        ]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [
            _problem(display, "LCD006", f"cannot read the file: {exc.strerror}", "check the file's permissions")
        ]
    text, problem = _decode(raw, display)
    if problem:
        return None, [problem]
    try:
        doc = parse_yaml(text)
    except YamlError as exc:
        return None, [_problem(display, exc.code, exc.message, exc.hint, exc.line, exc.column)]
    if not isinstance(doc.data, dict):
        return None, [
            _problem(
                display,
                "LCD005",
                f"the top level is a {_kind_name(doc.data)}, not a mapping of fields",
                "a data file starts with fields such as 'payer:' or 'codes:'",
            )
        ]
    first_line = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    return DataFile(path, display, kind or kind_from_content(doc), doc, first_line), []


def _kind_name(value) -> str:
    return {list: "list", str: "text", int: "number", float: "number", bool: "boolean"}.get(type(value), "value")


def _decode(raw: bytes, display: str) -> tuple[str, Problem | None]:
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        return "", _problem(
            display,
            "LCD004",
            "the file contains NUL bytes: it is binary or UTF-16, not UTF-8 text",
            "save the file as UTF-8 text",
            line,
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        return "", _problem(
            display,
            "LCD004",
            f"byte 0x{raw[exc.start]:02X} is not valid UTF-8",
            "save the file as UTF-8 (often a character pasted from Word or a PDF)",
            line,
            column,
        )


def discover(root: Path) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """Every data file under ``root`` with its kind; files with no place in the layout are problems."""
    found: list[tuple[Path, str]] = []
    problems: list[Problem] = []

    def unreadable(error: OSError) -> None:
        """A folder that cannot be listed is an error, never a silently empty folder (it would mean 0 payers)."""
        where = Path(error.filename) if error.filename else root
        problems.append(
            _problem(
                display_path(where),
                "LCD006",
                f"cannot read the folder: {error.strerror or error}",
                "check that the folder exists and that you may read it",
            )
        )

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for d in dirnames:
            if (Path(dirpath) / d).is_symlink():
                problems.append(
                    _problem(
                        display_path(Path(dirpath) / d),
                        "LCD006",
                        "symbolic link to a folder is not followed",
                        "move the files into the data folder itself",
                    )
                )
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith(".md"):
                continue
            path = Path(dirpath) / name
            kind = kind_for(path, root)
            if kind is None:
                problems.append(
                    _problem(display_path(path), "LCD006", "file has no place in the data layout", _layout_hint(path))
                )
                continue
            found.append((path, kind))
    return found, problems


def _layout_hint(path: Path) -> str:
    if path.suffix == ".yml":
        return "rename it to end in .yaml"
    return (
        "payer files go in payers/<payer id>.yaml; catalogues are catalog/codes.yaml, "
        "catalog/jurisdictions.yaml, catalog/states.yaml and catalog/modifiers.yaml"
    )


def load_dataset(root: Path, extra_paths: Sequence[Path] = ()) -> DataSet:
    """Read every file in the data folder, plus any extra files named on the command line."""
    dataset = DataSet(root)
    found, dataset.problems = discover(root)
    entries: list[tuple[Path, str | None]] = list(found)  # an extra file outside the layout has no kind yet
    seen = {p.resolve() for p, _ in entries}
    for path in extra_paths:
        if path.resolve() not in seen:
            entries.append((path, kind_for(path.resolve(), root.resolve())))
            seen.add(path.resolve())
    for path, kind in entries:
        data_file, problems = read_file(path, kind, root)
        dataset.problems.extend(problems)
        if data_file is not None:
            dataset.files.append(data_file)
    return dataset
