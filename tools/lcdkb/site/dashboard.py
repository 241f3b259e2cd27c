"""The review dashboard: which rules are current, due soon, overdue or source-changed, by payer and reviewer."""

from __future__ import annotations

from collections import Counter, defaultdict

from lcdkb.freshness import STATUSES, next_review_due, source_changes
from lcdkb.site.markup import attribute, badge, front_matter, html_link, html_table, link, table, text


def _bar(counts: Counter, total: int) -> str:
    """A stacked bar drawn with CSS only (no script, works offline and in print)."""
    segments = "".join(_segment(status, counts[status], total) for status in STATUSES if counts[status])
    label = ", ".join(f"{status} {counts[status]}" for status in STATUSES)
    return f'<div class="lcdkb-bar" role="img" aria-label="{attribute(label)}">{segments}</div>'


def _segment(status: str, count: int, total: int) -> str:
    return (
        f'<span class="lcdkb-bar-{attribute(status)}" style="width: {100 * count / total:.2f}%" '
        f'title="{attribute(f"{status}: {count}")}"></span>'
    )


def review_page(view) -> str:
    kb = view.kb
    status = {r.id: view.status(r) for r in kb.rules}
    total = Counter(status.values())
    lines = [
        front_matter("Review status", wide=True),
        "# Review status\n",
        f"Each rule is re-checked against its sources every 60 to 90 days. Statuses as of "
        f"{view.today.isoformat()}: due soon means within 14 days of the due date. A rule is source-changed, "
        "whatever its dates, when CMS's listing (as last compared) shows a document it cites retired or at "
        "another version than the one read. Subscribe to the due "
        f"dates in your calendar: {link('reviews.ics', 'reviews.ics')}.\n",
    ]
    if kb.rules:
        lines.append(_bar(total, len(kb.rules)) + "\n")
    lines.append(table(["Status", "Rules"], [[badge(s), str(total[s])] for s in STATUSES]) + "\n")
    lines.append("## By payer\n")
    by_payer: defaultdict[str, Counter[str]] = defaultdict(Counter)
    by_reviewer: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for rule in kb.rules:
        by_payer[rule.payer_id][status[rule.id]] += 1
        by_reviewer[rule.reviewed_by][status[rule.id]] += 1
    rows = [
        [link(kb.payers[p].name, f"payers/{p}.md")] + [str(c[s]) for s in STATUSES] + [_bar(c, sum(c.values()))]
        for p, c in sorted(by_payer.items())
    ]
    lines.append(table(["Payer"] + list(STATUSES) + ["Chart"], rows) + "\n")
    lines.append("## By reviewer\n")
    rows = [[text(r)] + [str(c[s]) for s in STATUSES] for r, c in sorted(by_reviewer.items())]
    lines.append(table(["Reviewer"] + list(STATUSES), rows) + "\n")
    lines.append("## Source changed, overdue and due soon\n")
    waiting = sorted(
        (r for r in kb.rules if status[r.id] != "current"),
        key=lambda r: (
            status[r.id] != "source-changed",
            next_review_due(r.last_reviewed, r.review_interval_days),
            r.id,
        ),
    )
    if waiting:
        rows = [
            [
                html_link(kb.payers[r.payer_id].name, f"payers/{r.payer_id}.md#{r.code.lower()}"),
                r.code,
                text(r.last_reviewed),
                next_review_due(r.last_reviewed, r.review_interval_days),
                badge(status[r.id]),
                "<br>".join(text(reason) for reason in source_changes(r.sources)) or text("Not changed"),
                text(r.reviewed_by),
            ]
            for r in waiting
        ]
        lines.append(
            html_table(
                ["Payer", "Code", "Last checked", "Due", "Status", "Changed source", "Reviewer"],
                rows,
                css="lcdkb-waiting lcdkb-cards",
                row_data=[{"payer": r.payer_id, "code": r.code} for r in waiting],
            )
        )
    else:
        lines.append("Nothing is overdue or due soon. No cited source changed.")
    return "\n".join(lines) + "\n"
