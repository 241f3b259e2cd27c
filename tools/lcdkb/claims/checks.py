"""The checks. Each takes one claim's lines on one date with the payer's rules and returns findings.

Severity: error when a verified rule says the line will be denied; warning when the rule behind it is
unverified or conflicting, or when the claim needs documentation or a prior authorization on file; info for
what the data cannot settle. No payer is named here: every limit comes from a rule in the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from lcdkb import icd10
from lcdkb.claims.lines import ClaimLine
from lcdkb.lookup import prior_auth_applies
from lcdkb.model import KnowledgeBase, Rule

# CMS place of service codes -> the settings rules name.
SETTINGS = {"11": "office", "12": "home", "19": "hospital-outpatient", "22": "hospital-outpatient", "24": "asc"}
VERIFIED = ("verified-primary", "verified-secondary")


@dataclass(frozen=True)
class Finding:
    claim_id: str
    line_no: int
    code: str
    severity: str  # error, warning, info
    # medical-necessity, non-covered, modifier, diagnosis, prior-authorization, units-frequency, bundled, coding
    group: str
    message: str
    rule_id: str | None = None
    sources: tuple[str, ...] = ()
    confidence: str | None = None


@dataclass
class Session:
    """One claim's lines on one date of service, with the rules that apply to each code."""

    kb: KnowledgeBase
    lines: list[ClaimLine]
    rules: dict[str, list[Rule]] = field(default_factory=dict)  # code -> the payer's rules (MAC and national)
    state: str | None = None

    @cached_property
    def non_billable(self) -> dict[str, dict]:
        """The diagnosis catalogue's non-billable codes, keyed by normalized code."""
        return {icd10.normalize(code): entry for code, entry in self.kb.diagnoses.items()}

    def codes(self) -> set[str]:
        return {line.code for line in self.lines}

    def units_of(self, codes) -> int:
        return sum(line.units for line in self.lines if line.code in codes)


def _finding(
    line: ClaimLine, severity: str, group: str, message: str, rule: Rule | None = None, fact: dict | None = None
) -> Finding:
    confidence = (fact or {}).get("confidence") or (rule.confidence if rule else None)
    if severity == "error" and confidence not in (None, *VERIFIED):
        severity = "warning"
        message += f" (rule {confidence})"
    sources: tuple[str, ...] = ()
    if rule is not None:
        cited = (fact or {}).get("source")
        sources = tuple(s.url or s.id for s in rule.sources if cited is None or s.id == cited)
    return Finding(
        line.claim_id, line.line_no, line.code, severity, group, message, rule.id if rule else None, sources, confidence
    )


def _with_fact(rules: list[Rule], name: str):
    """(rule, fact) for each rule that records the fact ``name``."""
    return ((rule, rule.facts[name]) for rule in rules if rule.facts.get(name))


def check_codes_known(session: Session, line: ClaimLine, rules: list[Rule]) -> list[Finding]:
    if line.code not in session.kb.codes:
        return [_finding(line, "info", "coding", f"{line.code} is not a code lcdkb has rules for")]
    if not rules:
        return [_finding(line, "info", "coding", f"no rule recorded for {line.code} with this payer")]
    return []


def check_coverage(session, line, rules):
    out = []
    for rule in rules:
        fact = rule.facts.get("coverage")
        if fact and fact["status"] in ("not-covered", "investigational"):
            words = "not covered" if fact["status"] == "not-covered" else "investigational (not covered)"
            out.append(
                _finding(line, "error", "non-covered", f"{line.code} is {words} under this payer's rule", rule, fact)
            )
    return out


def check_add_on(session, line, rules):
    primaries = session.kb.codes.get(line.code, {}).get("add_on_of")
    if primaries and not session.codes() & set(primaries):
        return [
            _finding(
                line,
                "error",
                "coding",
                f"add-on {line.code} billed without its primary code ({' or '.join(primaries)}) on the same date",
            )
        ]
    return []


