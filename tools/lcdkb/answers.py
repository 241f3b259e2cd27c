"""Explicit, dated answers to "does this need prior authorization?", the same everywhere (lookup, check, site,
exports).

A missing fact is never "no". For one payer's rule, one setting, one date of service and optionally one state,
the answer is one of:

- ``required``: an entry in effect says so ("Required (OPD prior authorization) since 2023-07-01");
- ``conditional``: it depends, and the condition is said ("Depends: voluntary programme ...", "Depends: only
  in IA");
- ``not-required``: an entry in effect says it is not needed, with its source;
- ``unknown``: nothing recorded covers that setting and date ("Unknown: confirm with the plan").

For Medicare in a state, ``merged`` combines the national rules with the contractor's into one verdict and
keeps each part, so the desk sees what applies and where it comes from.

The statuses map one to one onto HL7 Da Vinci CRD's coverage-information prior-authorization codes
(``CRD_CODES``): required = ``auth-needed``, not-required = ``no-auth``, conditional = ``conditional``; unknown is
no assertion (CRD would send ``conditional`` with a reason).
"""

from __future__ import annotations

from lcdkb.record import TYPE_CHECKING, Record

if TYPE_CHECKING:
    from datetime import date
    from typing import Any

    from lcdkb.model import KnowledgeBase, Rule

REQUIRED, CONDITIONAL, NOT_REQUIRED, UNKNOWN = "required", "conditional", "not-required", "unknown"
PRECEDENCE = (REQUIRED, CONDITIONAL, NOT_REQUIRED, UNKNOWN)
DESK_SETTINGS = ("office", "asc", "hospital-outpatient")
SETTING_NAMES = {
    "office": "the office",
    "asc": "an ASC",
    "hospital-outpatient": "a hospital outpatient department",
    "home": "the home",
}
UNKNOWN_TEXT = "Unknown: confirm with the plan"
CRD_CODES = {REQUIRED: "auth-needed", NOT_REQUIRED: "no-auth", CONDITIONAL: "conditional", UNKNOWN: None}


class Answer(Record):
    FIELDS = ("status", "text", "reason", "payer_id", "rule_id", "sources", "confidence", "parts")
    status: str  # required | conditional | not-required | unknown
    text: str  # what a biller reads: "Required (...) since ...", "Not required", "Depends: ...", "Unknown: ..."
    reason: str  # why, in words: which program, period and source, or what is missing
    payer_id: str | None
    rule_id: str | None
    sources: tuple[str, ...]
    confidence: str | None
    parts: tuple[Answer, ...]  # for a merged answer: each payer's own answer

    def __init__(
        self,
        status: str,
        text: str,
        reason: str,
        payer_id: str | None = None,
        rule_id: str | None = None,
        sources: tuple[str, ...] = (),
        confidence: str | None = None,
        parts: tuple[Answer, ...] = (),
    ) -> None:
        self._fill(locals())

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "status": self.status,
            "text": self.text,
            "reason": self.reason,
            "payer_id": self.payer_id,
            "rule_id": self.rule_id,
            "sources": list(self.sources),
            "confidence": self.confidence,
            "crd_code": CRD_CODES[self.status],
        }
        if self.parts:
            data["parts"] = [part.as_dict() for part in self.parts]
        return data


def entry_applies(entry: dict, day: date, setting: str | None = None, state: str | None = None) -> bool:
    """Whether a prior authorization entry is in effect on ``day`` (its from/until and any effective dates), in
    ``setting`` and in ``state`` (None: any). The one predicate lookup, check, the site and the API use."""
    in_period = entry.get("from", "0000-00-00") <= day.isoformat() <= entry.get("until", "9999-99-99")
    return in_period and in_effect(entry, day) and _for_setting(entry, setting) and _for_state(entry, state)


def in_effect(fact, day: date) -> bool:
    """Whether a fact holds on a date of service: inside its effective_from/effective_to when it has them."""
    if not isinstance(fact, dict):
        return True
    return fact.get("effective_from", "0000-00-00") <= day.isoformat() <= fact.get("effective_to", "9999-99-99")


def rule_on(rule: Rule, day: date) -> Rule:
    """The rule as it stood on a date of service: facts (and list entries) dated outside it are left out, so a
    question about that day is never answered from a fact that did not hold then (it reads as not recorded)."""
    facts = {}
    for name, value in rule.facts.items():
        if isinstance(value, list):
            facts[name] = [item for item in value if in_effect(item, day)]
        elif in_effect(value, day):
            facts[name] = value
    return rule.replace(facts=facts)


