"""The checks. Each takes one claim's lines on one date with the payer's rules and returns findings.

Severity: error when a verified rule says the line will be denied; warning when the rule behind it is
unverified or conflicting, or when something must be confirmed (a prior authorization on file, a
prior-authorization answer the data does not have, the medical necessity of two approaches); info for what is
only worth knowing. No payer is named here: every limit comes from a rule in the data.

Every finding cites what states it: the source a fact names, else the rule's own documents (never a source
another fact of the rule cites), or the diagnosis catalogue's sources for a code's billing status.
"""

from __future__ import annotations

from functools import cached_property

from lcdkb import answers, icd10
from lcdkb.answers import Answer, code_in_effect
from lcdkb.claims.lines import ClaimLine
from lcdkb.model import CONFIDENCE_ORDER, KnowledgeBase, Rule, Source
from lcdkb.record import MutableRecord, Record

# CMS place of service codes -> the settings rules name.
SETTINGS = {"11": "office", "12": "home", "19": "hospital-outpatient", "22": "hospital-outpatient", "24": "asc"}
VERIFIED = ("verified-primary", "verified-secondary")


class Finding(Record):
    FIELDS = ("claim_id", "line_no", "code", "severity", "group", "message", "rule_id", "sources", "confidence")
    claim_id: str
    line_no: int
    code: str
    severity: str  # error, warning, info
    # medical-necessity, non-covered, modifier, diagnosis, prior-authorization, units-frequency, bundled, coding
    group: str
    message: str
    rule_id: str | None
    sources: tuple[str, ...]
    confidence: str | None

    def __init__(
        self,
        claim_id: str,
        line_no: int,
        code: str,
        severity: str,
        group: str,
        message: str,
        rule_id: str | None = None,
        sources: tuple[str, ...] = (),
        confidence: str | None = None,
    ) -> None:
        self._fill(locals())


class Session(MutableRecord):
    """One claim's lines on one date of service, with the rules that apply to each code."""

    FIELDS = ("kb", "lines", "rules", "state", "payer_name")
    kb: KnowledgeBase
    lines: list[ClaimLine]
    rules: dict[str, list[Rule]]  # code -> the payer's rules (MAC and national)
    state: str | None
    payer_name: str | None  # the payer the claim names, or "Medicare in XX" for a state alone

    def __init__(
        self,
        kb: KnowledgeBase,
        lines: list[ClaimLine],
        rules: dict[str, list[Rule]] | None = None,
        state: str | None = None,
        payer_name: str | None = None,
    ) -> None:
        self._fill({**locals(), "rules": {} if rules is None else rules})

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
    sources: tuple[str, ...] = ()
    if rule is not None:
        cited = (fact or {}).get("source")
        sources = _urls(rule.sources, [cited] if cited else [s.id for s in own_sources(rule)])
    return _make(line, severity, group, message, rule.id if rule else None, sources, confidence)


def _make(
    line: ClaimLine,
    severity: str,
    group: str,
    message: str,
    rule_id: str | None,
    sources: tuple[str, ...],
    confidence: str | None,
) -> Finding:
    """The finding; an error whose rule or fact is not verified is only a warning, and says why."""
    if severity == "error" and confidence not in (None, *VERIFIED):
        severity = "warning"
        message += f" (rule {confidence})"
    return Finding(line.claim_id, line.line_no, line.code, severity, group, message, rule_id, sources, confidence)


def _urls(sources, ids) -> tuple[str, ...]:
    """How each source with one of ``ids`` is cited: its address, else its ID (a copy without one)."""
    wanted = set(ids)
    return tuple(s.url or s.id for s in sources if s.id in wanted)


