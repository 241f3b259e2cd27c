"""lcdkb lookup: what a payer needs for a code, as a short card for the billing desk.

Names are resolved forgivingly (payer IDs, aliases and names; state codes and names) and unknown ones get a
clear error with close matches. Everything comes from the one model the site and exports use.
"""

from __future__ import annotations

from lcdkb import answers, phrases
from lcdkb.freshness import next_review_due, provenance, rule_status, source_changes
from lcdkb.record import TYPE_CHECKING
from lcdkb.terminal import safe, safe_lines

if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path

    from lcdkb.model import KnowledgeBase, Payer, Rule


class LookupError(Exception):
    pass


def _did_you_mean(text: str, choices) -> str:
    import difflib  # only for an unknown name: a known one is answered without it

    close = difflib.get_close_matches(text, list(choices), n=3, cutoff=0.5)
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def find_code(kb: KnowledgeBase, text: str) -> str:
    code = text.strip().upper()
    if code not in kb.codes:
        raise LookupError(f"unknown code '{text}'{_did_you_mean(code, kb.codes)}")
    return code


def find_payer(kb: KnowledgeBase, text: str, state: str | None = None) -> Payer:
    """A payer by ID, name or alias. An alias shared by several payers ("Novitas": JH and JL) is settled by the
    state when one is given, else it is a question back, never a guess."""
    wanted = text.strip().lower()
    for payer in kb.payers.values():
        if wanted in (payer.id, payer.name.lower()):
            return payer
    matches = [p for p in kb.payers.values() if wanted in [a.lower() for a in p.aliases]]
    if len(matches) > 1 and state is not None:
        matches = [p for p in matches if applies_in(kb, p, state)] or matches
    if len(matches) == 1:
        return matches[0]
    if matches:
        choices = "; ".join(f"{p.id} ({p.name}{_where(kb, p)})" for p in sorted(matches, key=lambda p: p.id))
        raise LookupError(f"'{text}' could mean more than one payer: {choices}. Give the payer ID, or --state")
    names = {p.id: p for p in kb.payers.values()} | {a: p for p in kb.payers.values() for a in p.aliases}
    raise LookupError(f"unknown payer '{text}'{_did_you_mean(text, names)}; 'lcdkb lookup --list-payers' lists them")


def _where(kb: KnowledgeBase, payer: Payer) -> str:
    return f", {', '.join(payer.states)}" if payer.states else ""


def find_state(kb: KnowledgeBase, text: str) -> str:
    wanted = text.strip()
    for code, entry in kb.states.items():
        if wanted.upper() == code or wanted.lower() == entry["name"].lower():
            return code
    names = list(kb.states) + [e["name"] for e in kb.states.values()]
    raise LookupError(f"unknown state '{text}'{_did_you_mean(wanted, names)}")


def medicare_payers(kb: KnowledgeBase, state: str) -> list[Payer]:
    """The state's A/B contractor(s) and the national Medicare rules."""
    jurisdictions = kb.jurisdictions_for_state(state)
    macs = [p for j in jurisdictions for p in kb.payers.values() if p.jurisdiction == j]
    return macs + [p for p in kb.payers.values() if p.kind == "medicare-national"]


def applies_in(kb: KnowledgeBase, payer: Payer, state: str) -> bool:
    return payer.id in {p.id for p in kb.payers_in_state(state)}


def rules_for(kb: KnowledgeBase, code: str, payer: Payer | None = None, state: str | None = None) -> list[Rule]:
    """The rules that answer the question: one payer (Medicare contractors with the national rules), optionally
    in one state; Medicare in a state; or every payer with a rule for the code."""
    if payer is not None:
        if state is not None and not applies_in(kb, payer, state):
            where = ", ".join(payer.states) if payer.states else "its own states"
            raise LookupError(f"{payer.name} does not apply in {kb.states[state]['name']} ({state}); it covers {where}")
        national = [p for p in kb.payers.values() if p.kind == "medicare-national"]
        payers = [payer] + (national if payer.kind == "medicare-mac" else [])
    elif state is not None:
        payers = medicare_payers(kb, state)
    else:
        return kb.rules_for(code)
    return [r for p in payers if (r := kb.rule(p.id, code)) is not None]


