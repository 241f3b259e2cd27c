"""When a rule is due for review, and whether it is current, due soon or overdue.

A rule is reviewed every ``review_interval_days`` (60-90) after ``last_reviewed``. It is *due soon* in the
last ``DUE_SOON_DAYS`` before that date and *overdue* after it. Every output (exports, site, ``lcdkb stale``)
judges freshness here, so they always agree.
"""

from __future__ import annotations

from datetime import date, timedelta

DUE_SOON_DAYS = 14
STATUSES = ("current", "due-soon", "overdue")


def next_review_due(last_reviewed: str, interval_days: int) -> str:
    return (date.fromisoformat(last_reviewed) + timedelta(days=interval_days)).isoformat()


def review_status(last_reviewed: str, interval_days: int, today: date, due_within: int = DUE_SOON_DAYS) -> str:
    due = date.fromisoformat(next_review_due(last_reviewed, interval_days))
    if today > due:
        return "overdue"
    if (due - today).days <= due_within:
        return "due-soon"
    return "current"
