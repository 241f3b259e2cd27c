"""How one rule looks on a page: a summary row for tables and a full block with warnings and sources."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from lcdkb.freshness import next_review_due, provenance, rule_status, source_changes
from lcdkb.model import KnowledgeBase, Payer, Rule
from lcdkb.site import facts
from lcdkb.site.markup import UNINDEXED, admonition, badge, html_external_link, html_table, link, raw_block, text

SUMMARY_HEADER = [
    "Coverage",
    "Prior auth",
    "Modifiers",
    "Units",
    "Frequency",
    "Per session",
    "Imaging",
    "Confidence",
    "Checked",
]


@dataclass(frozen=True)
class View:
    """What every page needs to render rules: the model, the day statuses are judged on, edit links."""

    kb: KnowledgeBase
    today: date
    edit_base: str | None = None

    def status(self, rule: Rule) -> str:
        return rule_status(rule, self.today)

    @cached_property
    def medicare_by_state(self) -> dict[str, list[Payer]]:
        """Each state's Original Medicare payers (its contractors, then the national rules), worked out once for
        all pages: every code page looks them up for every state."""
        from lcdkb.lookup import medicare_payers

        return {state: medicare_payers(self.kb, state) for state in self.kb.states}

    @cached_property
    def payer_states(self) -> dict[str, list[str]]:
        """The states (codes, sorted) where each payer's rules apply (``KnowledgeBase.payers_in_state``), for the
        state picker's data and the state cheat sheets."""
        found: dict[str, list[str]] = {p: [] for p in self.kb.payers}
        for state in sorted(self.kb.states):
            for payer in self.kb.payers_in_state(state):
                found[payer.id].append(state)
        return found


def short_name(kb: KnowledgeBase, payer: Payer) -> str:
    """A compact name for tables: "Novitas JH", "First Coast JN", "Aetna", "Medicare (national)"."""
    if payer.kind == "medicare-national":
        return "Medicare (national)"
    if payer.jurisdiction:
        entry = kb.jurisdictions[payer.jurisdiction]
        brand = entry.get("contractor_short") or entry["contractor"]
        brand = brand.replace(payer.jurisdiction, "").split("(")[0].split(",")[0].strip()
        return f"{brand} {payer.jurisdiction}"
    return payer.name.split(" (")[0].split(",")[0].strip()


def group_name(kb: KnowledgeBase, payers: list[Payer]) -> str:
    """ "WPS J5, J8" for contractors of one company; names joined otherwise."""
    names = [short_name(kb, p) for p in payers]
    brands = {n.rsplit(" ", 1)[0] for n in names}
    jurisdictions = [p.jurisdiction for p in payers if p.jurisdiction]
    if len(payers) > 1 and len(jurisdictions) == len(payers) and len(brands) == 1:
        return f"{brands.pop()} " + ", ".join(jurisdictions)
    return " and ".join(names)


def where(payer: Payer) -> str:
    if payer.kind == "medicare-national":
        return "all states"
    if not payer.states:
        return "nationwide"
    return ", ".join(payer.states)


def policy_ids(rule: Rule) -> str:
    """The LCD, article and policy numbers behind a rule, linked; else its policy title; else every source it
    cites (a rule cites at least one), so the cell is never blank."""
    main = [s for s in rule.sources if s.type in ("LCD", "billing-article", "payer-policy", "NCD", "federal-rule")]
    return _source_ids(main) or text(rule.policy_title or "") or _source_ids(list(rule.sources)) or facts.not_recorded()


def _source_ids(sources) -> str:
    return ", ".join(html_external_link(s.id, s.url) if s.url else text(s.id) for s in sources)


def confidence_cell(rule: Rule) -> str:
    return badge(rule.confidence)


def checked_cell(view: View, rule: Rule) -> str:
    status = view.status(rule)
    return text(rule.last_reviewed) + ("" if status == "current" else " " + badge(status))


