"""reviews.ics: the review due dates as an iCalendar feed reviewers can subscribe to (RFC 5545).

One all-day event per payer and due date, listing the codes due, and one on the status date (the build stamp's
day) per payer with rules whose status is source-changed, listing the codes and the changed sources.
Deterministic: DTSTAMP is the build stamp.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta

from lcdkb.freshness import next_review_due, rule_status, source_changes
from lcdkb.model import KnowledgeBase

_LINE_BREAK = re.compile(r"\r\n|[\r\n\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _escape(value: str) -> str:
    """An RFC 5545 TEXT value: backslash, semicolon and comma escaped, every line break written as \\n, tabs as
    spaces and any other control character (which TEXT may not hold) as U+FFFD."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = _LINE_BREAK.sub(lambda _: "\\n", value).replace("\t", " ")
    return _CONTROL.sub("\ufffd", value)


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets continue on the next line after a space."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode("utf-8")) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    return out + [current]


def review_calendar(kb: KnowledgeBase, stamp: str) -> bytes:
    """``stamp`` is the export's generated_at (2026-11-28T00:00:00Z)."""
    due: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rule in kb.rules:
        due[(rule.payer_id, next_review_due(rule.last_reviewed, rule.review_interval_days))].append(rule.code)
    status_day = date.fromisoformat(stamp[:10])
    changed: dict[str, list] = defaultdict(list)
    for rule in kb.rules:
        if rule_status(rule, status_day) == "source-changed":
            changed[rule.payer_id].append(rule)
    dtstamp = stamp.replace("-", "").replace(":", "")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//lcdkb//review due dates//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:lcdkb reviews due",
    ]
    for (payer_id, day), codes in sorted(due.items(), key=lambda item: (item[0][1], item[0][0])):
        start = date.fromisoformat(day)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{payer_id}-{day}@lcdkb",
            f"DTSTAMP:{dtstamp}",
            f"DTSTART;VALUE=DATE:{start.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(start + timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{_escape(f'Review due: {kb.payers[payer_id].name} ({len(codes)} rules)')}",
            f"DESCRIPTION:{_escape('Codes: ' + ', '.join(sorted(codes)) + '. Run: lcdkb stale')}",
            "END:VEVENT",
        ]
    for payer_id, rules in sorted(changed.items()):
        reasons = sorted({reason for rule in rules for reason in source_changes(rule.sources)})
        lines += [
            "BEGIN:VEVENT",
            f"UID:{payer_id}-source-changed-{status_day.isoformat()}@lcdkb",
            f"DTSTAMP:{dtstamp}",
            f"DTSTART;VALUE=DATE:{status_day.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(status_day + timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{_escape(f'Source changed: {kb.payers[payer_id].name} ({len(rules)} rules)')}",
            "DESCRIPTION:"
            + _escape(
                "Codes: "
                + ", ".join(sorted(r.code for r in rules))
                + ". "
                + "; ".join(reasons)
                + ". Review now, ahead of the due date. Run: lcdkb stale"
            ),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n").encode("utf-8")
