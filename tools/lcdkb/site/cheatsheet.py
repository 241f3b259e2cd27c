"""Printable cheat sheets: one compact page per payer (a row per code) and one per state (Medicare's merged answer,
then every payer that operates there). Sources are short numbered footnotes under the tables, so a sheet on paper
still says where each rule comes from. The print layout is in docs/stylesheets/lcdkb.css (``.lcdkb-sheet``).

A state's sheet grows with the payers there times the codes, so a big one is split by code ranges into parts of at
most ``ROWS_PER_SHEET`` payer rows (about 400 KB of HTML), each a page of its own linking the others.
"""

from __future__ import annotations

from collections import Counter

from lcdkb import answers
from lcdkb.model import Payer, Rule
from lcdkb.site import facts
from lcdkb.site.markup import (
    UNINDEXED,
    badge,
    front_matter,
    html_external_link,
    html_link,
    html_table,
    link,
    raw_block,
    text,
)
from lcdkb.site.medicare import SETTING_HEADER, medicare_rules, merged_cell
from lcdkb.site.rule_view import View, checked_cell, short_name, where

SHEET_HEADER = [
    "Code",
    "Policy",
    "Prior auth",
    "Modifiers",
    "Units / levels",
    "Frequency",
    "Key diagnoses",
    "Imaging",
    "Confidence",
    "Checked",
]
KEY_DIAGNOSES = 4  # the first few covered codes; the payer page lists them all
ROWS_PER_SHEET = 400  # payer rows on one page of a state's sheet
_KIND_ORDER = ("medicare-mac", "medicare-national", "medicare-advantage", "commercial")


def payer_sheet_path(payer_id: str) -> str:
    return f"cheatsheets/payers/{payer_id}.md"


def state_sheet_path(state: str, part: int = 1) -> str:
    """The state's sheet (its first part) or a later part of it."""
    return f"cheatsheets/states/{state.lower()}" + (f"-part-{part}" if part > 1 else "") + ".md"


def sheet_pages(view: View) -> dict[str, str]:
    pages = {payer_sheet_path(p.id): payer_sheet(view, p) for p in view.kb.payers.values()}
    for state in view.kb.states:
        parts = state_sheet_parts(view, state)
        for number in range(1, len(parts) + 1):
            pages[state_sheet_path(state, number)] = state_sheet(view, state, parts, number)
    return pages


def _state_payers(view: View, state: str) -> list[Payer]:
    kb = view.kb
    return sorted(
        (p for p in kb.payers_in_state(state) if kb.rules_for(payer_id=p.id)),
        key=lambda p: (_KIND_ORDER.index(p.kind), p.name),
    )


def state_sheet_parts(view: View, state: str) -> list[list[str]]:
    """The key codes of a state's sheet in order, cut into parts of at most ``ROWS_PER_SHEET`` payer rows (a code's
    rows stay together); one part for all but the biggest states."""
    kb = view.kb
    rows = Counter(r.code for p in _state_payers(view, state) for r in kb.rules_for(payer_id=p.id))
    parts: list[list[str]] = [[]]
    count = 0
    for code in sorted(c for c, e in kb.codes.items() if e["scope"] == "key"):
        if parts[-1] and count + rows[code] > ROWS_PER_SHEET:
            parts.append([])
            count = 0
        parts[-1].append(code)
        count += rows[code]
    return parts


class Footnotes:
    """Sources numbered in the order a sheet first cites them; each rule's policy cell names its numbers."""

    def __init__(self) -> None:
        self.sources: list = []
        self.number: dict[tuple, int] = {}

    def cite(self, payer_id: str, sources) -> str:
        marks: list[int] = []
        for source in sources:
            key = (payer_id, source.id)
            if key not in self.number:
                self.sources.append(source)
                self.number[key] = len(self.sources)
            marks.append(self.number[key])
        return f"<sup>{','.join(str(n) for n in sorted(set(marks)))}</sup>" if marks else ""

    def html(self) -> str:
        if not self.sources:
            return ""
        items = []
        for source in self.sources:
            words = [source.title or source.type]
            if source.effective_date:
                words.append(f"effective {source.effective_date}")
            words.append(f"checked {source.checked}")
            place = f" {html_external_link(source.url, source.url)}" if source.url else ""
            items.append(f"<li><strong>{text(source.id)}</strong>: {text(', '.join(words))}.{place}</li>")
        return '<ol class="lcdkb-footnotes">' + "".join(items) + "</ol>\n"


POLICY_IDS_SHOWN = 2  # the footnotes list every source; the cell names the first policies


def _policy(rule: Rule, notes: Footnotes) -> str:
    main = [s for s in rule.sources if s.type in ("LCD", "billing-article", "payer-policy", "NCD", "federal-rule")]
    shown = (main or list(rule.sources))[:POLICY_IDS_SHOWN]
    more = len(rule.sources) - len(shown)
    words = " ".join(s.id for s in shown) + (f" +{more}" if more else "")
    return text(words) + notes.cite(rule.payer_id, rule.sources)


def _compact(cell: str) -> str:
    """Several entries on one line: paper is short."""
    return cell.replace("<br>", "; ")