def summary_cells(view: View, rule: Rule) -> list[str]:
    """The cells under SUMMARY_HEADER: none is blank. Prior authorization is the answer on ``view.today``."""
    missing = facts.or_not_recorded
    return [
        missing(facts.coverage(rule, short=True)),
        facts.prior_auth_answer(rule, view.today),
        missing(facts.modifiers(rule)),
        missing(facts.units(rule)),
        missing(facts.frequency(rule)),
        missing(facts.levels(rule)),
        missing(facts.imaging(rule, short=True)),
        confidence_cell(rule),
        checked_cell(view, rule),
    ]


def warnings(view: View, rule: Rule) -> str:
    out = []
    status = view.status(rule)
    due = next_review_due(rule.last_reviewed, rule.review_interval_days)
    if status == "source-changed":
        reasons = "\n".join(f"- {text(reason)}" for reason in source_changes(rule.sources))
        out.append(
            admonition(
                "danger",
                "Source changed since it was read",
                "CMS's listing shows a document this rule cites retired or at another version than the one "
                f"read:\n\n{reasons}\n\nRead the current document and check the rule before relying on it "
                f"(the scheduled review is {due}, but do not wait for it).",
            )
        )
    elif status == "overdue":
        out.append(
            admonition(
                "danger",
                "Overdue for review",
                f"Last checked {rule.last_reviewed}; the review was due {due}. Check the rule against "
                "its sources before relying on it.",
            )
        )
    elif status == "due-soon":
        out.append(admonition("note", "Review due soon", f"Next review due {due}."))
    weak_sources = [s for s in rule.sources if s.confidence == "conflicting"]
    if rule.confidence == "conflicting":
        disputed = [row for row, names in facts.FACT_OF_ROW.items() if any(_disputed(rule, name) for name in names)]
        lines = []
        if disputed:
            lines.append("- On: " + text(", ".join(disputed)) + " (marked conflicting below)")
        if weak_sources:
            lines.append("- Sources: " + text(", ".join(s.id for s in weak_sources)) + " (how: Source details)")
        lines = lines or ["- One or more facts below are marked conflicting; read their notes."]
        out.append(admonition("warning", "Conflicting sources", "Sources disagree:\n\n" + "\n".join(lines)))
    if any(_weak(f) == "unverified" for f in _fact_items(rule)) or any(
        s.confidence == "unverified" for s in rule.sources
    ):
        out.append(
            admonition(
                "warning",
                "Includes unverified facts",
                "Facts marked unverified were not confirmed in this payer's own document. "
                "Confirm them before you bill.",
            )
        )
    return "\n".join(out)


def _fact_items(rule: Rule):
    for value in rule.facts.values():
        yield from (v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict))


def _disputed(rule: Rule, name: str) -> bool:
    value = rule.facts.get(name)
    items = value if isinstance(value, list) else [value]
    return any(isinstance(item, dict) and item.get("confidence") == "conflicting" for item in items)


def _weak(fact: dict) -> str | None:
    return fact.get("confidence") if fact.get("confidence") in facts.WEAK else None


