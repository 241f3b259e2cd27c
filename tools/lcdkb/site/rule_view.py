"""How one rule looks on a page: a summary row for tables and a full block with warnings and sources."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from lcdkb.freshness import next_review_due, provenance, rule_status, source_changes
from lcdkb.model import KnowledgeBase, Payer, Rule
from lcdkb.site import facts
from lcdkb.site.markup import admonition, badge, external_link, link, table, text

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
    return ", ".join(external_link(s.id, s.url) if s.url else text(s.id) for s in sources)


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
        lines = [f"- {text(s.id)}: {text(s.note or '')}" for s in weak_sources] or [
            "- One or more facts below are marked conflicting; read their notes."
        ]
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


def _weak(fact: dict) -> str | None:
    return fact.get("confidence") if fact.get("confidence") in facts.WEAK else None


def rule_block(view: View, rule: Rule, applies_to: list[Payer] | None = None) -> str:
    parts = []
    if applies_to and len(applies_to) > 1:
        parts.append(
            "Applies to: "
            + "; ".join(link(p.name, f"../payers/{p.id}.md") + f" ({text(where(p))})" for p in applies_to)
            + "\n"
        )
    if rule.policy_title:
        parts.append(f"**Policy:** {text(rule.policy_title)}\n")
    warn = warnings(view, rule)
    if warn:
        parts.append(warn)
    parts.append(table(["Fact", "Rule"], facts.full_rows(rule, view.today), css="lcdkb-facts"))
    notes = [f"- **{row}:** {note}" for row, _ in facts.FULL_ROWS for note in facts.notes_for(rule, row)]
    if rule.facts.get("notes"):
        notes.append(f"- {text(rule.facts['notes'])}")
    if notes:
        parts.append("**Notes**\n\n" + "\n".join(notes))
    docs = rule.facts.get("documentation")
    if docs:
        items = "\n".join(f"- [ ] {text(item)}" for item in docs["items"])
        parts.append(f"**Documentation checklist**{facts.mark(docs)}\n\n{items}")
    not_covered = (rule.facts.get("diagnoses") or {}).get("not_covered")
    if not_covered:
        parts.append("**Diagnoses not covered:** " + text(", ".join(not_covered)))
    parts.append("**Sources**\n\n" + "\n".join(f"- {_source_line(s)}" for s in rule.sources))
    parts.append(_meta_line(view, rule))
    return "\n\n".join(parts) + "\n"


def _source_line(source) -> str:
    label = external_link(source.id, source.url) if source.url else text(source.id)
    details = [source.type]
    if source.title:
        details.insert(0, source.title)
    if source.effective_date:
        details.append(f"effective {source.effective_date}")
    details.append(f"checked {source.checked}")
    line = f"{label}: {text(' · '.join(details))} {badge(source.confidence)}"
    if source.locator and not source.url:
        line += f" (copy: {text(source.locator)})"
    line += "<br>" + provenance_line(source)
    if source.note:
        line += f"<br><small>{text(source.note)}</small>"
    return line


def provenance_line(source) -> str:
    """What was read of the source and what CMS's listing showed (freshness.provenance), with a link to the copy
    that was read."""
    line = text(provenance(source))
    if source.read_from:
        line += " (" + external_link("the copy read", source.read_from) + ")"
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
            external_link("Edit this entry", view.edit_base + path) + f" (line {rule.line})"
            if view.edit_base
            else f"Edit this entry: `{path}` line {rule.line}"
        )
    return line + "\n{: .lcdkb-meta }"