def code_in_effect(kb: KnowledgeBase, code: str, day: date) -> bool:
    """Whether a code could be billed on a date of service (G3002 only from 2023-01-01)."""
    return in_effect(kb.codes.get(code, {}), day)


def _for_setting(entry: dict, setting: str | None) -> bool:
    settings = entry.get("settings", ["any"])
    return setting is None or "any" in settings or setting in settings


def _for_state(entry: dict, state: str | None) -> bool:
    return not state or not entry.get("states") or state in entry["states"]


def _period(entry: dict) -> str:
    if entry.get("from") and entry.get("until"):
        return f" from {entry['from']} until {entry['until']}"
    return (
        f" since {entry['from']}" if entry.get("from") else (f" until {entry['until']}" if entry.get("until") else "")
    )


def _where(setting: str | None) -> str:
    return f"in {SETTING_NAMES.get(setting, setting)}" if setting else "in any setting"


def _program(name: str | None) -> str:
    """The program in parentheses, or set off by commas when its own name has parentheses."""
    if not name:
        return ""
    return f", {name}," if "(" in name else f" ({name})"


def _from_entry(rule: Rule, entry: dict, state: str | None) -> Answer:
    program = _program(entry.get("program"))
    limited = entry.get("states") and state is None
    source = (entry["source"],) if entry.get("source") else tuple(s.id for s in rule.sources)
    where = f" in {', '.join(entry['states'])} only" if entry.get("states") else ""
    if limited:
        status = CONDITIONAL
        text = f"Depends: {entry['requirement'].replace('-', ' ')} only in {', '.join(entry['states'])}{program}"
    elif entry["requirement"] == "required":
        status, text = REQUIRED, f"Required{program}{_period(entry)}"
    elif entry["requirement"] == "voluntary":
        status, text = CONDITIONAL, f"Depends: voluntary prior authorization{program}{_period(entry)}"
    else:
        status, text = NOT_REQUIRED, f"Not required{program}{_period(entry)}"
    reason = f"{entry['requirement'].replace('-', ' ')}{program}{where}{_period(entry)}"
    return Answer(status, text.rstrip(","), reason.rstrip(","), rule.payer_id, rule.id, source, entry.get("confidence"))


def prior_auth(rule: Rule, setting: str | None, day: date, state: str | None = None) -> Answer:
    """The rule's answer for one setting (None: any), date of service and state (None: anywhere)."""
    entries = [e for e in rule.facts.get("prior_auth", []) if entry_applies(e, day, setting, state)]
    if not entries:
        return Answer(
            UNKNOWN,
            UNKNOWN_TEXT,
            f"no prior-authorization fact is recorded for {rule.code} {_where(setting)} on {day.isoformat()}",
            payer_id=rule.payer_id,
            rule_id=rule.id,
        )
    answers = [_from_entry(rule, e, state) for e in entries]
    return min(answers, key=lambda a: PRECEDENCE.index(a.status))


def by_setting(rule: Rule, day: date, state: str | None = None) -> dict[str, Answer]:
    return {setting: prior_auth(rule, setting, day, state) for setting in DESK_SETTINGS}


def merged(
    kb: KnowledgeBase, code: str, rules: list[Rule], setting: str | None, day: date, state: str | None = None
) -> Answer:
    """One verdict from several payers' rules for the same claim (Medicare in a state: the national rules and
    the contractor's). A required part wins, then a conditional one, then not-required; unknown only when no
    part knows. Every part is kept, with where it comes from."""
    parts = tuple(prior_auth(rule, setting, day, state) for rule in rules if rule.code == code)
    if not parts:
        return Answer(UNKNOWN, UNKNOWN_TEXT, f"no rule for {code} is recorded here")
    lead = min(parts, key=lambda a: PRECEDENCE.index(a.status))
    payer = kb.payers.get(lead.payer_id or "")
    origin = f", per {payer.name}" if payer is not None and lead.status != UNKNOWN and len(parts) > 1 else ""
    return Answer(
        lead.status,
        lead.text + origin if lead.status != UNKNOWN else lead.text,
        lead.reason,
        payer_id=lead.payer_id,
        rule_id=lead.rule_id,
        sources=lead.sources,
        confidence=lead.confidence,
        parts=parts,
    )
