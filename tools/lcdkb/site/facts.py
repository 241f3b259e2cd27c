"""Rule facts in words billing staff read: one short form for tables and one full form with notes.

A cell is never blank: a fact with no entry reads "Not recorded" (``lcdkb.phrases.NOT_RECORDED``, as the command
line says), and prior authorization always reads as a dated answer from ``lcdkb.answers``: "Required ...",
"Not required ...", "Depends: ..." or "Unknown: confirm with the plan".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from lcdkb import answers, phrases
from lcdkb.model import Rule
from lcdkb.site.markup import badge, text

WEAK = ("unverified", "conflicting")
# Rows of the full rule table shown even without a fact ("Not recorded"): a blank would read as "nothing needed".
ALWAYS_SHOWN = ("Coverage", "Prior authorization", "Modifiers", "Units", "Frequency", "Per session", "Imaging")


def mark(fact: dict) -> str:
    """The dates of service a dated fact holds for, and a visible badge when it is not verified."""
    return period(fact) + (" " + badge(fact["confidence"]) if fact.get("confidence") in WEAK else "")


def period(fact: dict) -> str:
    start, end = fact.get("effective_from"), fact.get("effective_to")
    if not start and not end:
        return ""
    words = f"from {start} until {end}" if start and end else (f"from {start}" if start else f"until {end}")
    return f" <small>({text(words)})</small>"


def not_recorded() -> str:
    """The cell for a fact the data does not record, set apart from the facts around it."""
    return f"<em>{text(phrases.NOT_RECORDED)}</em>"


def or_not_recorded(cell: str) -> str:
    return cell or not_recorded()


def weak_mark(confidences: Iterable[str | None]) -> str:
    """One badge for the weakest of several answers' confidences, when any is unverified or conflicting."""
    weak = {c for c in confidences if c in WEAK}
    return " " + badge("conflicting" if "conflicting" in weak else "unverified") if weak else ""


def _one(rule: Rule, name: str, phrase, **options) -> str:
    fact = rule.facts.get(name)
    return text(phrase(fact, **options)) + mark(fact) if fact else ""


def _each(rule: Rule, name: str, phrase, keep=lambda entry: True) -> str:
    return "<br>".join(text(phrase(e)) + mark(e) for e in rule.facts.get(name, []) if keep(e))


def coverage(rule: Rule, short: bool = False) -> str:
    return _one(rule, "coverage", phrases.coverage, short=short)


SETTING_LABELS = {"office": "Office", "asc": "ASC", "hospital-outpatient": "Hospital outpatient"}


def prior_auth_answer(rule: Rule, day: date, state: str | None = None) -> str:
    """The explicit answer for the desk settings on ``day`` (in ``state``, or anywhere), never blank: one text when
    every setting gets the same, else one line per answer after its settings in bold
    ("<strong>Office, ASC:</strong> Not required" / "<strong>Hospital outpatient:</strong> Required (...)").
    Cells here are HTML that reads the same in Markdown (tags and character references only)."""
    groups: dict[str, list[answers.Answer]] = {}
    settings: dict[str, list[str]] = {}
    for setting, answer in answers.by_setting(rule, day, state).items():
        groups.setdefault(answer.text, []).append(answer)
        settings.setdefault(answer.text, []).append(SETTING_LABELS.get(setting, setting))
    if len(groups) == 1:
        [(only, found)] = groups.items()
        return text(only) + weak_mark(a.confidence for a in found)
    return "<br>".join(
        f"<strong>{text(', '.join(settings[words]))}:</strong> {text(words)}" + weak_mark(a.confidence for a in found)
        for words, found in groups.items()
    )


def prior_auth_full(rule: Rule, day: date) -> str:
    """The dated answer, then every recorded requirement with its settings, states and period."""
    cell = prior_auth_answer(rule, day) + f" (as of {day.isoformat()})"
    recorded = prior_auth(rule)
    return cell + (f"<br><small>Recorded: {recorded}</small>" if recorded else "")


def prior_auth(rule: Rule, state: str | None = None) -> str:
    """Each recorded requirement; with ``state``, only those that apply there."""
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


def full_rows(rule: Rule, day: date) -> list[list[str]]:
    """[row name, cell] for the full rule table: the core facts always (a missing one reads "Not recorded"), the
    others when recorded."""
    rows = []
    for row, render in FULL_ROWS:
        cell = prior_auth_full(rule, day) if row == "Prior authorization" else render(rule)
        if not cell and row in ALWAYS_SHOWN:
            cell = not_recorded()
        if cell:
            rows.append([row, cell])
    return rows


def notes_for(rule: Rule, row: str) -> list[str]:
    """The notes of the facts behind one row, for the detail view."""
    found = []
    for name in FACT_OF_ROW[row]:
        value = rule.facts.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and item.get("note"):
                found.append(text(item["note"]))
    return found