def state_notes(kb: KnowledgeBase, state: str) -> list[str]:
    """What a biller must know about a state's Medicare contractors: parts of the state that go elsewhere."""
    notes = []
    main = kb.jurisdiction_for_state(state)
    for jurisdiction in kb.jurisdictions_for_state(state):
        for exception in kb.jurisdictions[jurisdiction].get("exceptions", ()):
            if exception["state"] == state and jurisdiction != main:
                notes.append(
                    f"Part {'/'.join(exception['parts'])} claims from {', '.join(exception['areas'])} go to "
                    f"Jurisdiction {jurisdiction} ({kb.jurisdictions[jurisdiction]['contractor'].rstrip('.')}); "
                    f"the rest of {kb.states[state]['name']} is Jurisdiction {main}"
                    + (f" ({kb.jurisdictions[main]['contractor'].rstrip('.')})" if main else "")
                    + ". Both contractors' rules are shown."
                )
    return notes


def card(kb: KnowledgeBase, rule: Rule, today: date, setting: str | None = None, state: str | None = None) -> dict:
    """Everything the desk needs for one payer and code on a date of service, as plain data: facts dated outside
    that day are left out (they read as not recorded)."""
    facts = answers.rule_on(rule, today).facts
    prior = [e for e in facts.get("prior_auth", []) if answers.entry_applies(e, today, setting, state)]
    return {
        "rule_id": rule.id,
        "payer_id": rule.payer_id,
        "payer": kb.payers[rule.payer_id].name,
        "code": rule.code,
        "label": kb.codes[rule.code]["label"],
        "policy": rule.policy_title,
        "sources": [
            {
                "id": s.id,
                "type": s.type,
                "url": s.url,
                "effective_date": s.effective_date,
                "confidence": s.confidence,
                "version": s.version,
                "read_from": s.read_from,
                "content_read_on": s.content_read_on,
                "listed_version": s.listed_version,
                "listed_on": s.listed_on,
                "listed_status": s.listed_status,
                "compared_on": s.compared_on,
                "provenance": provenance(s),
            }
            for s in rule.sources
        ],
        "coverage": facts.get("coverage"),
        "prior_auth": prior,
        "prior_auth_answers": {
            s: answers.prior_auth(rule, s, today, state).as_dict()
            for s in ([setting] if setting else answers.DESK_SETTINGS)
        },
        "modifiers": facts.get("modifiers", []),
        "units": facts.get("units"),
        "frequency": facts.get("frequency"),
        "levels_per_session": facts.get("levels_per_session"),
        "regions_per_session": facts.get("regions_per_session"),
        "imaging": facts.get("imaging"),
        "diagnoses": facts.get("diagnoses"),
        "not_same_session": facts.get("not_same_session", []),
        "time_threshold": facts.get("time_threshold"),
        "documentation": (facts.get("documentation") or {}).get("items", []),
        "notes": facts.get("notes"),
        "confidence": rule.confidence,
        "last_reviewed": rule.last_reviewed,
        "next_review_due": next_review_due(rule.last_reviewed, rule.review_interval_days),
        "review_status": rule_status(rule, today),
        "source_changes": source_changes(rule.sources),
    }


def _flag(fact) -> str:
    return (
        f" [{fact['confidence']}]"
        if isinstance(fact, dict) and fact.get("confidence") in ("unverified", "conflicting")
        else ""
    )


def result(
    kb: KnowledgeBase, code: str, payer: Payer | None, state: str | None, setting: str | None, day: date
) -> dict:
    """The whole answer to one lookup: the question, notes about the state, one merged prior-authorization verdict
    per setting when the question names a payer or a state (national Medicare rules included), then every card."""
    rules = rules_for(kb, code, payer, state)
    settings = [setting] if setting else list(answers.DESK_SETTINGS)
    lead = None
    if rules and (payer is not None or state is not None):
        lead = {s: answers.merged(kb, code, rules, s, day, state).as_dict() for s in settings}
    return {
        "code": code,
        "label": kb.codes[code]["label"],
        "payer_id": payer.id if payer else None,
        "state": state,
        "setting": setting,
        "date": day.isoformat(),
        "notes": state_notes(kb, state) if state else [],
        "prior_auth": lead,
        "cards": [card(kb, r, day, setting, state) for r in rules],
    }


def output(
    kb: KnowledgeBase,
    code_text: str,
    payer_text: str | None,
    state_text: str | None,
    setting: str | None,
    day: date,
    output_format: str,
    data_dir: Path | str,
) -> str:
    """Everything ``lcdkb lookup CODE`` prints, terminal-safe (text) or in the JSON envelope; the quick desk
    path (lcdkb.desk) and the full command both print this. Raises LookupError for an unknown name."""
    code = find_code(kb, code_text)
    state = find_state(kb, state_text) if state_text else None
    payer = find_payer(kb, payer_text, state) if payer_text else None
    answer = result(kb, code, payer, state, setting, day)
    if output_format == "json":
        from pathlib import Path

        from lcdkb import envelope

        return envelope.dumps("lookup", Path(data_dir), answer)
    if answer["cards"]:
        return safe_lines(render_text(kb, answer))
    who = payer.name if payer else (f"Medicare in {state}" if state else "any payer")
    return safe(f"No rule for {code} is recorded for {who}.") + "\n"