def check_modifiers(session, line, rules):
    out = []
    both_sides = {"RT", "LT"} <= set(line.modifiers)
    for rule in rules:
        for entry in rule.facts.get("modifiers", []):
            code, use = entry["code"], entry["use"]
            present = code in line.modifiers
            if use == "forbidden" and present:
                out.append(
                    _finding(line, "error", "modifier", f"modifier {code} is not allowed on {line.code}", rule, entry)
                )
            elif use == "required" and not present:
                out.append(_finding(line, "error", "modifier", f"{line.code} needs modifier {code}", rule, entry))
            elif use == "conditional" and entry.get("when") == "bilateral" and code == "50" and not present:
                same_code = [other for other in session.lines if other.code == line.code]
                sides = {m for other in same_code for m in other.modifiers} & {"RT", "LT"}
                if both_sides or (len(same_code) > 1 and sides == {"RT", "LT"} and line is same_code[0]):
                    out.append(
                        _finding(
                            line,
                            "error",
                            "modifier",
                            f"bilateral {line.code} must be billed on one line with modifier 50, not with RT and LT",
                            rule,
                            entry,
                        )
                    )
    return out


def check_units(session, line, rules):
    out = []
    for rule, fact in _with_fact(rules, "units"):
        billed = line.units if fact.get("per", "line") == "line" else session.units_of({line.code})
        if billed > fact["max"] and (fact.get("per", "line") == "line" or line is _first(session, line.code)):
            basis = f" ({fact['basis']})" if fact.get("basis") else ""
            out.append(
                _finding(
                    line,
                    "error",
                    "units-frequency",
                    f"{billed} units of {line.code}; the limit is {fact['max']}{basis}",
                    rule,
                    fact,
                )
            )
    return out


def _first(session: Session, code: str) -> ClaimLine:
    return next(line for line in session.lines if line.code == code)


def _family(kb: KnowledgeBase, code: str) -> set[str]:
    """A code with its add-ons, or an add-on with its primaries and their add-ons: the codes that count levels."""
    primaries = set(kb.codes.get(code, {}).get("add_on_of", [])) or {code}
    return primaries | {c for c, e in kb.codes.items() if primaries & set(e.get("add_on_of", []))}


def check_levels(session, line, rules):
    out: list[Finding] = []
    family = _family(session.kb, line.code)
    first = next(each for each in session.lines if each.code in family)
    if line is not first:
        return out
    for rule, fact in _with_fact(rules, "levels_per_session"):
        levels = sum(each.units for each in session.lines if each.code in family)
        if levels > fact["max"]:
            out.append(
                _finding(
                    line,
                    "error",
                    "units-frequency",
                    f"{levels} levels of {', '.join(sorted(family & session.codes()))} in one session; "
                    f"the limit is {fact['max']}",
                    rule,
                    fact,
                )
            )
    return out


def check_regions(session, line, rules):
    out = []
    for rule in rules:
        fact = rule.facts.get("regions_per_session")
        if not fact or not rule.policy:
            continue
        same_policy = [
            each
            for each in session.lines
            for r in session.rules.get(each.code, [])
            if r.policy == rule.policy and r.payer_id == rule.payer_id
        ]
        regions = {session.kb.codes[each.code].get("region") for each in same_policy} - {None, "any"}
        if len(regions) > fact["max"] and line is same_policy[0]:
            out.append(
                _finding(
                    line,
                    "error",
                    "units-frequency",
                    f"{len(regions)} spinal regions ({', '.join(sorted(regions))}) in one session under "
                    f"{rule.policy_title or rule.policy}; the limit is {fact['max']}",
                    rule,
                    fact,
                )
            )
    return out


def check_same_session(session, line, rules):
    out = []
    for rule in rules:
        for entry in rule.facts.get("not_same_session", []):
            others = [other for other in session.lines if other.code in entry["codes"] and other.code != line.code]
            if entry["scope"] == "same-region":
                region = session.kb.codes.get(line.code, {}).get("region")
                others = [other for other in others if session.kb.codes.get(other.code, {}).get("region") == region]
            if others:
                out.append(
                    _finding(
                        line,
                        "error",
                        "bundled",
                        f"{line.code} with {', '.join(sorted({other.code for other in others}))} on the same date: "
                        "this payer does not pay both in one session",
                        rule,
                        entry,
                    )
                )
    return out


