"""When a rule is due for review, and whether it is current, due soon, overdue or source-changed.

A rule is reviewed every ``review_interval_days`` (60-90) after ``last_reviewed``. It is *due soon* in the
last ``DUE_SOON_DAYS`` before that date and *overdue* after it. Ahead of that clock, a rule is *source-changed*
when CMS's listing, as last compared (``compared_on``), shows that a document it cites changed since it was
read: the document is retired, or the listing shows a version other than the ``version`` that was read.
Every output (exports, site, reviews.ics, ``lcdkb stale``, ``lcdkb lookup``) judges statuses here, through
``rule_status``, so they always agree.
"""

from __future__ import annotations

from datetime import date, timedelta

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: lookup imports this on its quick path
if TYPE_CHECKING:
    from collections.abc import Iterable

    from lcdkb.model import Rule, Source

DUE_SOON_DAYS = 14
# From least to most urgent. source-changed comes before any date: the document moved under the rule.
STATUSES = ("current", "due-soon", "overdue", "source-changed")
NEEDS_REVIEW = ("overdue", "source-changed")  # what lcdkb stale --fail-on overdue fails on


def next_review_due(last_reviewed: str, interval_days: int) -> str:
    return (date.fromisoformat(last_reviewed) + timedelta(days=interval_days)).isoformat()


def review_status(last_reviewed: str, interval_days: int, today: date, due_within: int = DUE_SOON_DAYS) -> str:
    """The clock alone: current, due-soon or overdue. Use ``rule_status`` for a rule."""
    due = date.fromisoformat(next_review_due(last_reviewed, interval_days))
    if today > due:
        return "overdue"
    if (due - today).days <= due_within:
        return "due-soon"
    return "current"


def source_change(source: Source) -> str | None:
    """Why CMS's listing says ``source`` changed since it was read, in words, or None when it does not (or when
    the source was never compared with the listing)."""
    compared = f"compared {source.compared_on}" if source.compared_on else "compared on an unknown date"
    if source.listed_status == "retired":
        return f"{source.id} is retired in the CMS listing ({compared})"
    if source.listed_version is not None and source.listed_version.strip() != (source.version or "").strip():
        read = f"v{source.version} was read" if source.version else "no version was recorded as read"
        return f"{source.id}: {read}; CMS lists v{source.listed_version} ({compared})"
    return None


def source_changes(sources: Iterable[Source]) -> list[str]:
    """``source_change`` for every source that changed, in the order given."""
    return [reason for reason in map(source_change, sources) if reason]


def rule_status(rule: Rule, today: date, due_within: int = DUE_SOON_DAYS) -> str:
    """The one status of a rule on ``today``: source-changed when a cited source changed in CMS's listing,
    else the review clock's current, due-soon or overdue."""
    if source_changes(rule.sources):
        return "source-changed"
    return review_status(rule.last_reviewed, rule.review_interval_days, today, due_within)


# Document types CMS's listing (the Medicare Coverage Database) holds: only these can be compared with it.
CMS_LISTED_TYPES = ("LCD", "proposed-LCD", "billing-article", "rtc-article", "NCD")


def provenance(source: Source) -> str:
    """What was read of ``source`` and what CMS's listing showed, in one line for the site and ``lcdkb lookup``:

    - "L36920 v92 as listed by CMS on 2025-08-06 (compared 2026-11-28); content last read 2026-11-28"
    - "L36920 v92 as listed by CMS on 2025-08-06 (compared 2026-11-28); content not read by a person: compared
      with the CMS listing only"
    - "L36920 v92 read; CMS's listing of 2026-10-01 shows v93 (compared 2026-11-28); content last read 2026-11-28"
    - "2022T0107AA; content last read 2026-11-28 in a copy at https://..."
    """
    name = source.id + (f" v{source.version}" if source.version else "")
    compared = f"(compared {source.compared_on})" if source.compared_on else "(compared on an unknown date)"
    of = f" of {source.listed_on}" if source.listed_on else ""
    if source.listed_status == "retired":
        listing = f"{name} retired in the CMS listing{of} {compared}"
    elif source.listed_status == "not-found":
        listing = f"{name} not found in the CMS listing{of} {compared}"
    elif source.listed_version is not None and source_change(source):
        read = f"{name} read" if source.version else f"{source.id} (no version recorded as read)"
        listing = f"{read}; CMS's listing{of} shows v{source.listed_version} {compared}"
    elif source.listed_version is not None or source.compared_on:
        on = f" on {source.listed_on}" if source.listed_on else ""
        listing = f"{name} as listed by CMS{on} {compared}"
    elif source.type in CMS_LISTED_TYPES:
        listing = f"{name} (not compared with the CMS listing)"
    else:
        listing = name
    if source.content_read_on:
        where = f" in a copy at {source.read_from}" if source.read_from else ""
        reading = f"content last read {source.content_read_on}{where}"
    elif source.compared_on:
        reading = "content not read by a person: compared with the CMS listing only"
    else:
        reading = f"content not read by a person (entry checked {source.checked})"
    return f"{listing}; {reading}"
