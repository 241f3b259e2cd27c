"""The one shape every reported problem takes, and how problems are printed."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from lcdkb.terminal import safe

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    column: int
    code: str
    message: str
    hint: str = ""
    severity: str = ERROR

    def as_text(self) -> str:
        """One terminal line: control and invisible characters from the data are shown as escapes."""
        text = f"{self.path}:{self.line}:{self.column}: {self.code} {self.severity}: {self.message}"
        return safe(f"{text}; hint: {self.hint}" if self.hint else text)

    def as_github(self) -> str:
        """A GitHub Actions workflow command: an annotation on the file and line in the pull request."""

        def escape(value: str, in_property: bool = False) -> str:
            value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            return value.replace(":", "%3A").replace(",", "%2C") if in_property else value

        message = safe(self.message + (f" (hint: {self.hint})" if self.hint else ""))
        return (
            f"::{self.severity} file={escape(safe(self.path), True)},line={self.line},col={self.column},"
            f"title={escape(self.code, True)}::{escape(message)}"
        )


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == ERROR for p in problems)


def to_json(problems: list[Problem]) -> str:
    return json.dumps([asdict(p) for p in problems], indent=2, ensure_ascii=False) + "\n"


def summary(problems: list[Problem], files_checked: int) -> str:
    errors = sum(p.severity == ERROR for p in problems)
    warnings = len(problems) - errors
    if not problems:
        return f"OK: {files_checked} files checked, no problems"
    files = len({p.path for p in problems})
    return (
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} "
        f"in {files} file{'s' * (files != 1)} ({files_checked} files checked)"
    )
