"""Layer 2: small named checks with stable codes, run on schema-valid data.

Each check is a function decorated with ``@check(code, name, description)`` that receives the
``Context`` and a ``Report`` and reports every problem it finds; none of them stops at the first.
The loader and schema codes (LCD001-LCD010) are listed here too, so ``--list-checks`` shows all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lcdkb.problems import ERROR, Problem


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    description: str
    severity: str
    run: Callable | None = None


REGISTRY: list[Check] = [
    Check(
        "LCD001",
        "yaml-syntax",
        "The file is valid YAML (indentation with spaces, balanced quotes and brackets, one document).",
        ERROR,
    ),
    Check("LCD002", "duplicate-key", "No key appears twice in one mapping (YAML would silently keep the last).", ERROR),
    Check(
        "LCD003",
        "plain-yaml-only",
        "No anchors, aliases, merge keys, explicit tags (such as !!python/...) or non-text keys.",
        ERROR,
    ),
    Check("LCD004", "utf8-text", "The file is UTF-8 text without NUL bytes or control characters.", ERROR),
    Check(
        "LCD005",
        "file-shape",
        "The file holds one non-empty mapping, nests at most 32 levels and stays under the size limit; "
        "no key is longer than 100 characters and no number has more than 15 digits.",
        ERROR,
    ),
    Check(
        "LCD006",
        "data-layout",
        "Every file sits where the layout expects it, is a regular file inside the data folder, "
        "and every catalogue exists.",
        ERROR,
    ),
    Check(
        "LCD010",
        "schema",
        "The file matches its JSON Schema in schema/ (fields, types, code and ID patterns, real dates).",
        ERROR,
    ),
]


class Report:
    """Collects the problems one check finds, stamped with that check's code and severity."""

    def __init__(self, check: Check):
        self.check = check
        self.problems: list[Problem] = []

    def __call__(self, data_file, path: tuple | None, message: str, hint: str = "", key: bool = False) -> None:
        """Report a problem at ``path`` in the file (``None``: the file's first line)."""
        line, column = (1, 1) if path is None else data_file.doc.position(tuple(path), key=key)
        self.problems.append(
            Problem(data_file.display, line, column, self.check.code, message, hint, self.check.severity)
        )


def check(code: str, name: str, description: str, severity: str = ERROR):
    def register(func):
        REGISTRY.append(Check(code, name, description, severity, func))
        return func

    return register


def all_checks() -> list[Check]:
    from lcdkb.checks import (  # noqa: F401  (registers)
        catalog,
        diagnoses,
        identity,
        periods,
        policies,
        references,
        review,
        text,
    )

    return sorted(REGISTRY, key=lambda c: c.code)
