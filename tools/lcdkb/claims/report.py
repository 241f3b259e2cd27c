"""Findings as a text table or JSON."""
from __future__ import annotations

import json
from dataclasses import asdict

from lcdkb.claims.checks import Finding
from lcdkb.claims.lines import InputProblem


def render_text(findings: list[Finding], problems: list[InputProblem], lines_checked: int) -> str:
    out = [f"input line {p.line_no}: {p.message}" for p in problems]
    if findings:
        out.append(f"{'claim':<10} {'line':>4}  {'code':<6} {'severity':<8} {'reason':<19} message")
        for f in findings:
            out.append(f"{f.claim_id:<10} {f.line_no or '':>4}  {f.code:<6} {f.severity:<8} {f.group:<19} {f.message}")
            if f.rule_id:
                out.append(f"{'':<41}rule {f.rule_id}" + (f"; source {f.sources[0]}" if f.sources else ""))
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    out.append(f"{lines_checked} line(s) checked: {errors} error(s), {warnings} warning(s), "
               f"{len(findings) - errors - warnings} note(s)" + (f"; {len(problems)} input problem(s)" if problems else ""))
    return "\n".join(out) + "\n"


def render_json(findings: list[Finding], problems: list[InputProblem], lines_checked: int) -> str:
    return json.dumps({"lines_checked": lines_checked, "input_problems": [asdict(p) for p in problems],
                       "findings": [asdict(f) for f in findings]}, indent=2, ensure_ascii=False) + "\n"
