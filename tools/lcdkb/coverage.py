"""The coverage table: for each payer and code, how many recorded facts are verified and how many are not; then,
per payer, the share of facts read in primary or secondary sources, and how many of its sources were read or
compared with CMS's listing, and when."""

from __future__ import annotations

from dataclasses import dataclass

from lcdkb.exports.records import FACT_FIELDS
from lcdkb.model import KnowledgeBase, Rule

VERIFIED = ("verified-primary", "verified-secondary")


@dataclass(frozen=True)
class Cell:
    verified: int
    unverified: int  # unverified or conflicting
    conflicting: int

    def __str__(self) -> str:
        return f"{self.verified}/{self.unverified}" + ("!" if self.conflicting else "")


def fact_confidences(rule: Rule) -> list[str]:
    """One confidence per recorded fact (each list entry counts once); plain-text notes are not facts."""
    levels = []
    for name in FACT_FIELDS:
        value = rule.facts.get(name)
        items = value if isinstance(value, list) else [value]
        levels += [item["confidence"] for item in items if isinstance(item, dict)]
    return levels


def cell(rule: Rule) -> Cell:
    levels = fact_confidences(rule)
    verified = sum(level in VERIFIED for level in levels)
    return Cell(verified, len(levels) - verified, levels.count("conflicting"))


def coverage_table(kb: KnowledgeBase) -> tuple[list[str], list[tuple[str, list[Cell | None]]]]:
    """(codes, [(payer id, one cell per code or None when no rule)])."""
    codes = sorted(c for c, entry in kb.codes.items() if entry["scope"] == "key")
    rows = []
    for payer_id in sorted(kb.payers):
        rules = {r.code: r for r in kb.rules_for(payer_id=payer_id)}
        rows.append((payer_id, [cell(rules[c]) if c in rules else None for c in codes]))
    return codes, rows


def render_text(kb: KnowledgeBase) -> str:
    codes, rows = coverage_table(kb)
    width = max(len(p) for p, _ in rows) if rows else 5
    head = f"{'payer':<{width}}  " + " ".join(f"{c:>6}" for c in codes) + "   rules verified unverified"
    lines = [head, "-" * len(head)]
    for payer_id, cells in rows:
        present = [c for c in cells if c]
        lines.append(
            f"{payer_id:<{width}}  "
            + " ".join(f"{str(c) if c else '-':>6}" for c in cells)
            + f"   {len(present):>5} {sum(c.verified for c in present):>8} {sum(c.unverified for c in present):>10}"
        )
    lines.append("")
    lines.append(
        "Cells: verified/unverified fact counts ('!' = a conflicting fact, '-' = no rule). "
        "Verified = read in a primary or secondary source."
    )
    return "\n".join(lines) + "\n\n" + render_provenance(kb)


@dataclass(frozen=True)
class Provenance:
    """How sure one payer's facts are, and how much of its sources was read or compared with CMS's listing."""

    payer_id: str
    facts: int
    primary: int
    secondary: int
    unverified: int  # unverified or conflicting
    sources: int
    content_read: int  # sources with content_read_on
    compared: int  # sources with compared_on
    latest_compared: str | None  # the newest compared_on, or None when none was compared

    def share(self, count: int) -> str:
        return f"{round(100 * count / self.facts)}%" if self.facts else "-"


def provenance_rows(kb: KnowledgeBase) -> list[Provenance]:
    """One row per payer: its rules' fact confidences and its listed sources' reading and comparison dates."""
    rows = []
    for payer_id in sorted(kb.payers):
        levels = [level for rule in kb.rules_for(payer_id=payer_id) for level in fact_confidences(rule)]
        sources = kb.payers[payer_id].sources
        compared = [s.compared_on for s in sources if s.compared_on]
        rows.append(
            Provenance(
                payer_id,
                len(levels),
                levels.count("verified-primary"),
                levels.count("verified-secondary"),
                len(levels) - levels.count("verified-primary") - levels.count("verified-secondary"),
                len(sources),
                sum(1 for s in sources if s.content_read_on),
                len(compared),
                max(compared, default=None),
            )
        )
    return rows


def render_provenance(kb: KnowledgeBase) -> str:
    rows = provenance_rows(kb)
    width = max([len(r.payer_id) for r in rows] + [5])
    head = (
        f"{'payer':<{width}}  {'facts':>5} {'primary':>7} {'secondary':>9} {'unverified':>10}   "
        f"{'sources':>7} {'read':>4} {'compared':>8}  latest compared"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.payer_id:<{width}}  {r.facts:>5} {r.share(r.primary):>7} {r.share(r.secondary):>9} "
            f"{r.share(r.unverified):>10}   {r.sources:>7} {r.content_read:>4} {r.compared:>8}  "
            f"{r.latest_compared or 'never'}"
        )
    lines.append("")
    lines.append(
        "Facts: share read in the payer's own document (primary), in a copy or summary (secondary), or not "
        "confirmed (unverified, conflicting included). Sources: how many the payer's file lists, how many a "
        "person read the content of (content_read_on), and how many were compared with CMS's listing "
        "(compared_on), with the newest comparison."
    )
    return "\n".join(lines) + "\n"
