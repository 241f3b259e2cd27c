"""Group claim lines into sessions, find the payer's rules for each, and run every check."""
from __future__ import annotations

from collections import defaultdict
from itertools import groupby

from lcdkb.claims.checks import ALL_CHECKS, Finding, Session
from lcdkb.claims.lines import ClaimLine
from lcdkb.lookup import LookupError, find_payer, find_state, rules_for
from lcdkb.model import KnowledgeBase


def check_claims(kb: KnowledgeBase, lines: list[ClaimLine]) -> list[Finding]:
    """Findings for every line; the lines of one claim on one date are checked together."""
    findings: list[Finding] = []
    sessions: dict[tuple, list[ClaimLine]] = defaultdict(list)
    for line in lines:
        sessions[(line.claim_id, line.date_of_service)].append(line)
    for (_, _), session_lines in sessions.items():
        findings += _check_session(kb, session_lines)
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: (f.claim_id, f.line_no, order[f.severity], f.code, f.message))


def _check_session(kb: KnowledgeBase, lines: list[ClaimLine]) -> list[Finding]:
    first = lines[0]
    try:
        payer = find_payer(kb, first.payer_id) if first.payer_id else None
        state = find_state(kb, first.state) if first.state else None
    except LookupError as exc:
        return [Finding(line.claim_id, line.line_no, line.code, "error", "coding", str(exc)) for line in lines]
    session = Session(kb, lines, state=state)
    for code, _ in groupby(sorted(line.code for line in lines)):
        session.rules[code] = rules_for(kb, code, payer, state) if code in kb.codes else []
    findings = []
    for line in lines:
        rules = session.rules.get(line.code, [])
        for check in ALL_CHECKS:
            findings += check(session, line, rules)
    return list(dict.fromkeys(findings))
