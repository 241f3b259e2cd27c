"""Original Medicare's one answer per code and desk setting in a state: the national rules and the state's
contractor(s) merged by ``lcdkb.answers.merged`` on the view's date, the same verdict ``lcdkb lookup --state``
prints. A state page leads with them (with where each part comes from); a code page groups the states that get
the same answers into one row and links each state's page.
"""

from __future__ import annotations

from lcdkb import answers
from lcdkb.model import Rule
from lcdkb.site import facts
from lcdkb.site.markup import html_link, html_table, text
from lcdkb.site.rule_view import View, short_name

SETTING_HEADER = ["Office", "ASC", "Hospital outpatient"]  # answers.DESK_SETTINGS, in that order


def medicare_rules(view: View, state: str, code: str) -> list[Rule]:
    """The rules that answer for Original Medicare in ``state``: its contractor(s) and the national rules."""
    return [r for p in view.medicare_by_state[state] if (r := view.kb.rule(p.id, code)) is not None]


def _origin(view: View, payer_id: str | None) -> str:
    """Where an answer comes from, after "per": "the national Medicare rules", "CGS J15"."""
    payer = view.kb.payers.get(payer_id or "")
    if payer is None:
        return str(payer_id)
    return "the national Medicare rules" if payer.kind == "medicare-national" else short_name(view.kb, payer)


def _label(view: View, payer_id: str | None) -> str:
    """A part's name in the list under an answer: "National rules", "CGS J15"."""
    payer = view.kb.payers.get(payer_id or "")
    if payer is None:
        return str(payer_id)
    return "National rules" if payer.kind == "medicare-national" else short_name(view.kb, payer)


def merged_cell(view: View, code: str, rules: list[Rule], setting: str, state: str, parts: bool = True) -> str:
    """The merged answer and the rule it comes from ("Required (OPD prior authorization) since 2023-07-01, per the
    national Medicare rules"); with ``parts``, every other rule's own answer under it."""
    verdict = answers.merged(view.kb, code, rules, setting, view.today, state)
    lead = next((p for p in verdict.parts if (p.payer_id, p.rule_id) == (verdict.payer_id, verdict.rule_id)), None)
    if verdict.status == answers.UNKNOWN or lead is None:
        return text(answers.UNKNOWN_TEXT)
    cell = text(f"{lead.text}, per {_origin(view, lead.payer_id)}") + facts.weak_mark([lead.confidence])
    others = [p for p in verdict.parts if p is not lead]
    if parts and others:
        cell += (
            "<br><small>"
            + "; ".join(text(f"{_label(view, p.payer_id)}: {p.text}") + facts.weak_mark([p.confidence]) for p in others)
            + "</small>"
        )
    return cell


def state_answers(view: View, state: str, codes: list[str]) -> str:
    """The lead of a state page: one merged answer per code and setting, or "" when no Medicare rule applies."""
    kb = view.kb
    payers = view.medicare_by_state[state]
    ruled = {r.code for p in payers for r in kb.rules_for(payer_id=p.id)}
    rows = []
    for code in codes:
        if code in ruled:
            rules = medicare_rules(view, state, code)
            rows.append(
                [html_link(code, f"../codes/{code}.md"), text(kb.codes[code]["label"])]
                + [merged_cell(view, code, rules, setting, state) for setting in answers.DESK_SETTINGS]
            )
    if not rows:
        return ""
    names = " and ".join(_origin(view, p.id) for p in payers)
    intro = (
        f"For Original Medicare claims in {text(kb.states[state]['name'])} with a date of service on "
        f"{view.today.isoformat()}: one answer per code and setting from {text(names)} together. Each answer "
        "names the rule it comes from; the other rules' own answers are listed under it. Medicare Advantage and "
        "commercial plans have their own rules (their pages below).\n"
    )
    return (
        "## Medicare prior authorization here\n\n"
        + intro
        + "\n"
        + html_table(["Code", "What"] + SETTING_HEADER, rows, css="lcdkb-wide lcdkb-cards")
        + "\n"
    )


def code_by_state(view: View, code: str) -> str:
    """For a code page: the states grouped by their Medicare answers (most states first), each linking its state
    page for where each part comes from; "" when no Medicare rule exists for the code."""
    kb = view.kb
    if not any(kb.payers[r.payer_id].kind in ("medicare-national", "medicare-mac") for r in kb.rules_for(code)):
        return ""
    groups: dict[tuple[str, ...], list[str]] = {}
    for state in sorted(kb.states):
        rules = medicare_rules(view, state, code)
        key = tuple(merged_cell(view, code, rules, s, state, parts=False) for s in answers.DESK_SETTINGS)
        groups.setdefault(key, []).append(state)
    ordered = sorted(groups.items(), key=lambda g: (-len(g[1]), g[1][0]))
    rows = [
        list(cells) + [", ".join(html_link(s, f"../states/{s.lower()}.md") for s in states)]
        for cells, states in ordered
    ]
    row_data = [{"states": " ".join(states)} for _, states in ordered]
    intro = (
        f"Original Medicare's answer in each state for a date of service on {view.today.isoformat()}: the national "
        "rules and the state's contractor together. States with the same answers share a row; open a state for "
        "what each part says.\n"
    )
    return (
        "## Medicare prior authorization by state\n\n"
        + intro
        + "\n"
        + html_table(SETTING_HEADER + ["States"], rows, css="lcdkb-by-state lcdkb-cards", row_data=row_data)
        + "\n"
    )
