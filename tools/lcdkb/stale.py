"""lcdkb stale: which rules have a changed source, are overdue or are due soon for review, most urgent first."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import date

from lcdkb.freshness import NEEDS_REVIEW, STATUSES, next_review_due, rule_status, source_changes
from lcdkb.markdown_escape import capped_table, inline
from lcdkb.model import KnowledgeBase


@dataclass(frozen=True)
class StaleEntry:
    rule_id: str
    payer_id: str
    payer_name: str
    code: str
    status: str
    last_reviewed: str
    reviewed_by: str
    review_interval_days: int
    next_review_due: str
    days_until_due: int  # negative when overdue
    source_changes: tuple[str, ...] = ()  # why the status is source-changed: one line per changed source


# --fail-on: the statuses that make lcdkb stale exit 1. A changed source counts like an overdue review.
FAIL_ON = {"overdue": set(NEEDS_REVIEW), "due-soon": {*NEEDS_REVIEW, "due-soon"}, "never": set()}


def stale_entries(kb: KnowledgeBase, today: date, due_within: int) -> list[StaleEntry]:
    """Every rule with its status, most urgent first: source-changed, then by due date (then payer and code)."""
    entries = []
    for rule in kb.rules:
        due = next_review_due(rule.last_reviewed, rule.review_interval_days)
        entries.append(
            StaleEntry(
                rule.id,
                rule.payer_id,
                kb.payers[rule.payer_id].name,
                rule.code,
                rule_status(rule, today, due_within),
                rule.last_reviewed,
                rule.reviewed_by,
                rule.review_interval_days,
                due,
                (date.fromisoformat(due) - today).days,
                tuple(source_changes(rule.sources)),
            )
        )
    return sorted(entries, key=lambda e: (e.status != "source-changed", e.days_until_due, e.payer_id, e.code))


def _when(entry: StaleEntry) -> str:
    days = entry.days_until_due
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} overdue"
    return "due today" if days == 0 else f"due in {days} day{'s' if days != 1 else ''}"


def render_text(entries: list[StaleEntry], today: date, show_current: bool = False) -> str:
    counts = Counter(e.status for e in entries)
    lines = [
        f"Review status on {today.isoformat()}: "
        + ", ".join(f"{counts[s]} {s}" for s in STATUSES)
        + f" ({len(entries)} rules)"
    ]
    by_payer: dict[str, list[StaleEntry]] = defaultdict(list)
    for entry in entries:
        if show_current or entry.status != "current":
            by_payer[entry.payer_id].append(entry)
    for payer_id, items in by_payer.items():  # payers in order of their most urgent rule
        lines.append("")
        lines.append(f"{items[0].payer_name} ({payer_id})")
        for e in items:
            lines.append(
                f"  {e.code:<6} {e.status:<14} {_when(e):<18} due {e.next_review_due}  "
                f"last reviewed {e.last_reviewed} by {e.reviewed_by}"
            )
            lines += [f"         {reason}" for reason in e.source_changes]
    reviewers: dict[str, Counter] = defaultdict(Counter)
    for entry in entries:
        reviewers[entry.reviewed_by][entry.status] += 1
    lines.append("")
    lines.append("By reviewer:")
    for name, c in sorted(
        reviewers.items(),
        key=lambda item: (-item[1]["source-changed"], -item[1]["overdue"], -item[1]["due-soon"], item[0]),
    ):
        lines.append(f"  {name}: " + ", ".join(f"{c[s]} {s}" for s in STATUSES))
    return "\n".join(lines) + "\n"


def as_data(entries: list[StaleEntry], today: date, due_within: int) -> dict:
    """The JSON result of ``lcdkb stale --format json`` (inside the command line's envelope)."""
    counts = Counter(e.status for e in entries)
    return {
        "as_of": today.isoformat(),
        "due_within_days": due_within,
        "counts": {s: counts[s] for s in STATUSES},
        "rules": [asdict(e) for e in entries],
    }


def render_markdown(
    entries: list[StaleEntry], today: date, max_chars: int | None = None, more_url: str | None = None
) -> str:
    """For the rolling "reviews due" issue: a table of what needs a review, most urgent first. With
    ``max_chars``, whole rows only, as many as fit with a closing line that says what was left out and where the
    full list is (GitHub refuses issue bodies over 65,536 characters)."""
    counts = Counter(e.status for e in entries)
    waiting = [e for e in entries if e.status != "current"]
    lines = [
        f"Review status on {today.isoformat()}: **{counts['source-changed']} source-changed**, "
        f"**{counts['overdue']} overdue**, **{counts['due-soon']} due soon**, {counts['current']} current.",
        "",
    ]
    if not waiting:
        return "\n".join(lines + ["Nothing is overdue or due soon. No cited source changed."]) + "\n"
    lines += ["| Payer | Code | Status | Due | Last reviewed | Reviewer |", "|---|---|---|---|---|---|"]
    where = f"[full list]({more_url})" if more_url else "run `lcdkb stale` for the full list"
    rows = [_markdown_row(e) for e in waiting]
    return capped_table(lines, rows, max_chars, lambda shown: _footer(shown, waiting, where))


def _markdown_row(e: StaleEntry) -> str:
    why = "".join(f"<br>{inline(reason)}" for reason in e.source_changes)
    return (
        f"| {inline(e.payer_name)} ({inline(e.payer_id)}) | {inline(e.code)} | {e.status} ({_when(e)}){why} | "
        f"{inline(e.next_review_due)} | {inline(e.last_reviewed)} | {inline(e.reviewed_by)} |"
    )


def _footer(shown: int, waiting: list[StaleEntry], where: str) -> str:
    left = Counter(e.status for e in waiting[shown:])
    return (
        f"\n\n_Showing the {shown} most urgent of {len(waiting)} rules due; {len(waiting) - shown} more "
        f"({left['source-changed']} source-changed, {left['overdue']} overdue, {left['due-soon']} due soon) "
        f"are not listed: {where}_\n"
    )
