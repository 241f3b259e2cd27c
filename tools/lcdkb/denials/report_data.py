"""The denial report as one plain dictionary (the ``result`` of ``--format json``); text and HTML render it."""

from __future__ import annotations

from datetime import timedelta

from lcdkb.denials.advice import advise
from lcdkb.denials.precheck import Precheck
from lcdkb.denials.reasons import GROUP_ORDER, Crosswalk
from lcdkb.denials.weekly import BASELINE_FLOOR, MIN_BASELINE_WEEKS, Analysis, Cell, Trend
from lcdkb.model import KnowledgeBase

TOP_CELLS = 25


def rule_text(analysis: Analysis) -> dict[str, str]:
    s = analysis.settings
    return {
        "denied_line": "a service line with an adjustment whose CARC is not routine in the crosswalk; its reason "
        "group is that of its largest such adjustment (a broad CARC takes its remark code's group)",
        "week": "Monday to Sunday, by payment date (BPR16)",
        "spike": f"the latest week has at least {s.min_count} denied lines for a payer x code x reason, and the "
        f"Poisson chance of that many or more at its own baseline (mean of the {len(analysis.weeks) - 1} earlier "
        f"weeks, at least {MIN_BASELINE_WEEKS}, floored at {BASELINE_FLOOR} a week) is below {s.alpha:g}",
        "pattern": f"in at least {s.pattern_min} of the last {s.pattern_weeks} weeks, the same payer x code x "
        f"reason had at least {s.pattern_count} denied lines, at least {s.pattern_share:.0%} of that payer and "
        "code's service lines that week",
    }


def build(
    kb: KnowledgeBase, crosswalk: Crosswalk, analysis: Analysis, precheck: Precheck | None, site_url: str | None
) -> dict:
    total_lines, total_denied = sum(analysis.lines), sum(analysis.denied)
    weeks = [week.isoformat() for week in analysis.weeks]
    last_day = analysis.weeks[-1] + timedelta(days=6)
    return {
        "window": {"first_week": weeks[0], "latest_week": weeks[-1], "weeks": weeks},
        "filters": {"payer": analysis.settings.payer, "code": analysis.settings.code},
        "rules": rule_text(analysis),
        "site_url": site_url,
        "totals": {
            "service_lines": total_lines,
            "denied_lines": total_denied,
            "denial_rate": _rate(total_denied, total_lines),
            "denied_amount": round(sum(analysis.denied_amount), 2),
        },
        "weekly": [
            {
                "week": week,
                "service_lines": analysis.lines[i],
                "denied_lines": analysis.denied[i],
                "denied_amount": round(analysis.denied_amount[i], 2),
            }
            for i, week in enumerate(weeks)
        ],
        "trends": [_trend(kb, crosswalk, analysis, trend, last_day) for trend in analysis.trends],
        "top": [_cell(kb, crosswalk, analysis, cell) for cell in analysis.cells[:TOP_CELLS]],
        "reasons_by_payer": _reasons_by_payer(kb, analysis),
        "precheck": precheck.as_data() if precheck is not None else None,
        "crosswalk": {"checked": crosswalk.checked, "sources": [s["url"] for s in crosswalk.sources]},
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _cell(kb: KnowledgeBase, crosswalk: Crosswalk, analysis: Analysis, cell: Cell) -> dict:
    lines = analysis.lines_by_payer_code.get((cell.payer_id, cell.code), 0)
    payer = kb.payers.get(cell.payer_id)
    return {
        "payer_id": cell.payer_id,
        "payer_name": payer.name if payer else cell.payer_id,
        "code": cell.code,
        "reason": cell.reason,
        "reason_label": crosswalk.groups.get(cell.reason, cell.reason),
        "weekly": cell.counts,
        "weekly_amounts": [round(amount, 2) for amount in cell.amounts],
        "denied_lines": cell.total,
        "denied_amount": round(sum(cell.amounts), 2),
        "service_lines": lines,
        "denial_rate": _rate(cell.total, lines),
        "carcs": cell.carcs,
        "remarks": cell.remarks,
    }


def _trend(kb: KnowledgeBase, crosswalk: Crosswalk, analysis: Analysis, trend: Trend, on) -> dict:
    cell = trend.cell
    advice = advise(kb, cell.payer_id, cell.code, cell.reason, on)
    return {
        "kind": trend.kind,
        **_cell(kb, crosswalk, analysis, cell),
        "latest_week": trend.latest,
        "baseline_mean": round(trend.baseline_mean, 2),
        "p_value": float(f"{trend.p_value:.3g}") if trend.p_value is not None else None,
        "weeks_with_denials": trend.weeks_with_denials if trend.kind == "pattern" else None,
        "of_weeks": analysis.settings.pattern_weeks if trend.kind == "pattern" else None,
        "advice": advice.as_data(),
    }


def _reasons_by_payer(kb: KnowledgeBase, analysis: Analysis) -> list[dict]:
    counts: dict[str, dict[str, int]] = {}
    for cell in analysis.cells:
        by_reason = counts.setdefault(cell.payer_id, {})
        by_reason[cell.reason] = by_reason.get(cell.reason, 0) + cell.total
    return [
        {
            "payer_id": payer_id,
            "payer_name": kb.payers[payer_id].name if payer_id in kb.payers else payer_id,
            "counts": {reason: counts[payer_id][reason] for reason in GROUP_ORDER if reason in counts[payer_id]},
        }
        for payer_id in sorted(counts)
    ]
