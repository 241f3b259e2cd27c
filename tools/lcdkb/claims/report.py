"""Findings and input problems as a text table, JSON or JSON lines, written as they arrive.

Every writer streams: nothing but counts is kept, except that JSON spools its input problems (to memory, then
to a temporary file past 1 MiB) so that they can follow the findings array in the one document. In the text
table every value from the user or the data goes through ``lcdkb.terminal`` so that a claim ID with a line
break or an escape sequence cannot forge a report line.
"""

from __future__ import annotations

import io
import json
import sys

from lcdkb.claims.lines import InputProblem
from lcdkb.record import TYPE_CHECKING, MutableRecord
from lcdkb.terminal import quoted, safe

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Protocol, TextIO

    from lcdkb.claims.checks import Finding

    class ReportWriter(Protocol):
        """What every report format does with the items as they come, then with the counts."""

        def problem(self, problem: InputProblem, /) -> None: ...

        def finding(self, finding: Finding, /) -> None: ...

        def close(self, tally: Tally, /) -> None: ...


FORMATS = ("text", "json", "jsonl")


class Tally(MutableRecord):
    FIELDS = ("lines_checked", "errors", "warnings", "notes", "input_problems")

    def __init__(self) -> None:
        self.lines_checked = 0
        self.errors = 0
        self.warnings = 0
        self.notes = 0
        self.input_problems = 0

    def count(self, item: Finding | InputProblem) -> None:
        if isinstance(item, InputProblem):
            self.input_problems += 1
        elif item.severity == "error":
            self.errors += 1
        elif item.severity == "warning":
            self.warnings += 1
        else:
            self.notes += 1

    @property
    def exit_code(self) -> int:
        """2 when any input problem, else 1 when any finding is an error, else 0."""
        return 2 if self.input_problems else 1 if self.errors else 0


class TextReport:
    def __init__(self, out, quiet: bool = False):
        self.out, self.header_written, self.quiet = out, False, quiet

    def problem(self, problem: InputProblem) -> None:
        self.out.write(f"input line {problem.line_no}: {safe(problem.message)}\n")

    def finding(self, f: Finding) -> None:
        if not self.header_written:
            self.out.write(f"{'claim':<10} {'line':>4}  {'code':<6} {'severity':<8} {'reason':<19} message\n")
            self.header_written = True
        self.out.write(
            f"{quoted(f.claim_id):<10} {f.line_no or '':>4}  {safe(f.code):<6} {f.severity:<8} "
            f"{f.group:<19} {safe(f.message)}\n"
        )
        cited = [f"rule {safe(f.rule_id)}"] if f.rule_id else []
        if f.sources:
            cited.append(("source " if len(f.sources) == 1 else "sources ") + ", ".join(safe(s) for s in f.sources))
        if cited:
            self.out.write(f"{'':<41}{'; '.join(cited)}\n")

    def close(self, tally: Tally) -> None:
        """The summary goes to standard error, like every command's summary (not with --quiet); the report stays
        on ``out``."""
        if self.quiet:
            return
        notes = f"; {tally.input_problems} input problem(s)" if tally.input_problems else ""
        sys.stderr.write(
            f"{tally.lines_checked} line(s) checked: {tally.errors} error(s), {tally.warnings} warning(s), "
            f"{tally.notes} note(s){notes}\n"
        )


class JsonReport:
    """One JSON object: findings (streamed), input_problems (spooled), then the counts."""

    def __init__(self, out):
        self.out, self.first = out, True
        import tempfile  # only for JSON: the other formats spool nothing

        # Open until close(): the spool outlives this call.
        self.spool = tempfile.SpooledTemporaryFile(max_size=2**20, mode="w+", encoding="utf-8")  # noqa: SIM115
        self.spooled = 0
        self.out.write('{\n  "findings": [')

    def problem(self, problem: InputProblem) -> None:
        self.spool.write(("" if not self.spooled else ",") + "\n    " + _dumps(problem.fields_dict()))
        self.spooled += 1

    def finding(self, finding: Finding) -> None:
        self.out.write(("" if self.first else ",") + "\n    " + _dumps(finding.fields_dict()))
        self.first = False

    def close(self, tally: Tally) -> None:
        self.out.write(("" if self.first else "\n  ") + '],\n  "input_problems": [')
        self.spool.seek(0)
        while chunk := self.spool.read(2**16):
            self.out.write(chunk)
        self.spool.close()
        counts = tally.fields_dict()
        del counts["input_problems"]
        rest = "".join(f',\n  "{key}": {value}' for key, value in counts.items())
        self.out.write(("\n  " if self.spooled else "") + "]" + rest + "\n}\n")


class JsonLinesReport:
    """One JSON object a line: {"type": "finding", ...}, {"type": "input_problem", ...}, and last
    {"type": "summary", ...} with the counts."""

    def __init__(self, out):
        self.out = out

    def problem(self, problem: InputProblem) -> None:
        self.out.write(_dumps({"type": "input_problem", **problem.fields_dict()}) + "\n")

    def finding(self, finding: Finding) -> None:
        self.out.write(_dumps({"type": "finding", **finding.fields_dict()}) + "\n")

    def close(self, tally: Tally) -> None:
        self.out.write(_dumps({"type": "summary", **tally.fields_dict()}) + "\n")


WRITERS: dict[str, Callable[[TextIO], ReportWriter]] = {
    "text": TextReport,
    "json": JsonReport,
    "jsonl": JsonLinesReport,
}


def _dumps(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_report(
    items: Iterable[Finding | InputProblem], format: str, out, lines_checked=lambda: 0, quiet: bool = False
) -> Tally:
    """Write ``items`` as they come; ``lines_checked`` is asked once they are all written. ``quiet``: no summary
    line on standard error (the text report's; JSON keeps its counts, which are part of the result)."""
    writer, tally = (TextReport(out, quiet) if format == "text" else WRITERS[format](out)), Tally()
    for item in items:
        tally.count(item)
        if isinstance(item, InputProblem):
            writer.problem(item)
        else:
            writer.finding(item)
    tally.lines_checked = lines_checked()
    writer.close(tally)
    return tally


def render_text(findings: list[Finding], problems: list[InputProblem], lines_checked: int) -> str:
    return _render("text", findings, problems, lines_checked)


def render_json(findings: list[Finding], problems: list[InputProblem], lines_checked: int) -> str:
    return _render("json", findings, problems, lines_checked)


def _render(format: str, findings, problems, lines_checked: int) -> str:
    out = io.StringIO()
    write_report([*problems, *findings], format, out, lambda: lines_checked)
    return out.getvalue()