def sheet_row(view: View, rule: Rule, notes: Footnotes, state: str | None = None) -> list[str]:
    """A rule's row: the facts the desk needs, each cell saying something (never blank)."""
    missing = facts.or_not_recorded
    limits = "; ".join(part for part in (facts.units(rule), facts.levels(rule)) if part)
    return [
        html_link(rule.code, f"../../codes/{rule.code}.md#{rule.payer_id}"),
        _policy(rule, notes),
        facts.prior_auth_answer(rule, view.today, state),
        missing(_compact(facts.modifiers(rule))),
        missing(limits),
        missing(facts.frequency(rule)),
        missing(facts.diagnoses(rule, KEY_DIAGNOSES)),
        missing(facts.imaging(rule, short=True)),
        badge(rule.confidence),
        checked_cell(view, rule),
    ]


def _as_of(view: View) -> str:
    return (
        f"Prior authorization is the answer for a date of service on {view.today.isoformat()}. Check each rule's "
        "source (numbered below) before you bill; this is a reference, not billing advice."
    )


def payer_sheet(view: View, payer: Payer) -> str:
    kb = view.kb
    notes = Footnotes()
    rules = kb.rules_for(payer_id=payer.id)
    title = f"Cheat sheet: {payer.name}"
    lines = [
        front_matter(title, f"{payer.name}: one-page cheat sheet", wide=True),
        f"# {text(title)}\n",
        f'<p class="lcdkb-sheet-lead">{text(short_name(kb, payer))} · {text(where(payer))} · '
        f"{len(rules)} codes · {text(_as_of(view))} "
        f'<span class="lcdkb-screen-only">Full rules: {html_link(payer.name, f"../../payers/{payer.id}.md")}.'
        "</span></p>\n",
    ]
    rows = [sheet_row(view, rule, notes) for rule in rules]
    if not rows:
        lines.append("No rules are recorded for this payer yet.\n")
        return "\n".join(lines)
    lines.append(_sheet(html_table(SHEET_HEADER, rows, css="lcdkb-sheet-table lcdkb-cards"), notes))
    return "\n".join(lines)


def state_sheet(view: View, state: str, parts: list[list[str]], part: int = 1) -> str:
    """Page ``part`` of a state's sheet (``parts``: state_sheet_parts): Original Medicare's merged answers, then each
    payer there, for that part's codes."""
    kb = view.kb
    codes = parts[part - 1]
    entry = kb.states[state]
    notes = Footnotes()
    title = f"Cheat sheet: {entry['name']} ({state})"
    if len(parts) > 1:
        title += f", part {part} of {len(parts)}"
    lines = [
        front_matter(title, f"Every payer's rules in {entry['name']}: cheat sheet", wide=True),
        f"# {text(title)}\n",
        f'<p class="lcdkb-sheet-lead">{text(_as_of(view))} Prior authorization answers are for {text(entry["name"])}. '
        f'<span class="lcdkb-screen-only">More: {html_link(entry["name"], f"../../states/{state.lower()}.md")}.'
        "</span></p>\n",
    ]
    if len(parts) > 1:
        lines.append(_part_links(state, parts, part) + "\n{: .lcdkb-screen-only }\n")
    medicare = []
    for code in codes:
        rules = medicare_rules(view, state, code)
        if rules:
            medicare.append(
                [html_link(code, f"../../codes/{code}.md")]
                + [merged_cell(view, code, rules, setting, state, parts=False) for setting in answers.DESK_SETTINGS]
            )
    if medicare:
        lines.append("## Original Medicare: prior authorization\n")
        lines.append(html_table(["Code"] + SETTING_HEADER, medicare, css="lcdkb-sheet-medicare lcdkb-cards"))
    payers = _state_payers(view, state)
    wanted = set(codes)
    blocks = []
    for payer in payers:
        rows = [sheet_row(view, r, notes, state) for r in kb.rules_for(payer_id=payer.id) if r.code in wanted]
        if rows:
            blocks.append(
                f"## {text(short_name(kb, payer))}\n\n"
                + html_table(SHEET_HEADER, rows, css="lcdkb-sheet-table lcdkb-cards")
            )
    lines.append("\n".join(blocks))
    lines.append(_sheet("", notes))
    lines.append("Each payer's own cheat sheet: " + _payer_links(view, payers) + ".\n{: .lcdkb-screen-only }\n")
    return "\n".join(lines)


def _part_links(state: str, parts: list[list[str]], current: int) -> str:
    links = []
    for number, codes in enumerate(parts, 1):
        label = f"codes {codes[0]} to {codes[-1]}" if codes else f"part {number}"
        target = state_sheet_path(state, number).rsplit("/", 1)[1]
        links.append(text(label) if number == current else link(label, target))
    return "Parts of this sheet: " + " · ".join(links)


def _payer_links(view: View, payers: list[Payer]) -> str:
    return ", ".join(link(short_name(view.kb, p), f"../payers/{p.id}.md") for p in payers)


def _sheet(table_html: str, notes: Footnotes) -> str:
    footnotes = notes.html()
    return raw_block(
        f'<div class="lcdkb-sheet"{UNINDEXED}>\n'
        + table_html
        + ('<p class="lcdkb-footnotes-title"><strong>Sources</strong></p>\n' + footnotes if footnotes else "")
        + "</div>\n"
    )
