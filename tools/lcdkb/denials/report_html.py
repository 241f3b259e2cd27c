"""The denial report as one self-contained HTML file: inline CSS, charts as SVG data: URIs, no script, no external
request (a Content-Security-Policy says so to the browser). Every text is escaped for HTML where it is written;
rule links go to the public site only when a site URL is given (https only)."""

from __future__ import annotations

from html import escape

from lcdkb import __version__
from lcdkb.denials import charts
from lcdkb.denials.reasons import GROUP_ORDER

MAX_CHARTS = 20  # trend charts in one report; more trends are listed without one

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1100px;
color:#1d1d1f;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:0 0 6px}
.meta{color:#555}.kpis{display:flex;gap:16px;flex-wrap:wrap;margin:16px 0}
.kpi{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:150px}.kpi b{display:block;font-size:20px}
.trend{border:1px solid #ddd;border-left:5px solid #3949ab;border-radius:6px;padding:12px 16px;margin:14px 0}
.trend.spike{border-left-color:#e53935}.tag{font-size:11px;font-weight:700;text-transform:uppercase;
padding:2px 6px;border-radius:4px;background:#eee;margin-right:6px}.spike .tag{background:#fdecea;color:#b71c1c}
.pattern .tag{background:#e8eaf6;color:#283593}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:13px}
th,td{border-bottom:1px solid #e5e5e5;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f6f6f8}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
ul.facts{margin:6px 0 6px 18px;padding:0}.action{background:#f1f8e9;padding:6px 10px;border-radius:4px}
img.chart{max-width:100%;height:auto;display:block;margin:8px 0}
footer{margin-top:40px;color:#666;font-size:12px}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _percent(rate: float | None) -> str:
    return "Unknown" if rate is None else f"{rate * 100:.1f}%"


def render(report: dict, labels: dict[str, str]) -> str:
    window, totals = report["window"], report["totals"]
    title = f"Denial report, {window['first_week']} to the week of {window['latest_week']}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
        "style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{len(window["weeks"])} weeks by payment date{_e(_filters(report["filters"]))}. '
        f"Made by lcdkb {_e(__version__)} from the denial database; no patient data is in it.</p>",
        '<div class="kpis">',
        _kpi("service lines", f"{totals['service_lines']:,}"),
        _kpi("denied lines", f"{totals['denied_lines']:,}"),
        _kpi("denial rate", _percent(totals["denial_rate"])),
        _kpi("not paid on denied lines", _money(totals["denied_amount"])),
        _kpi("spikes and patterns", str(len(report["trends"]))),
        "</div>",
        "<h2>Spikes and recurring patterns</h2>",
    ]
    if not report["trends"]:
        parts.append("<p>No spike or recurring pattern in this window.</p>")
    for number, trend in enumerate(report["trends"]):
        parts.append(_trend(trend, window["weeks"], report.get("site_url"), chart=number < MAX_CHARTS))
    if len(report["trends"]) > MAX_CHARTS:
        parts.append(f"<p class='meta'>Charts are drawn for the first {MAX_CHARTS} only.</p>")
    parts += ["<h2>Reasons by payer</h2>"]
    if report["reasons_by_payer"]:
        chart = charts.reasons_chart(report["reasons_by_payer"], list(GROUP_ORDER), labels)
        parts.append(f'<img class="chart" alt="Denied lines by reason group for each payer" src="{_e(chart)}">')
    parts.append(_reasons_table(report["reasons_by_payer"], labels))
    parts += ["<h2>Top payer x code x reason</h2>", _top_table(report["top"], window["weeks"])]
    parts += ["<h2>All lines by week</h2>", _weekly_table(report["weekly"])]
    if report["precheck"] is not None:
        parts += ["<h2>Would the pre-check have caught them?</h2>", _precheck(report["precheck"])]
    parts += ["<h2>How this report decides</h2>", "<dl>"]
    for name, text in report["rules"].items():
        parts.append(f"<dt><b>{_e(name.replace('_', ' '))}</b></dt><dd>{_e(text)}</dd>")
    sources = ", ".join(_e(url) for url in report["crosswalk"]["sources"])
    parts += [
        f"<dt><b>reasons</b></dt><dd>lcdkb's own crosswalk of CARC/RARC codes to reason groups, checked "
        f"{_e(report['crosswalk']['checked'])}; the code lists are X12's ({sources}).</dd></dl>",
        "<footer>Rules are lcdkb's summaries of payer policies; check each rule's sources. CPT is a registered "
        "trademark of the American Medical Association; no descriptor text is reproduced.</footer>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _filters(filters: dict) -> str:
    chosen = [f"{name} {value}" for name, value in filters.items() if value]
    return f", {', '.join(chosen)}" if chosen else ""


def _kpi(label: str, value: str) -> str:
    return f'<div class="kpi"><b>{_e(value)}</b>{_e(label)}</div>'


def _trend(trend: dict, weeks: list[str], site_url: str | None, chart: bool = True) -> str:
    kind = trend["kind"]
    if kind == "spike":
        summary = (
            f"{trend['latest_week']} denied lines in the latest week against a baseline of "
            f"{trend['baseline_mean']} a week (Poisson p = {trend['p_value']:g})."
        )
    else:
        summary = (
            f"Denied in {trend['weeks_with_denials']} of the last {trend['of_weeks']} weeks, "
            f"{trend['denied_lines']} lines in the window."
        )
    image = ""
    if chart:
        uri = charts.trend_chart(weeks, trend["weekly"], f"{trend['payer_id']} {trend['code']} {trend['reason']}")
        alt = f"Weekly denied lines, {trend['payer_id']} {trend['code']}"
        image = f'<img class="chart" alt="{_e(alt)}" src="{_e(uri)}">'

    codes = ", ".join(f"CARC {c} \u00d7{n}" for c, n in trend["carcs"].items())
    remarks = ", ".join(f"{c} \u00d7{n}" for c, n in trend["remarks"].items())
    advice = trend["advice"]
    rule = "<p>Unknown: lcdkb records no rule for this payer and code.</p>"
    if advice["rule_id"]:
        target = _link(site_url, advice["page"], advice["rule_id"])
        policy = f" (policy {_e(advice['policy'])})" if advice["policy"] else ""
        rule = f"<p>Rule: {target}{policy}</p>"
    facts = "".join(f"<li>{_e(fact)}</li>" for fact in advice["facts"])
    sources = ", ".join(_source(s) for s in advice["sources"])
    return (
        f'<section class="trend {_e(kind)}"><h3><span class="tag">{_e(kind)}</span>{_e(trend["payer_name"])} '
        f"({_e(trend['payer_id'])}), {_e(trend['code'])}: {_e(trend['reason_label'])}</h3>"
        f"<p>{_e(summary)} {_e(codes)}{'; remarks ' + _e(remarks) if remarks else ''}</p>"
        f'{image}{rule}<ul class="facts">{facts}</ul>'
        f'<p class="action"><b>What to do:</b> {_e(advice["action"])}</p>'
        + (f'<p class="meta">Sources: {sources}</p>' if sources else "")
        + "</section>"
    )


def _link(site_url: str | None, page: str, text: str) -> str:
    if site_url and site_url.startswith("https://"):
        return f'<a href="{_e(site_url.rstrip("/") + "/" + page)}">{_e(text)}</a>'
    return f"{_e(text)} <span class='meta'>(site page {_e(page)})</span>"


def _source(source: dict) -> str:
    url = source.get("url")
    label = f"{source['id']} ({source.get('confidence') or 'unverified'})"
    if url and str(url).startswith("https://"):
        return f'<a href="{_e(url)}">{_e(label)}</a>'
    return _e(label)


def _reasons_table(rows: list[dict], labels: dict[str, str]) -> str:
    used = [g for g in GROUP_ORDER if any(g in row["counts"] for row in rows)]
    head = "".join(f'<th class="num">{_e(labels.get(g, g))}</th>' for g in used)
    body = "".join(
        f"<tr><td>{_e(row['payer_name'])}</td>"
        + "".join(f'<td class="num">{row["counts"].get(g, 0)}</td>' for g in used)
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr><th>Payer</th>{head}</tr></thead><tbody>{body}</tbody></table>"


def _top_table(cells: list[dict], weeks: list[str]) -> str:
    body = "".join(
        f"<tr><td>{_e(c['payer_name'])}</td><td>{_e(c['code'])}</td><td>{_e(c['reason_label'])}</td>"
        f"<td>{_e(' '.join(str(n) for n in c['weekly']))}</td><td class='num'>{c['denied_lines']}</td>"
        f"<td class='num'>{_e(_percent(c['denial_rate']))}</td><td class='num'>{_e(_money(c['denied_amount']))}</td>"
        f"<td>{_e(', '.join(c['carcs']))}</td></tr>"
        for c in cells
    )
    return (
        f"<table><thead><tr><th>Payer</th><th>Code</th><th>Reason</th><th>Weekly, {_e(weeks[0])} on</th>"
        "<th class='num'>Denied</th><th class='num'>Rate</th><th class='num'>Not paid</th><th>CARC</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _weekly_table(rows: list[dict]) -> str:
    body = "".join(
        f"<tr><td>{_e(r['week'])}</td><td class='num'>{r['service_lines']}</td><td class='num'>{r['denied_lines']}"
        f"</td><td class='num'>{_e(_money(r['denied_amount']))}</td></tr>"
        for r in rows
    )
    return (
        "<table><thead><tr><th>Week of</th><th class='num'>Service lines</th><th class='num'>Denied</th>"
        f"<th class='num'>Not paid</th></tr></thead><tbody>{body}</tbody></table>"
    )


def _precheck(precheck: dict) -> str:
    rows = "".join(
        f"<tr><td>{_e(reason)}</td><td class='num'>{count}</td>"
        f"<td class='num'>{precheck['flagged_by_reason'].get(reason, 0)}</td>"
        f"<td class='num'>{precheck['same_reason_by_reason'].get(reason, 0)}</td></tr>"
        for reason, count in precheck["matched_by_reason"].items()
    )
    return (
        f"<p>{precheck['claim_lines']} claim lines read; {precheck['denied_lines_matched']} denied lines matched a "
        f"claim line; {precheck['flagged_by_precheck']} of them had an error or warning from <code>lcdkb check</code>, "
        f"{precheck['flagged_for_the_same_reason']} for the reason they were denied.</p>"
        "<table><thead><tr><th>Reason</th><th class='num'>Denied lines matched</th>"
        "<th class='num'>Flagged by the pre-check</th><th class='num'>Flagged for this reason</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
