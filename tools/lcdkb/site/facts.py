"""Rule facts in words billing staff read: one short form for tables and one full form with notes."""

from __future__ import annotations

from lcdkb import phrases
from lcdkb.model import Rule
from lcdkb.site.markup import badge, text

WEAK = ("unverified", "conflicting")


def mark(fact: dict) -> str:
    """A visible badge when a fact is not verified."""
    return " " + badge(fact["confidence"]) if fact.get("confidence") in WEAK else ""


def _one(rule: Rule, name: str, phrase, **options) -> str:
    fact = rule.facts.get(name)
    return text(phrase(fact, **options)) + mark(fact) if fact else ""


def _each(rule: Rule, name: str, phrase, keep=lambda entry: True) -> str:
    return "<br>".join(text(phrase(e)) + mark(e) for e in rule.facts.get(name, []) if keep(e))


def coverage(rule: Rule, short: bool = False) -> str:
    return _one(rule, "coverage", phrases.coverage, short=short)


def prior_auth(rule: Rule, state: str | None = None) -> str:
    """Each requirement; with ``state``, only those that apply there."""
    return _each(
        rule, "prior_auth", phrases.prior_auth, lambda e: not state or not e.get("states") or state in e["states"]
    )


def modifiers(rule: Rule) -> str:
    return _each(rule, "modifiers", phrases.modifier)


def units(rule: Rule) -> str:
    return _one(rule, "units", phrases.units)


def frequency(rule: Rule) -> str:
    return _one(rule, "frequency", phrases.frequency)


def levels(rule: Rule) -> str:
    parts = []
    for name, word in (("levels_per_session", "level"), ("regions_per_session", "region")):
        if name in rule.facts:
            fact = rule.facts[name]
            parts.append(text(phrases.count(fact["max"], word)) + mark(fact))
    return "; ".join(parts)


def imaging(rule: Rule, short: bool = False) -> str:
    return _one(rule, "imaging", phrases.imaging, short=short)


def diagnoses(rule: Rule, limit: int | None = None) -> str:
    fact = rule.facts.get("diagnoses")
    if not fact or not fact.get("covered"):
        return ""
    return text(phrases.diagnoses(fact, limit)) + mark(fact)


def summary(rule: Rule, name: str) -> str:
    fact = rule.facts.get(name)
    return text(fact["summary"]) + mark(fact) if fact else ""


def conflicts(rule: Rule) -> str:
    return _each(rule, "not_same_session", phrases.conflict)


def time_threshold(rule: Rule) -> str:
    return _one(rule, "time_threshold", phrases.time_threshold)


FULL_ROWS = (
    ("Coverage", coverage),
    ("Prior authorization", prior_auth),
    ("Modifiers", modifiers),
    ("Units", units),
    ("Frequency", frequency),
    ("Per session", levels),
    ("Imaging", imaging),
    ("Time", time_threshold),
    ("Not in the same session", conflicts),
    ("Coverage criteria", lambda r: summary(r, "coverage_criteria")),
    ("Repeat criteria", lambda r: summary(r, "repeat_criteria")),
    ("Covered diagnoses", diagnoses),
)
FACT_OF_ROW = {
    "Coverage": ("coverage",),
    "Prior authorization": ("prior_auth",),
    "Modifiers": ("modifiers",),
    "Units": ("units",),
    "Frequency": ("frequency",),
    "Per session": ("levels_per_session", "regions_per_session"),
    "Imaging": ("imaging",),
    "Time": ("time_threshold",),
    "Not in the same session": ("not_same_session",),
    "Coverage criteria": ("coverage_criteria",),
    "Repeat criteria": ("repeat_criteria",),
    "Covered diagnoses": ("diagnoses",),
}


def notes_for(rule: Rule, row: str) -> list[str]:
    """The notes of the facts behind one row, for the detail view."""
    found = []
    for name in FACT_OF_ROW[row]:
        value = rule.facts.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and item.get("note"):
                found.append(text(item["note"]))
    return found