def own_sources(rule: Rule) -> tuple[Source, ...]:
    """The documents a fact without its own source is read from: the rule's and its policy's. The model lists
    those first and then the sources single facts add; where the two cannot be told apart (a policy document a
    fact also names), the shorter reading is taken, so a fact without a source never cites a document only
    another fact names."""
    fact_ids = [f["source"] for f in _facts_of(rule) if f.get("source")]
    ids = [s.id for s in rule.sources]
    for k in range(1, len(ids) + 1):  # a rule always has documents of its own (a policy or its sources)
        if list(dict.fromkeys(ids[:k] + fact_ids)) == ids:
            return rule.sources[:k]
    return rule.sources


def _facts_of(rule: Rule):
    """Every fact of the rule that is a mapping, in the model's order (see ``model._fact_dicts``)."""
    for value in rule.facts.values():
        if isinstance(value, dict):
            yield value
        elif isinstance(value, list):
            yield from (item for item in value if isinstance(item, dict))


def _with_fact(rules: list[Rule], name: str):
    """(rule, fact) for each rule that records the fact ``name``."""
    return ((rule, rule.facts[name]) for rule in rules if rule.facts.get(name))


def check_codes_known(session: Session, line: ClaimLine, rules: list[Rule]) -> list[Finding]:
    """Unknown codes, payers and states are input problems (see ``engine.line_problem``) and never reach here;
    a known code may still have no rule for this payer."""
    if not rules:
        who = session.payer_name or "this payer"
        return [_finding(line, "info", "coding", f"no rule is recorded for {line.code} with {who}")]
    return []


def check_code_dates(session: Session, line: ClaimLine, rules: list[Rule]) -> list[Finding]:
    """A code billed on a date it did not exist (G3002 before 2023-01-01) or after it was deleted."""
    if code_in_effect(session.kb, line.code, line.date_of_service):
        return []
    entry = session.kb.codes.get(line.code, {})
    day = line.date_of_service.isoformat()
    start, end = entry.get("effective_from"), entry.get("effective_to")
    cited = [session.kb.catalogue_sources[i] for i in entry.get("sources", []) if i in session.kb.catalogue_sources]
    confidence = min((s.confidence for s in cited), key=CONFIDENCE_ORDER.index, default="unverified")
    when = f"only from {start}" if start and day < start else f"only until {end}"
    named = f" (source: {', '.join(s.id for s in cited)})" if cited else ""
    message = f"{line.code} can be billed {when}; the date of service is {day}{named}"
    return [_make(line, "error", "coding", message, None, tuple(s.url or s.id for s in cited), confidence)]


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


SIDES = {"RT", "LT"}


def _side(line: ClaimLine) -> str | None:
    """RT or LT when the line names one side only; None for a line without a side, with modifier 50 or both."""
    sides = SIDES & set(line.modifiers)
    return sides.pop() if len(sides) == 1 else None


def _sides_allowed(rule: Rule) -> bool:
    """Whether the rule records RT/LT lines as a way to bill a bilateral procedure."""
    return any(
        entry["code"] in SIDES and entry.get("when") == "bilateral" and entry["use"] in ("allowed", "conditional")
        for entry in rule.facts.get("modifiers", [])
    )


def check_modifiers(session, line, rules):
    out = []
    both_sides = set(line.modifiers) >= SIDES
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
            elif (
                use == "conditional"
                and entry.get("when") == "bilateral"
                and code == "50"
                and not present
                and not _sides_allowed(rule)
            ):
                same_code = [other for other in session.lines if other.code == line.code]
                sides = {_side(other) for other in same_code} - {None}
                if both_sides or (sides == SIDES and line is same_code[0]):
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


def levels(lines: list[ClaimLine], family: set[str]) -> tuple[int, bool]:
    """(spinal levels billed with the codes of ``family``, whether an RT line and an LT line were paired).

    Each unit of a primary code is its level and each unit of an add-on one more level (64483 with 64484 x2 is
    three levels). A line with modifier 50, both sides or no side counts its units. RT and LT lines of one code
    are the two sides of the same levels, so they count once: max(RT units, LT units)."""
    total, paired = 0, False
    for code in sorted({line.code for line in lines} & family):
        right = left = 0
        for line in lines:
            if line.code != code:
                continue
            side = _side(line)
            if side == "RT":
                right += line.units
            elif side == "LT":
                left += line.units
            else:
                total += line.units
        total += max(right, left)
        paired = paired or bool(right and left)
    return total, paired


