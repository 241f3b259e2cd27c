"""Validation: read every file, apply the schemas (layer 1), then the named checks (layer 2).

All problems are collected; nothing stops at the first one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lcdkb.checks import Report, all_checks
from lcdkb.checks.context import Context
from lcdkb.gc_pause import collector_paused
from lcdkb.load import CATALOGUES, OPTIONAL_CATALOGUES, DataSet, load_dataset
from lcdkb.paths import display_path
from lcdkb.problems import Problem
from lcdkb.schemas import schema_problems


@dataclass
class Validation:
    dataset: DataSet
    problems: list[Problem]
    context: Context
    files_checked: int


def validate(root: Path, paths: Sequence[Path] = (), today: date | None = None) -> Validation:
    """Validate the data folder ``root``; with ``paths``, report only problems in those files."""
    with collector_paused():  # see lcdkb.gc_pause: the collector would rescan the growing documents
        return _validate(root, paths, today)


def _validate(root: Path, paths: Sequence[Path], today: date | None) -> Validation:
    dataset = load_dataset(root, list(paths))
    problems = list(dataset.problems) + _missing_catalogues(dataset)
    valid = []
    for data_file in dataset.files:
        found = schema_problems(data_file)
        problems.extend(found)
        if not found:
            valid.append(data_file)
    context = Context(
        catalogues=_catalogues(valid, root), payers=[f for f in valid if f.kind == "payer"], today=today or date.today()
    )
    for check in all_checks():
        if check.run is not None:
            report = Report(check)
            check.run(context, report)
            problems.extend(report.problems)
    if paths:
        wanted = {display_path(Path(p)) for p in paths}
        problems = [p for p in problems if p.path in wanted]
    files_checked = len(paths) if paths else len(dataset.files) + len({p.path for p in dataset.problems})
    return Validation(dataset, sorted(set(problems)), context, files_checked)


def _catalogues(valid, root: Path) -> dict:
    """The schema-valid catalogue of each kind, preferring the one inside the data folder."""
    chosen = {}
    for data_file in valid:
        if data_file.kind in CATALOGUES:
            inside = data_file.path.parent.parent.resolve() == root.resolve()
            if inside or data_file.kind not in chosen:
                chosen[data_file.kind] = data_file
    return chosen


def _missing_catalogues(dataset: DataSet) -> list[Problem]:
    present = {f.kind for f in dataset.files} | {
        Path(p.path).stem for p in dataset.problems if Path(p.path).parent.name == "catalog"
    }
    missing = [
        Problem(
            display_path(dataset.root / "catalog" / f"{kind}.yaml"),
            1,
            1,
            "LCD006",
            f"catalogue catalog/{kind}.yaml is missing",
            "every data folder needs the four catalogues: codes, jurisdictions, states, modifiers",
        )
        for kind in sorted(CATALOGUES - OPTIONAL_CATALOGUES - present)
    ]
    payer_problems = any(
        Path(p.path).parent.name == "payers" or Path(p.path).name == "payers" for p in dataset.problems
    )
    if not dataset.of_kind("payer") and not payer_problems:
        missing.append(
            Problem(
                display_path(dataset.root / "payers"),
                1,
                1,
                "LCD006",
                "no payer files in payers/",
                "a data folder holds one payers/<payer id>.yaml file per payer; check --data",
            )
        )
    return missing