def check_diagnoses(session, line, rules):
    out = []
    for dx in line.diagnoses:
        entry = session.non_billable.get(icd10.normalize(dx))
        if entry and line.date_of_service.isoformat() >= entry["from"]:
            out.append(
                _finding(
                    line,
                    "error",
                    "diagnosis",
                    f"{dx} is not billable from {entry['from']}; use {', '.join(entry.get('replaced_by', []))}",
                )
            )
    if not line.diagnoses:
        return out + [_finding(line, "warning", "diagnosis", f"no diagnosis on the {line.code} line")]
    for rule, fact in _with_fact(rules, "diagnoses"):
        excluded = [dx for dx in line.diagnoses if icd10.matches_any(dx, fact.get("not_covered", []))]
        if excluded:
            out.append(
                _finding(
                    line,
                    "error",
                    "diagnosis",
                    f"{', '.join(excluded)} does not support {line.code} under this rule",
                    rule,
                    fact,
                )
            )
        covered = fact.get("covered", [])
        if covered and not any(icd10.matches_any(dx, covered) for dx in line.diagnoses):
            if fact.get("completeness") == "complete":
                out.append(
                    _finding(
                        line,
                        "error",
                        "diagnosis",
                        f"none of {', '.join(line.diagnoses)} is on the payer's covered list for {line.code}",
                        rule,
                        fact,
                    )
                )
            else:
                out.append(
                    _finding(
                        line,
                        "warning",
                        "diagnosis",
                        f"none of {', '.join(line.diagnoses)} is among the covered examples for {line.code} "
                        f"(e.g. {', '.join(covered[:4])}); check the policy's full list",
                        rule,
                        fact,
                    )
                )
    return out


def check_prior_auth(session, line, rules):
    out = []
    setting = SETTINGS.get(line.place_of_service or "")
    for rule in rules:
        for entry in rule.facts.get("prior_auth", []):
            if entry["requirement"] == "not-required" or not prior_auth_applies(
                entry, line.date_of_service, setting, session.state
            ):
                continue
            if setting is None and "any" not in entry.get("settings", ["any"]):
                continue
            program = f" ({entry['program']})" if entry.get("program") else ""
            if entry["requirement"] == "required":
                if line.prior_auth is False:
                    out.append(
                        _finding(
                            line,
                            "error",
                            "prior-authorization",
                            f"prior authorization{program} is required for {line.code} here and none is on file",
                            rule,
                            entry,
                        )
                    )
                elif line.prior_auth is None:
                    out.append(
                        _finding(
                            line,
                            "warning",
                            "prior-authorization",
                            f"prior authorization{program} is required for {line.code} here; make sure it is on file",
                            rule,
                            entry,
                        )
                    )
            elif line.prior_auth is not True:
                out.append(
                    _finding(
                        line,
                        "info",
                        "prior-authorization",
                        f"voluntary prior authorization{program} applies; without it the claim goes to "
                        "pre-payment review",
                        rule,
                        entry,
                    )
                )
    return out


def check_time(session, line, rules):
    out = []
    for rule, fact in _with_fact(rules, "time_threshold"):
        if line.minutes is None:
            out.append(
                _finding(
                    line,
                    "warning",
                    "medical-necessity",
                    f"{line.code} needs at least {fact['min_minutes']} minutes; give the minutes",
                    rule,
                    fact,
                )
            )
        elif line.minutes < fact["min_minutes"] * (line.units if fact["per"] == "unit" else 1):
            out.append(
                _finding(
                    line,
                    "error",
                    "medical-necessity",
                    f"{line.minutes} minutes is under the {fact['min_minutes']}-minute threshold for {line.code}",
                    rule,
                    fact,
                )
            )
    return out


def check_epidural_approaches(session, line, rules):
    """Interlaminar and transforaminal epidurals in one region on one date, where no rule of this payer speaks to
    it: say so, rather than stay silent or claim a rule. (The codes' families and regions come from codes.yaml.)"""
    codes = session.kb.codes
    entry = codes.get(line.code, {})
    if entry.get("family") != "epidural-interlaminar":
        return []
    others = [
        other
        for other in session.lines
        if codes.get(other.code, {}).get("family") == "epidural-transforaminal"
        and codes[other.code].get("region") == entry.get("region")
    ]
    recorded = any(
        set(c["codes"]) & {other.code for other in others}
        for r in rules + [r for other in others for r in session.rules.get(other.code, [])]
        for c in r.facts.get("not_same_session", [])
    )
    if not others or recorded:
        return []
    return [
        _finding(
            line,
            "info",
            "bundled",
            f"{line.code} with {', '.join(sorted({other.code for other in others}))}: interlaminar and transforaminal "
            "epidurals in the same region on one date. No rule recorded for this payer says whether both "
            "are paid; check the NCCI edits and document why both approaches were needed",
        )
    ]


ALL_CHECKS = (
    check_codes_known,
    check_epidural_approaches,
    check_coverage,
    check_add_on,
    check_modifiers,
    check_units,
    check_levels,
    check_regions,
    check_same_session,
    check_diagnoses,
    check_prior_auth,
    check_time,
)
