"""For a spike or pattern, the lcdkb rule that explains it and what to do, taken only from the data.

The payer's own rule for the code (and, for a Medicare contractor, the national rule too) is read for the fact that
matches the reason group: covered diagnoses and the catalogue's non-billable codes for diagnosis denials, the
documentation checklist for documentation denials, the dated prior-authorization answers for prior-auth denials,
frequency and per-session limits, modifier rules, same-session pairs, coverage criteria. A fact the data does not
record is said to be Unknown, never filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lcdkb import answers, icd10
from lcdkb.model import KnowledgeBase, Rule

ACTIONS = {
    "medical-necessity": "Check the procedure notes against the rule's coverage criteria before billing.",
    "diagnosis": "Code the diagnosis the rule covers, to the full billable code; correct and resubmit the lines.",
    "documentation": "Tell the providers which checklist items the procedure notes miss; send the records asked for.",
    "prior-authorization": "Get the authorization before the date of service where the rule requires it.",
    "modifier": "Check the modifiers the rule asks for or forbids on this code.",
    "bundling": "Check which codes the rule does not pay in the same session; bill only the one that applies.",
    "frequency-units": "Check the patient's earlier sessions and units against the rule's limits before scheduling.",
    "eligibility": "Verify coverage and the responsible payer before the visit; no coverage rule explains this.",
    "timely-filing": "Send claims within the payer's filing limit; no coverage rule explains this.",
    "other": "Read the adjustment and remark codes on the lines; lcdkb's rules may not explain this reason.",
}
SITE_ENV = "LCDKB_SITE_URL"


@dataclass
class Advice:
    rule_id: str | None
    page: str | None  # the public site's page for the rule: payers/<id>/#<code>
    policy: str | None
    action: str
    facts: list[str] = field(default_factory=list)  # what the data records, one line each
    sources: list[dict] = field(default_factory=list)  # {id, url, confidence}

    def as_data(self) -> dict:
        return {
            "rule_id": self.rule_id,
            "page": self.page,
            "policy": self.policy,
            "action": self.action,
            "facts": self.facts,
            "sources": self.sources,
        }


def rule_page(rule: Rule) -> str:
    return f"payers/{rule.payer_id}/#{rule.code.lower()}"


def advise(kb: KnowledgeBase, payer_id: str, code: str, reason: str, on: date) -> Advice:
    rule = kb.rule(payer_id, code)
    action = ACTIONS.get(reason, ACTIONS["other"])
    if rule is None:
        return Advice(None, None, None, action, [f"Unknown: lcdkb records no rule for {code} at {payer_id}."])
    rules = [rule]
    payer = kb.payers.get(payer_id)
    national = kb.rule("medicare-national", code)
    if payer is not None and payer.kind == "medicare-mac" and national is not None:
        rules.append(national)
    facts: list[str] = []
    cited: list[str] = []
    for each in rules:
        dated = answers.rule_on(each, on)
        found, ids = _facts_for(kb, dated, reason, on)
        prefix = "" if each is rule else f"{kb.payers[each.payer_id].name}: "
        facts += [prefix + line for line in found]
        cited += ids
    if not facts and reason not in ("eligibility", "timely-filing", "other"):
        facts.append(f"Unknown: the rule records no fact for {reason.replace('-', ' ')} denials on {code}.")
    sources = [
        {"id": s.id, "url": s.url, "confidence": s.confidence}
        for s in rule.sources
        if s.id in dict.fromkeys(cited) or not cited
    ]
    return Advice(rule.id, rule_page(rule), rule.policy, action, facts, sources)


def _facts_for(kb: KnowledgeBase, rule: Rule, reason: str, on: date) -> tuple[list[str], list[str]]:
    f = rule.facts
    lines: list[str] = []
    cited: list[str] = []

    def cite(fact) -> str:
        if isinstance(fact, dict) and fact.get("source"):
            cited.append(fact["source"])
            return f" [{fact['source']}, {fact.get('confidence', 'unverified')}]"
        return ""

    if reason in ("diagnosis", "medical-necessity"):
        diagnoses = f.get("diagnoses")
        if isinstance(diagnoses, dict) and diagnoses.get("covered"):
            covered = diagnoses["covered"]
            shown = ", ".join(covered[:12]) + (f" and {len(covered) - 12} more" if len(covered) > 12 else "")
            lines.append(
                f"Covered diagnoses ({diagnoses.get('completeness', 'partial')} list): {shown}{cite(diagnoses)}"
            )
        elif reason == "diagnosis":
            lines.append("Covered diagnoses: Unknown (the rule records no list)")
        lines += _non_billable(kb, rule.code, on)
    if reason == "medical-necessity":
        criteria = f.get("coverage_criteria")
        if isinstance(criteria, dict) and criteria.get("summary"):
            lines.append(f"Coverage criteria: {criteria['summary']}{cite(criteria)}")
    if reason == "documentation":
        documentation = f.get("documentation")
        if isinstance(documentation, dict) and documentation.get("items"):
            source = cite(documentation)
            lines += [f"Checklist: {item}{source}" for item in documentation["items"]]
    if reason == "prior-authorization":
        for setting, answer in answers.by_setting(rule, on).items():
            where = answers.SETTING_NAMES.get(setting, setting)
            sources = f" [{', '.join(answer.sources)}, {answer.confidence or 'unverified'}]" if answer.sources else ""
            cited.extend(answer.sources)
            lines.append(f"Prior authorization in {where} on {on.isoformat()}: {answer.text}{sources}")
    if reason == "frequency-units":
        frequency = f.get("frequency")
        if isinstance(frequency, dict) and frequency.get("max_sessions"):
            period = str(frequency.get("period", "")).replace("-", " ")
            per = str(frequency.get("scope", "")).replace("-", " ")
            lines.append(f"At most {frequency['max_sessions']} sessions per {period} (per {per}){cite(frequency)}")
        for name, one, many in (
            ("levels_per_session", "level", "levels"),
            ("regions_per_session", "region", "regions"),
        ):
            limit = f.get(name)
            if isinstance(limit, dict) and "max" in limit:
                what = one if limit["max"] == 1 else many
                lines.append(f"At most {limit['max']} {what} per session{cite(limit)}")
    if reason == "modifier":
        for entry in f.get("modifiers", []) or []:
            when = f" when {entry['when'].replace('-', ' ')}" if entry.get("when") else ""
            lines.append(f"Modifier {entry['code']}: {entry.get('use', 'see rule')}{when}{cite(entry)}")
    if reason == "bundling":
        for entry in f.get("not_same_session", []) or []:
            lines.append(f"Not in the same session with: {', '.join(entry.get('codes', []))}{cite(entry)}")
    return lines, cited


def _non_billable(kb: KnowledgeBase, code: str, on: date) -> list[str]:
    """The catalogue's non-billable diagnosis codes whose billable replacements some rule for ``code`` covers."""
    covered: set[str] = set()
    for rule in kb.rules_for(code):
        diagnoses = rule.facts.get("diagnoses")
        if isinstance(diagnoses, dict):
            covered |= {icd10.normalize(d) for d in diagnoses.get("covered", [])}
    lines = []
    for entry in sorted(kb.diagnoses.values(), key=lambda e: e["code"]):
        replacements = entry.get("replaced_by", [])
        in_force = entry.get("billable") is False and entry.get("from", "0000") <= on.isoformat()
        if in_force and {icd10.normalize(r) for r in replacements} & covered:
            sources = ", ".join(entry.get("sources", []))
            lines.append(
                f"{entry['code']} is not billable since {entry.get('from', 'Unknown')}; bill one of "
                f"{', '.join(replacements)} [{sources}]"
            )
    return lines
