"""The coverage table: for each payer and code, how many recorded facts are verified and how many are not."""

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
    return "\n".join(lines) + "\n"