def rule_block(view: View, rule: Rule, applies_to: list[Payer] | None = None, indexed: bool = True) -> str:
    """One rule in full: who it applies to and its warnings in Markdown, then the facts, notes, checklist and
    sources as one raw HTML block (billing text first; how each source was read behind "Source details").
    ``indexed=False`` leaves the block out of the search index (the payer page's copy is indexed)."""
    parts = []
    if applies_to and len(applies_to) > 1:
        parts.append(
            "Applies to: "
            + "; ".join(link(p.name, f"../payers/{p.id}.md") + f" ({text(where(p))})" for p in applies_to)
            + "\n"
        )
    warn = warnings(view, rule)
    if warn:
        parts.append(warn)
    html = [f'<div class="lcdkb-rule"{"" if indexed else UNINDEXED}>']
    if rule.policy_title:
        html.append(f"<p><strong>Policy:</strong> {text(rule.policy_title)}</p>")
    html.append(
        html_table(["Fact", "Rule"], facts.full_rows(rule, view.today), css="lcdkb-facts", labels=False).rstrip("\n")
    )
    notes = [
        f"<li><strong>{row}:</strong> {note}</li>" for row, _ in facts.FULL_ROWS for note in facts.notes_for(rule, row)
    ]
    if rule.facts.get("notes"):
        notes.append(f"<li>{text(rule.facts['notes'])}</li>")
    if notes:
        html.append("<p><strong>Notes</strong></p>\n<ul>" + "".join(notes) + "</ul>")
    docs = rule.facts.get("documentation")
    if docs:
        html.append(f"<p><strong>Documentation checklist</strong>{facts.mark(docs)}</p>\n" + checklist(docs["items"]))
    not_covered = (rule.facts.get("diagnoses") or {}).get("not_covered")
    if not_covered:
        html.append("<p><strong>Diagnoses not covered:</strong> " + text(", ".join(not_covered)) + "</p>")
    html.append(
        "<p><strong>Sources</strong></p>\n<ul>" + "".join(f"<li>{_source_line(s)}</li>" for s in rule.sources) + "</ul>"
    )
    html.append(source_details(rule.sources))
    html.append(_meta_line(view, rule))
    html.append("</div>")
    parts.append(raw_block("\n".join(html)))
    return "\n\n".join(parts)


def checklist(items: list[str]) -> str:
    """The documentation checklist: each box labelled by its item, so a screen reader reads what it ticks."""
    return (
        '<ul class="task-list lcdkb-checklist">'
        + "".join(
            f'<li class="task-list-item"><label class="task-list-control"><input type="checkbox"> '
            f"{text(item)}</label></li>"
            for item in items
        )
        + "</ul>"
    )


def _source_line(source) -> str:
    """What a biller needs of a source: its ID as a link, title, type, dates and confidence."""
    label = html_external_link(source.id, source.url) if source.url else text(source.id)
    details = [source.type]
    if source.title:
        details.insert(0, source.title)
    if source.effective_date:
        details.append(f"effective {source.effective_date}")
    details.append(f"checked {source.checked}")
    return f"{label}: {text(' · '.join(details))} {badge(source.confidence)}"


def source_details(sources) -> str:
    """How each source was read (provenance, the copy read, research notes), collapsed and left out of the search
    index: the desk reads the facts; a reviewer opens this."""
    items = []
    for source in sources:
        line = f"<strong>{text(source.id)}:</strong> " + provenance_line(source)
        if source.locator and not source.url:
            line += f" (copy: {text(source.locator)})"
        if source.note:
            line += f"<br><small>{text(source.note)}</small>"
        items.append(f"<li>{line}</li>")
    return (
        '<details class="lcdkb-source-details" data-pagefind-ignore><summary>Source details</summary>\n<ul>'
        + "".join(items)
        + "</ul>\n</details>"
    )


def provenance_line(source) -> str:
    """What was read of the source and what CMS's listing showed (freshness.provenance), with a link to the copy
    that was read."""
    line = text(provenance(source))
    if source.read_from:
        line += " (" + html_external_link("the copy read", source.read_from) + ")"
    return line


def _meta_line(view: View, rule: Rule) -> str:
    due = next_review_due(rule.last_reviewed, rule.review_interval_days)
    line = (
        f"Last checked {text(rule.last_reviewed)} by {text(rule.reviewed_by)} · next review due {due} · "
        f"{badge(view.status(rule))}"
    )
    if rule.file:
        path = f"lcd_data/{rule.file}"
        line += " · " + (
            html_external_link("Edit this entry", view.edit_base + path) + f" (line {rule.line})"
            if view.edit_base
            else f"Edit this entry: <code>{text(path)}</code> line {rule.line}"
        )
    return f'<p class="lcdkb-meta"{UNINDEXED}>{line}</p>'
