"""The reports of ``lcdkb sources check``: text for the terminal (the caller makes each line terminal-safe), the
JSON result inside the command line's envelope, and inert Markdown for an issue or pull-request body.

Listing texts (titles, notes) appear only in JSON, as JSON strings. Text and Markdown show IDs, versions and dates
that were checked for their shape, the data's own values and the reasons built from them; Markdown writes every
value through ``lcdkb.markdown_escape.inline``.
"""

from __future__ import annotations

from lcdkb.markdown_escape import capped_table, inline
from lcdkb.sources.compare import STATUSES, CheckResult, Comparison
from lcdkb.sources.listing import ListedDocument

_WORDS = {
    "newer-version": "newer version",
    "retired": "retired",
    "not-found": "not found",
    "differs": "differ",
    "unchanged": "unchanged",
}


def _listing_line(result: CheckResult) -> str:
    listing = result.listing
    through = listing.updated_through()
    where = "the Coverage API" if listing.origin == "api" else "a saved file"
    return (
        f"CMS listing ({where}): {listing.count()} document versions"
        + (f", updated through {through.isoformat()}" if through else "")
        + "."
    )


def _counts_line(result: CheckResult, bold: bool = False) -> str:
    counts = result.counts()
    parts = []
    for status in STATUSES:
        part = f"{counts[status]} {_WORDS[status]}"
        parts.append(f"**{part}**" if bold and status != "unchanged" and counts[status] else part)
    return (
        f"Compared on {result.today.isoformat()}: " + ", ".join(parts) + f" ({len(result.comparisons)} cited sources)."
    )


def _kind(c: Comparison) -> str:
    return "LCD" if c.source.type == "LCD" else "article"


def _rules(c: Comparison) -> str:
    return ", ".join(c.rules) if c.rules else "no rule cites it"


def render_text(result: CheckResult, show_all: bool = False) -> str:
    lines = [_listing_line(result), _counts_line(result)]
    shown = [c for c in result.comparisons if show_all or c.status != "unchanged"]
    if not result.changed:
        lines.append("Every cited LCD and article is as CMS lists it.")
    for c in shown:
        lines.append("")
        lines.append(f"{c.status}  {c.source.id} ({_kind(c)}) in {c.payer_id}: {c.reason}")
        lines.append(f"    rules affected: {_rules(c)}")
    if result.skipped:
        lines.append("")
        for skipped in result.skipped:
            lines.append(
                f"not compared  {skipped.source_id} ({skipped.source_type}) in {skipped.payer_id}: {skipped.reason}"
            )
    return "\n".join(lines) + "\n"


def _listed(document: ListedDocument | None) -> dict | None:
    if document is None:
        return None
    return {
        "document_type": document.kind,
        "version": str(document.version),
        "effective_date": document.effective_date.isoformat(),
        "retirement_date": document.retirement_date.isoformat() if document.retirement_date else None,
        "updated_on": document.updated_on.isoformat(),
        "title": document.title,
        "note": document.note,
        "url": document.url,
    }


def as_data(result: CheckResult) -> dict:
    """The JSON result of ``lcdkb sources check --format json`` (inside the command line's envelope)."""
    listing = result.listing
    through = listing.updated_through()
    return {
        "compared_on": result.today.isoformat(),
        "listing": {
            "origin": listing.origin,
            "read_from": list(listing.parts),
            "documents": listing.count(),
            "updated_through": through.isoformat() if through else None,
        },
        "counts": result.counts(),
        "sources": [
            {
                "payer_id": c.payer_id,
                "payer_name": c.payer_name,
                "payer_file": c.payer_file,
                "source_id": c.source.id,
                "type": c.source.type,
                "status": c.status,
                "reason": c.reason,
                "recorded": {"version": c.source.version, "effective_date": c.source.effective_date},
                "listed": _listed(c.listed),
                "listed_status": c.listed_status,
                "takes_effect_later": c.future,
                "rules": list(c.rules),
                "new_since_last_compare": c.new_since_last_compare,
            }
            for c in result.comparisons
        ],
        "not_compared": [
            {"payer_id": s.payer_id, "source_id": s.source_id, "type": s.source_type, "reason": s.reason}
            for s in result.skipped
        ],
    }


def render_markdown(result: CheckResult, max_chars: int | None = None, more_url: str | None = None) -> str:
    """A table of every changed source, most urgent first. With ``max_chars``, whole rows only, as many as fit,
    then a line that says how many were left out and where the full list is."""
    head = [_listing_line(result) + " " + _counts_line(result, bold=True), ""]
    changed = result.changed
    if not changed:
        return "\n".join(head + ["Every cited LCD and article is as CMS lists it."]) + "\n"
    head += ["| Status | Source | Payer | What changed | Rules affected |", "|---|---|---|---|---|"]
    rows = [_markdown_row(c) for c in changed]
    where = f"[full list]({more_url})" if more_url else "run `lcdkb sources check` for the full list"
    return capped_table(head, rows, max_chars, lambda shown: _footer(shown, len(rows), where))


def _markdown_row(c: Comparison) -> str:
    return (
        f"| {c.status} | {inline(c.source.id)} ({_kind(c)}) | {inline(c.payer_name)} ({inline(c.payer_id)}) | "
        f"{inline(c.reason)} | {inline(_rules(c))} |"
    )


def _footer(shown: int, total: int, where: str) -> str:
    return f"\n\n_Showing {shown} of {total} changed sources, most urgent first; {total - shown} more: {where}_\n"
