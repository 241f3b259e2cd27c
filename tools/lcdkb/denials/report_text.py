"""The denial report as plain text (the command line passes it through ``lcdkb.terminal.safe_lines``)."""

from __future__ import annotations


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _percent(rate: float | None) -> str:
    return "Unknown" if rate is None else f"{rate * 100:.1f}%"


def render(report: dict) -> str:
    window, totals = report["window"], report["totals"]
    out = [
        f"Denials, {len(window['weeks'])} weeks from {window['first_week']} to the week of {window['latest_week']}"
        + _filters(report["filters"]),
        f"{totals['service_lines']} service lines, {totals['denied_lines']} denied "
        f"({_percent(totals['denial_rate'])}), {_money(totals['denied_amount'])} not paid on denied lines",
        "",
    ]
    trends = report["trends"]
    out.append(f"Spikes and recurring patterns: {len(trends)}" if trends else "No spike or recurring pattern.")
    for trend in trends:
        out += [""] + _trend(trend, report.get("site_url"))
    out += ["", "Top payer x code x reason (denied lines per week, oldest first):"]
    out.append(f"  {'payer':<26} {'code':<6} {'reason':<20} {'weekly':<40} {'total':>5} {'rate':>7}")
    for cell in report["top"]:
        weekly = " ".join(str(n) for n in cell["weekly"])
        out.append(
            f"  {cell['payer_id']:<26} {cell['code']:<6} {cell['reason']:<20} {weekly:<40} {cell['denied_lines']:>5} "
            f"{_percent(cell['denial_rate']):>7}"
        )
    if report["precheck"] is not None:
        out += ["", *_precheck(report["precheck"])]
    out += ["", "Rules used:"] + [f"  {name}: {text}" for name, text in report["rules"].items()]
    out.append(f"  reasons: lcdkb's crosswalk, checked {report['crosswalk']['checked']} ('lcdkb denials reasons')")
    return "\n".join(out) + "\n"


def _filters(filters: dict) -> str:
    parts = [f"{name} {value}" for name, value in filters.items() if value]
    return f" ({', '.join(parts)})" if parts else ""


def _trend(trend: dict, site_url: str | None) -> list[str]:
    if trend["kind"] == "spike":
        head = (
            f"SPIKE  {trend['payer_name']} ({trend['payer_id']}), {trend['code']}, {trend['reason_label']}: "
            f"{trend['latest_week']} denied in the latest week against a baseline of {trend['baseline_mean']} a week "
            f"(Poisson p = {trend['p_value']:g})"
        )
    else:
        head = (
            f"PATTERN  {trend['payer_name']} ({trend['payer_id']}), {trend['code']}, {trend['reason_label']}: "
            f"denied in {trend['weeks_with_denials']} of the last {trend['of_weeks']} weeks "
            f"({trend['denied_lines']} lines)"
        )
    codes = ", ".join(f"CARC {c} x{n}" for c, n in trend["carcs"].items())
    remarks = ", ".join(f"{c} x{n}" for c, n in trend["remarks"].items())
    out = [
        head,
        f"  weekly: {' '.join(str(n) for n in trend['weekly'])}; {codes}" + (f"; remarks {remarks}" if remarks else ""),
    ]
    advice = trend["advice"]
    if advice["rule_id"]:
        page = f"{site_url.rstrip('/')}/{advice['page']}" if site_url else advice["page"]
        out.append(
            f"  rule: {advice['rule_id']}" + (f" (policy {advice['policy']})" if advice["policy"] else "") + f", {page}"
        )
    out += [f"  - {fact}" for fact in advice["facts"]]
    out.append(f"  what to do: {advice['action']}")
    return out


def _precheck(precheck: dict) -> list[str]:
    out = [
        f"Pre-check: {precheck['claim_lines']} claim lines read, {precheck['denied_lines_matched']} denied lines "
        f"matched, {precheck['flagged_by_precheck']} of them flagged by 'lcdkb check', "
        f"{precheck['flagged_for_the_same_reason']} for the reason they were denied"
        + (f" ({precheck['input_problems']} input problems)" if precheck["input_problems"] else "")
    ]
    for reason, count in precheck["matched_by_reason"].items():
        out.append(
            f"  {reason}: {precheck['flagged_by_reason'].get(reason, 0)} of {count} flagged, "
            f"{precheck['same_reason_by_reason'].get(reason, 0)} for this reason"
        )
    return out
