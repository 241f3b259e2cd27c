"""Rule facts in words billing staff read: one short form for tables and one full form with notes."""
from __future__ import annotations

from lcdkb.model import Rule
from lcdkb.site.markup import badge, text

WEAK = ("unverified", "conflicting")
SETTINGS = {"any": "any setting", "office": "office", "asc": "ASC", "hospital-outpatient": "hospital outpatient",
            "home": "home"}
COVERAGE = {"covered": "Covered when criteria are met", "not-covered": "Not covered",
            "investigational": "Investigational / unproven", "no-specific-policy": "No specific policy"}
PERIODS = {"rolling-12-months": "rolling 12 months", "rolling-6-months": "rolling 6 months",
           "calendar-month": "calendar month", "calendar-year": "calendar year"}


def mark(fact: dict) -> str:
    """A visible badge when a fact is not verified."""
    return " " + badge(fact["confidence"]) if fact.get("confidence") in WEAK else ""


COVERAGE_SHORT = {"covered": "Covered", "not-covered": "Not covered", "investigational": "Investigational",
                  "no-specific-policy": "No policy"}


def coverage(rule: Rule, short: bool = False) -> str:
    fact = rule.facts.get("coverage")
    return text((COVERAGE_SHORT if short else COVERAGE)[fact["status"]]) + mark(fact) if fact else ""


def prior_auth_entry(entry: dict) -> str:
    words = {"required": "Required", "voluntary": "Voluntary", "not-required": "Not required"}[entry["requirement"]]
    parts = [words + (f" ({entry['program']})" if entry.get("program") else "")]
    parts.append(", ".join(SETTINGS.get(s, s) for s in entry.get("settings", ["any"])))
    if entry.get("states"):
        parts.append("only " + ", ".join(entry["states"]))
    if entry.get("from") or entry.get("until"):
        parts.append(f"{entry.get('from', '…')} to {entry.get('until', 'open')}")
    return text("; ".join(parts)) + mark(entry)


def prior_auth(rule: Rule, state: str | None = None) -> str:
    """Each requirement; with ``state``, only those that apply there."""
    entries = [e for e in rule.facts.get("prior_auth", []) if not state or not e.get("states") or state in e["states"]]
    return "<br>".join(prior_auth_entry(e) for e in entries)


def modifiers(rule: Rule) -> str:
    words = {"required": "required", "conditional": "when", "allowed": "allowed", "forbidden": "never"}
    out = []
    for entry in rule.facts.get("modifiers", []):
        phrase = f"{entry['code']}: " + (f"when {entry['when'].replace('-', ' ')}" if entry["use"] == "conditional"
                                         else words[entry["use"]])
        out.append(text(phrase) + mark(entry))
    return "<br>".join(out)


def units(rule: Rule) -> str:
    fact = rule.facts.get("units")
    if not fact:
        return ""
    per = fact["per"].replace("-", " ") if "per" in fact else "line"
    extra = f" ({fact['basis']}" + (f", MAI {fact['mai']}" if "mai" in fact else "") + ")" if "basis" in fact else ""
    return text(f"{fact['max']} per {per}{extra}") + mark(fact)


def frequency(rule: Rule) -> str:
    fact = rule.facts.get("frequency")
    if not fact:
        return ""
    words = f"{fact['max_sessions']} per {PERIODS.get(fact['period'], fact['period'])}"
    if fact.get("scope"):
        words += f" per {fact['scope'].replace('-', ' ')}"
    if fact.get("min_days_between"):
        words += f"; at least {fact['min_days_between']} days apart"
    return text(words) + mark(fact)


def _count(number: int, word: str) -> str:
    return f"{number} {word}" + ("" if number == 1 else "s")


def levels(rule: Rule) -> str:
    parts = []
    if "levels_per_session" in rule.facts:
        fact = rule.facts["levels_per_session"]
        parts.append(text(_count(fact["max"], "level")) + mark(fact))
    if "regions_per_session" in rule.facts:
        fact = rule.facts["regions_per_session"]
        parts.append(text(_count(fact["max"], "region")) + mark(fact))
    return "; ".join(parts)


GUIDANCE = {"ct": "CT", "mri": "MRI", "none": "no guidance", "fluoroscopy": "fluoroscopy", "ultrasound": "ultrasound"}
GUIDANCE_SHORT = {"ct": "CT", "mri": "MRI", "none": "none", "fluoroscopy": "fluoro", "ultrasound": "US"}


def imaging(rule: Rule, short: bool = False) -> str:
    fact = rule.facts.get("imaging")
    if not fact:
        return ""
    names = GUIDANCE_SHORT if short else GUIDANCE
    parts = []
    if "required" in fact and not (short and fact.get("accepted")):
        parts.append("required" if fact["required"] else "not required")
    if fact.get("accepted"):
        parts.append("/".join(names.get(g, g) for g in fact["accepted"])
                     + ((" + contrast" if short else " with contrast") if fact.get("contrast_required") else ""))
    if fact.get("not_covered"):
        parts.append("not covered: " + ", ".join(names.get(g, g) for g in fact["not_covered"]))
    return text("; ".join(parts)) + mark(fact)


def diagnoses(rule: Rule, limit: int | None = None) -> str:
    fact = rule.facts.get("diagnoses")
    if not fact or not fact.get("covered"):
        return ""
    codes = fact["covered"] if limit is None else fact["covered"][:limit]
    more = len(fact["covered"]) - len(codes)
    label = "" if fact.get("completeness") == "complete" else "e.g. "
    return text(label + ", ".join(codes) + (f" (+{more} more)" if more else "")) + mark(fact)


def summary(rule: Rule, name: str) -> str:
    fact = rule.facts.get(name)
    return text(fact["summary"]) + mark(fact) if fact else ""


def conflicts(rule: Rule) -> str:
    scope = {"same-session": "same session", "same-region": "same region, same session"}
    return "<br>".join(text(f"{', '.join(c['codes'])} ({scope[c['scope']]})") + mark(c)
                       for c in rule.facts.get("not_same_session", []))


def time_threshold(rule: Rule) -> str:
    fact = rule.facts.get("time_threshold")
    if not fact:
        return ""
    return text(f"at least {fact['min_minutes']} minutes per {fact['per'].replace('-', ' ')}") + mark(fact)


FULL_ROWS = (
    ("Coverage", coverage), ("Prior authorization", prior_auth), ("Modifiers", modifiers), ("Units", units),
    ("Frequency", frequency), ("Per session", levels), ("Imaging", imaging), ("Time", time_threshold),
    ("Not in the same session", conflicts), ("Coverage criteria", lambda r: summary(r, "coverage_criteria")),
    ("Repeat criteria", lambda r: summary(r, "repeat_criteria")), ("Covered diagnoses", diagnoses),
)
FACT_OF_ROW = {"Coverage": ("coverage",), "Prior authorization": ("prior_auth",), "Modifiers": ("modifiers",),
               "Units": ("units",), "Frequency": ("frequency",),
               "Per session": ("levels_per_session", "regions_per_session"), "Imaging": ("imaging",),
               "Time": ("time_threshold",), "Not in the same session": ("not_same_session",),
               "Coverage criteria": ("coverage_criteria",), "Repeat criteria": ("repeat_criteria",),
               "Covered diagnoses": ("diagnoses",)}


def notes_for(rule: Rule, row: str) -> list[str]:
    """The notes of the facts behind one row, for the detail view."""
    found = []
    for name in FACT_OF_ROW[row]:
        value = rule.facts.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and item.get("note"):
                found.append(text(item["note"]))
    return found
