"""``--claims FILE``: how many of the denied lines the pre-check (``lcdkb check``) would have flagged.

The practice's claims CSV is read and checked exactly as ``lcdkb check`` does; each claim line is matched to denied
lines in the report's window by the claim ID (hashed with the database's salt, so the raw ID is never stored),
the code and the date of service. A denied line counts as flagged when the check has an error or warning on the
matching claim line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import BinaryIO

from lcdkb.claims.checks import Finding
from lcdkb.claims.engine import ClaimStream
from lcdkb.claims.lines import MAX_FILE_BYTES, ClaimLine, InputProblem, read_claims
from lcdkb.model import KnowledgeBase

SAME_REASON = {
    "medical-necessity": {"medical-necessity", "non-covered"},
    "diagnosis": {"diagnosis"},
    "prior-authorization": {"prior-authorization"},
    "modifier": {"modifier"},
    "bundling": {"bundled"},
    "frequency-units": {"units-frequency"},
}


@dataclass
class Precheck:
    claim_lines: int = 0
    input_problems: int = 0
    flagged_by_reason: dict[str, int] = field(default_factory=dict)
    same_reason_by_reason: dict[str, int] = field(default_factory=dict)
    matched_by_reason: dict[str, int] = field(default_factory=dict)

    def as_data(self) -> dict:
        return {
            "claim_lines": self.claim_lines,
            "input_problems": self.input_problems,
            "denied_lines_matched": sum(self.matched_by_reason.values()),
            "flagged_by_precheck": sum(self.flagged_by_reason.values()),
            "flagged_for_the_same_reason": sum(self.same_reason_by_reason.values()),
            "matched_by_reason": dict(sorted(self.matched_by_reason.items())),
            "flagged_by_reason": dict(sorted(self.flagged_by_reason.items())),
            "same_reason_by_reason": dict(sorted(self.same_reason_by_reason.items())),
        }


def run(kb: KnowledgeBase, con, hasher, source: BinaryIO, max_bytes: int = MAX_FILE_BYTES) -> Precheck:
    """Needs the ``classified`` table ``weekly.analyse`` leaves on ``con``."""
    lines: dict[tuple[str, int], ClaimLine] = {}

    def recorded(items):
        for item in items:
            if isinstance(item, ClaimLine):
                lines[(item.claim_id, item.line_no)] = item
            yield item

    result = Precheck()
    finding_groups: dict[tuple[str, int], set[str]] = {}
    for item in ClaimStream(kb, recorded(read_claims(source, set(kb.modifiers), max_bytes))):
        if isinstance(item, InputProblem):
            result.input_problems += 1
        elif isinstance(item, Finding) and item.severity in ("error", "warning"):
            finding_groups.setdefault((item.claim_id, item.line_no), set()).add(item.group)
    result.claim_lines = len(lines)
    wanted: dict[tuple[str, str, str], set[str]] = {}
    for key, line in lines.items():
        match = (hasher(line.claim_id), line.code, line.date_of_service.isoformat())
        wanted.setdefault(match, set()).update(finding_groups.get(key, ()))
    matched: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    same: Counter[str] = Counter()
    for claim_hash, code, dos, reason in con.execute(
        "SELECT claim_hash, code, strftime(dos, '%Y-%m-%d'), reason FROM classified"
    ).fetchall():
        hit = wanted.get((claim_hash, code, dos))
        if hit is None:
            continue
        matched[reason] += 1
        if hit:
            flagged[reason] += 1
        if hit & SAME_REASON.get(reason, set()):
            same[reason] += 1
    result.same_reason_by_reason = dict(same)
    result.matched_by_reason = dict(matched)
    result.flagged_by_reason = dict(flagged)
    return result
