"""Rule facts as short plain-language phrases. The site wraps them in Markdown; the CLI prints them."""

from __future__ import annotations

NOT_RECORDED = "Not recorded"  # a fact with no entry: the payer's position is not recorded (never "no")
SETTINGS = {
    "any": "any setting",
    "office": "office",
    "asc": "ASC",
    "hospital-outpatient": "hospital outpatient",
    "home": "home",
}
COVERAGE = {
    "covered": "Covered when criteria are met",
    "not-covered": "Not covered",
    "investigational": "Investigational / unproven",
    "no-specific-policy": "No specific policy",
}
COVERAGE_SHORT = {
    "covered": "Covered",
    "not-covered": "Not covered",
    "investigational": "Investigational",
    "no-specific-policy": "No policy",
}
PERIODS = {
    "rolling-12-months": "rolling 12 months",
    "rolling-6-months": "rolling 6 months",
    "calendar-month": "calendar month",
    "calendar-year": "calendar year",
}
GUIDANCE = {"ct": "CT", "mri": "MRI", "none": "no guidance", "fluoroscopy": "fluoroscopy", "ultrasound": "ultrasound"}
GUIDANCE_SHORT = {"ct": "CT", "mri": "MRI", "none": "none", "fluoroscopy": "fluoro", "ultrasound": "US"}
SESSION_SCOPE = {"same-session": "same session", "same-region": "same region, same session"}


def coverage(fact: dict, short: bool = False) -> str:
    return (COVERAGE_SHORT if short else COVERAGE)[fact["status"]]


def prior_auth(entry: dict) -> str:
    words = {"required": "Required", "voluntary": "Voluntary", "not-required": "Not required"}[entry["requirement"]]
    parts = [words + (f" ({entry['program']})" if entry.get("program") else "")]
    parts.append(", ".join(SETTINGS.get(s, s) for s in entry.get("settings", ["any"])))
    if entry.get("states"):
        parts.append("only " + ", ".join(entry["states"]))
    if entry.get("from") or entry.get("until"):
        parts.append(f"{entry.get('from', '…')} to {entry.get('until', 'open')}")
    return "; ".join(parts)


def modifier(entry: dict) -> str:
    if entry["use"] == "conditional":
        return f"{entry['code']}: when {entry['when'].replace('-', ' ')}"
    return f"{entry['code']}: " + {"required": "required", "allowed": "allowed", "forbidden": "never"}[entry["use"]]


def units(fact: dict) -> str:
    per = fact["per"].replace("-", " ") if "per" in fact else "line"
    extra = ""
    if "basis" in fact:
        extra = f" ({fact['basis']}" + (f", MAI {fact['mai']}" if "mai" in fact else "") + ")"
    return f"{fact['max']} per {per}{extra}"


def frequency(fact: dict) -> str:
    words = f"{fact['max_sessions']} per {PERIODS.get(fact['period'], fact['period'])}"
    if fact.get("scope"):
        words += f" per {fact['scope'].replace('-', ' ')}"
    if fact.get("min_days_between"):
        words += f"; at least {fact['min_days_between']} days apart"
    return words


def count(number: int, word: str) -> str:
    return f"{number} {word}" + ("" if number == 1 else "s")


def imaging(fact: dict, short: bool = False) -> str:
    names = GUIDANCE_SHORT if short else GUIDANCE
    parts = []
    if "required" in fact and not (short and fact.get("accepted")):
        parts.append("required" if fact["required"] else "not required")
    if fact.get("accepted"):
        parts.append(
            "/".join(names.get(g, g) for g in fact["accepted"])
            + ((" + contrast" if short else " with contrast") if fact.get("contrast_required") else "")
        )
    if fact.get("not_covered"):
        parts.append("not covered: " + ", ".join(names.get(g, g) for g in fact["not_covered"]))
    return "; ".join(parts)


def diagnoses(fact: dict, limit: int | None = None) -> str:
    codes = fact["covered"] if limit is None else fact["covered"][:limit]
    more = len(fact["covered"]) - len(codes)
    label = "" if fact.get("completeness") == "complete" else "e.g. "
    return label + ", ".join(codes) + (f" (+{more} more)" if more else "")


def conflict(entry: dict) -> str:
    return f"{', '.join(entry['codes'])} ({SESSION_SCOPE[entry['scope']]})"


def time_threshold(fact: dict) -> str:
    return f"at least {fact['min_minutes']} minutes per {fact['per'].replace('-', ' ')}"
