"""rules.csv: one flat row per payer and code, for spreadsheets.

Excel-friendly: UTF-8 with a byte-order mark (so non-ASCII text shows right), CRLF line ends, ISO dates, every
row sorted by rule ID. Lists are joined with "; " and a structured fact becomes words in a fixed pattern.
Cells that a spreadsheet would run as a formula get a leading apostrophe. The prior_auth_<setting> columns hold
the explicit answer for each desk setting on the export's status date ("Required ...", "Not required ...",
"Depends: ...", "Unknown: confirm with the plan"), never a blank. The fact columns in words (coverage,
prior_auth, modifiers, diagnoses_covered) say "Not recorded" when the data records nothing; the numeric and
detail columns stay empty then, so spreadsheets can still sum and sort them (the JSON has null there).
"""

from __future__ import annotations

import csv
import io

from lcdkb.phrases import NOT_RECORDED

COLUMNS = (
    "rule_id",
    "payer_id",
    "payer_name",
    "payer_kind",
    "jurisdiction",
    "states",
    "code",
    "code_label",
    "policy",
    "policy_title",
    "coverage",
    "prior_auth",
    "prior_auth_office",
    "prior_auth_asc",
    "prior_auth_hospital_outpatient",
    "modifiers",
    "units_max",
    "units_per",
    "units_basis",
    "frequency_max_sessions",
    "frequency_period",
    "frequency_scope",
    "frequency_min_days_between",
    "levels_per_session_max",
    "regions_per_session_max",
    "imaging_required",
    "imaging_accepted",
    "imaging_not_covered",
    "contrast_required",
    "diagnoses_covered",
    "diagnoses_not_covered",
    "diagnoses_completeness",
    "not_same_session",
    "time_threshold_min_minutes",
    "time_threshold_per",
    "coverage_criteria",
    "repeat_criteria",
    "documentation",
    "notes",
    "confidence",
    "source_ids",
    "source_links",
    "last_reviewed",
    "reviewed_by",
    "review_interval_days",
    "next_review_due",
    "review_status",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def rules_csv(all_doc: dict) -> bytes:
    payers = {p["id"]: p for p in all_doc["payers"]}
    codes = {c["code"]: c for c in all_doc["codes"]}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for rule in all_doc["rules"]:
        row = _row(rule, payers[rule["payer_id"]], codes[rule["code"]])
        writer.writerow([_cell(row[c]) for c in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _row(rule: dict, payer: dict, code: dict) -> dict:
    get = lambda fact, key: (rule[fact] or {}).get(key)  # noqa: E731
    review = rule["review"]
    return {
        "rule_id": rule["id"],
        "payer_id": payer["id"],
        "payer_name": payer["name"],
        "payer_kind": payer["kind"],
        "jurisdiction": payer["jurisdiction"],
        "states": _join(payer["states"]) or "nationwide",
        "code": rule["code"],
        "code_label": code["label"],
        "policy": rule["policy"],
        "policy_title": rule["policy_title"],
        "coverage": get("coverage", "status") or NOT_RECORDED,
        "prior_auth": _join(_prior_auth(p) for p in rule["prior_auth"] or []) or NOT_RECORDED,
        **{
            f"prior_auth_{setting.replace('-', '_')}": answer["text"]
            for setting, answer in rule["prior_auth_answers"].items()
        },
        "modifiers": _join(_modifier(m) for m in rule["modifiers"] or []) or NOT_RECORDED,
        "units_max": get("units", "max"),
        "units_per": get("units", "per"),
        "units_basis": get("units", "basis"),
        "frequency_max_sessions": get("frequency", "max_sessions"),
        "frequency_period": get("frequency", "period"),
        "frequency_scope": get("frequency", "scope"),
        "frequency_min_days_between": get("frequency", "min_days_between"),
        "levels_per_session_max": get("levels_per_session", "max"),
        "regions_per_session_max": get("regions_per_session", "max"),
        "imaging_required": get("imaging", "required"),
        "imaging_accepted": _join(get("imaging", "accepted") or []),
        "imaging_not_covered": _join(get("imaging", "not_covered") or []),
        "contrast_required": get("imaging", "contrast_required"),
        "diagnoses_covered": _join(get("diagnoses", "covered") or []) or NOT_RECORDED,
        "diagnoses_not_covered": _join(get("diagnoses", "not_covered") or []),
        "diagnoses_completeness": get("diagnoses", "completeness"),
        "not_same_session": _join(f"{' + '.join(c['codes'])} ({c['scope']})" for c in rule["not_same_session"] or []),
        "time_threshold_min_minutes": get("time_threshold", "min_minutes"),
        "time_threshold_per": get("time_threshold", "per"),
        "coverage_criteria": get("coverage_criteria", "summary"),
        "repeat_criteria": get("repeat_criteria", "summary"),
        "documentation": _join(get("documentation", "items") or []),
        "notes": rule["notes"],
        "confidence": rule["confidence"],
        "source_ids": _join(s["id"] for s in rule["sources"]),
        "source_links": _join(s["url"] or s["locator"] for s in rule["sources"]),
        "last_reviewed": review["last_reviewed"],
        "reviewed_by": review["reviewed_by"],
        "review_interval_days": review["review_interval_days"],
        "next_review_due": review["next_review_due"],
        "review_status": review["status"],
    }


def _prior_auth(entry: dict) -> str:
    """For example 'voluntary: WISeR model [office, asc] [OK, TX] 2026-01-15..2031-12-31'."""
    text = entry["requirement"] + (f": {entry['program']}" if entry.get("program") else "")
    text += f" [{', '.join(entry.get('settings', ['any']))}]"
    if entry.get("states"):
        text += f" [{', '.join(entry['states'])}]"
    if entry.get("from") or entry.get("until"):
        text += f" {entry.get('from', '')}..{entry.get('until', '')}"
    return text


def _modifier(entry: dict) -> str:
    return f"{entry['code']} {entry['use']}" + (f" ({entry['when']})" if entry.get("when") else "")


def _join(items) -> str:
    return "; ".join(str(i) for i in items)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