def _question(kb: KnowledgeBase, answer: dict) -> str:
    who = kb.payers[answer["payer_id"]].name if answer["payer_id"] else "Medicare" if answer["state"] else "Every payer"
    where = f" in {kb.states[answer['state']]['name']} ({answer['state']})" if answer["state"] else ""
    return f"{who}{where}: {answer['code']} ({answer['label']}) on {answer['date']}"


def _lead_lines(kb: KnowledgeBase, lead: dict) -> list[str]:
    lines = []
    for setting, verdict in lead.items():
        lines.append(f"  Prior auth in {answers.SETTING_NAMES[setting]}: {verdict['text']}")
        for part in verdict.get("parts", []) if len(verdict.get("parts", [])) > 1 else []:
            name = kb.payers[part["payer_id"]].name if part["payer_id"] in kb.payers else part["payer_id"]
            detail = f" ({part['reason']})" if part["status"] == answers.UNKNOWN else ""
            lines.append(f"    {name}: {part['text']}{detail}")
    return lines


def render_text(kb: KnowledgeBase, answer: dict) -> str:
    lines = [_question(kb, answer)]
    if answer["prior_auth"]:
        lines += _lead_lines(kb, answer["prior_auth"])
    lines += [f"  Note: {note}" for note in answer["notes"]]
    blocks = ["\n".join(lines)] + [_card_text(c) for c in answer["cards"]]
    return "\n\n".join(blocks) + "\n"


def _card_text(c: dict) -> str:
    lines = [f"{c['payer']} ({c['payer_id']}) - {c['code']}: {c['label']}"]
    if c["policy"]:
        lines.append(f"  Policy:        {c['policy']}")
    lines.append(
        f"  {'Coverage:':<14} "
        + (f"{phrases.coverage(c['coverage'])}{_flag(c['coverage'])}" if c["coverage"] else phrases.NOT_RECORDED)
    )
    for setting, verdict in c["prior_auth_answers"].items():
        flag = f" [{verdict['confidence']}]" if verdict["confidence"] in ("unverified", "conflicting") else ""
        lines.append(f"  {'Prior auth (' + setting + '):':<14} {verdict['text']}{flag}")
    for entry in c["modifiers"]:
        lines.append(f"  {'Modifier:':<14} {phrases.modifier(entry)}{_flag(entry)}")
    singles = [
        ("Units", "units", phrases.units),
        ("Frequency", "frequency", phrases.frequency),
        ("Levels", "levels_per_session", lambda f: phrases.count(f["max"], "level") + " per session"),
        ("Regions", "regions_per_session", lambda f: phrases.count(f["max"], "region") + " per session"),
        ("Imaging", "imaging", phrases.imaging),
        ("Time", "time_threshold", phrases.time_threshold),
    ]
    for label, key, phrase in singles:
        if c[key]:
            lines.append(f"  {label + ':':<14} {phrase(c[key])}{_flag(c[key])}")
        elif key in ("units", "frequency", "levels_per_session", "imaging"):
            lines.append(f"  {label + ':':<14} {phrases.NOT_RECORDED}")
    if c["diagnoses"] and c["diagnoses"].get("covered"):
        lines.append(f"  {'Diagnoses:':<14} {phrases.diagnoses(c['diagnoses'], 8)}{_flag(c['diagnoses'])}")
    for entry in c["not_same_session"]:
        lines.append(f"  {'Not with:':<14} {phrases.conflict(entry)}{_flag(entry)}")
    for item in c["documentation"]:
        lines.append(f"  {'Document:':<14} {item}")
    if c["notes"]:
        lines.append(f"  {'Notes:':<14} {c['notes']}")
    for source in c["sources"]:
        url = source["url"] or ""
        lines.append(f"  {'Source:':<14} {source['id']} ({source['type']}, {source['confidence']}) {url}".rstrip())
        lines.append(f"  {'':<14} {source['provenance']}")
    lines.append(
        f"  Last checked {c['last_reviewed']}; next review due {c['next_review_due']} ({c['review_status']}); "
        f"confidence {c['confidence']}"
    )
    for reason in c["source_changes"]:
        lines.append(f"  Source changed: {reason}; check the rule against the current document")
    return "\n".join(lines)