def check_levels(session, line, rules):
    out: list[Finding] = []
    family = _family(session.kb, line.code)
    first = next(each for each in session.lines if each.code in family)
    if line is not first:
        return out
    for rule, fact in _with_fact(rules, "levels_per_session"):
        count, paired = levels(session.lines, family)
        if count > fact["max"]:
            both = "; RT and LT lines of one code count as one bilateral level" if paired else ""
            out.append(
                _finding(
                    line,
                    "error",
                    "units-frequency",
                    f"{count} levels of {', '.join(sorted(family & session.codes()))} in one session; "
                    f"the limit is {fact['max']}{both}",
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
    out = [finding for dx in line.diagnoses if (finding := _not_billable(session, line, dx))]
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


def _not_billable(session: Session, line: ClaimLine, dx: str) -> Finding | None:
    """A diagnosis the catalogue marks not billable on the date of service, whoever the payer and whatever the
    code, citing the catalogue's sources for it."""
    entry = session.non_billable.get(icd10.normalize(dx))
    if entry is None or line.date_of_service.isoformat() < entry["from"]:
        return None
    cited = [session.kb.catalogue_sources[i] for i in entry["sources"] if i in session.kb.catalogue_sources]
    confidence = entry.get("confidence") or min(
        (s.confidence for s in cited), key=CONFIDENCE_ORDER.index, default="unverified"
    )
    instead = entry.get("replaced_by", [])
    use = f"; use {', '.join(instead[:-1])} or {instead[-1]}" if len(instead) > 1 else ""
    use = use or (f"; use {instead[0]}" if instead else "; use a more specific code")
    sources = tuple(s.url or s.id for s in cited)
    named = f" (source: {', '.join(s.id for s in cited)})" if cited else ""
    message = f"{dx} is not a billable ICD-10-CM code for dates of service from {entry['from']}{use}{named}"
    return _make(line, "error", "diagnosis", message, None, sources, confidence)


# --- prior authorization ---------------------------------------------------------------------------------------


def check_prior_auth(session, line, rules):
    """The explicit answers (``lcdkb.answers``) of every rule that applies, for the setting, date and state.

    required: an error when the line says none is on file, a warning naming the program when it does not say;
    conditional (voluntary, or only in some states): a warning that says the condition; unknown for every rule:
    a warning to confirm with the payer. A line with ``prior_auth=yes`` needs nothing more. Without a place of
    service, answers that differ by setting are one warning that lists them."""
    if not rules:
        return []
    day, state = line.date_of_service, session.state
    setting = SETTINGS.get(line.place_of_service or "")
    if setting is None:
        by_setting = {s: _parts(rules, s, day, state) for s in answers.DESK_SETTINGS}
        if len({_status(parts) for parts in by_setting.values()}) > 1:
            return [] if line.prior_auth is True else [_depends_on_setting(session, line, rules, by_setting)]
    parts = _parts(rules, setting, day, state)
    out = []
    for part in parts:
        if part.status == answers.REQUIRED:
            out += _required(line, rules, part, setting)
        elif part.status == answers.CONDITIONAL and line.prior_auth is not True:
            out.append(_confirm(session, line, rules, part, setting, _condition(part)))
    if _status(parts) == answers.UNKNOWN and line.prior_auth is not True:
        out.append(_confirm(session, line, rules, parts[0], setting, parts[0].reason))
    return out


def _parts(rules: list[Rule], setting, day, state) -> list[Answer]:
    return [answers.prior_auth(rule, setting, day, state) for rule in rules]


def _status(parts: list[Answer]) -> str:
    """The merged verdict (``answers.merged``): required, then conditional, then not-required; unknown only when
    no rule knows."""
    return min((p.status for p in parts), key=answers.PRECEDENCE.index, default=answers.UNKNOWN)


def _where(setting: str | None) -> str:
    return f"in {answers.SETTING_NAMES.get(setting, setting)}" if setting else "in any setting"


def _condition(part: Answer) -> str:
    return part.text[:1].lower() + part.text[1:]


def _rule_of(rules: list[Rule], part: Answer) -> Rule:
    return next(rule for rule in rules if rule.id == part.rule_id)


def _answer_finding(line, severity, message, rules, part: Answer) -> Finding:
    """A finding from one rule's answer, citing the sources the answer names (none for an unknown answer:
    nothing states it)."""
    rule = _rule_of(rules, part)
    ids: list[str] | tuple[str, ...] = part.sources
    if len(ids) > 1 and set(ids) == {s.id for s in rule.sources}:  # an entry without a source of its own
        ids = [s.id for s in own_sources(rule)]
    return _make(line, severity, "prior-authorization", message, rule.id, _urls(rule.sources, ids), part.confidence)


def _program(rule: Rule, part: Answer) -> str:
    """The programme a required answer names, as " (name)" (", name," when the name has parentheses), or ""."""
    names = (entry.get("program") for entry in rule.facts.get("prior_auth", []))
    name = next((name for name in names if name and name in part.text), None)
    return "" if name is None else f", {name}," if "(" in name else f" ({name})"


def _required(line, rules, part: Answer, setting) -> list[Finding]:
    program = _program(_rule_of(rules, part), part)
    what = f"prior authorization{program} is required for {line.code} {_where(setting)} on {line.date_of_service}"
    if line.prior_auth is False:
        return [_answer_finding(line, "error", f"{what} and none is on file", rules, part)]
    if line.prior_auth is None:
        return [_answer_finding(line, "warning", f"{what}; confirm the authorization is on file", rules, part)]
    return []


def _payer_name(session: Session, part: Answer) -> str:
    payer = session.kb.payers.get(part.payer_id or "")
    return payer.name if payer is not None else session.payer_name or "the payer"


def _confirm(session, line, rules, part: Answer, setting, why: str) -> Finding:
    message = (
        f"confirm whether {_payer_name(session, part)} requires prior authorization for {line.code} "
        f"{_where(setting)} on {line.date_of_service}: {why}"
    )
    return _answer_finding(line, "warning", message, rules, part)


def _depends_on_setting(session, line, rules, by_setting: dict[str, list[Answer]]) -> Finding:
    """No place of service, and the answer differs by setting: one warning listing each setting's answer."""
    leads = {s: min(parts, key=lambda p: answers.PRECEDENCE.index(p.status)) for s, parts in by_setting.items()}
    said = "; ".join(f"{answers.SETTING_NAMES[s]}: {lead.text}" for s, lead in leads.items())
    lead = min(leads.values(), key=lambda p: answers.PRECEDENCE.index(p.status))
    message = (
        f"confirm whether {_payer_name(session, lead)} requires prior authorization for {line.code} on "
        f"{line.date_of_service}: it depends on the place of service ({said}); give place_of_service"
    )
    return _answer_finding(line, "warning", message, rules, lead)


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
    """Interlaminar and transforaminal epidurals in one region on one date (62323 with 64483, 62321 with 64479,
    and every other pair by family and region in codes.yaml), where no rule of this payer speaks to it: a warning
    that says so and asks for the medical necessity of both approaches, rather than silence or an invented rule."""
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
    region = entry.get("region", "same").replace("-", "/")
    return [
        _finding(
            line,
            "warning",
            "bundled",
            f"{line.code} with {', '.join(sorted({other.code for other in others}))}: an interlaminar and a "
            f"transforaminal epidural in the same ({region}) region on one date. No rule is recorded for "
            f"{session.payer_name or 'this payer'} on billing both approaches in one session; document the medical "
            "necessity of both approaches (and check the NCCI edits)",
        )
    ]


ALL_CHECKS = (
    check_codes_known,
    check_code_dates,
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
