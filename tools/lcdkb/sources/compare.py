"""Each Medicare document the data cites, compared with CMS's listing.

A cited source is an entry under a payer file's ``sources:`` with type ``LCD`` (ID L + digits) or
``billing-article`` (A + digits). Its status, most urgent first:

- ``newer-version``: CMS lists a higher version than the data records (or, where the data records no version,
  a version that took effect after the recorded effective date);
- ``retired``: CMS lists a retirement date for the document;
- ``not-found``: the document is not in the listing at all (retired long ago, renumbered or mistyped);
- ``differs``: the listing and the data disagree in a way that is not simply a newer version: the data records
  no version (so "unchanged" cannot be told), a version CMS does not list as current (higher than CMS's), or the
  same version with another effective date;
- ``unchanged``: CMS's newest version is the one recorded, with the same effective date.

The rules affected are the payer's rules that cite the source, directly, through their policy or from a single
fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from lcdkb.model import KnowledgeBase, Payer, Source
from lcdkb.sources.listing import ListedDocument, Listing

STATUSES = ("newer-version", "retired", "not-found", "differs", "unchanged")  # most urgent first
CHANGED = frozenset(STATUSES) - {"unchanged"}
SOURCE_TYPES = {"LCD": "L", "billing-article": "A"}  # the source types compared, and their ID letter
KIND_NAMES = {"LCD": "LCDs", "Article": "billing articles"}
_LISTED_KIND = {"L": "LCD", "A": "Article"}
_ID = re.compile(r"([LA])[0-9]{5,6}\Z")


class CompareError(Exception):
    """The comparison cannot be made honestly (for example the listing holds no articles at all)."""


@dataclass(frozen=True)
class Comparison:
    payer_id: str
    payer_name: str
    payer_file: str | None  # "payers/medicare-je.yaml"
    source: Source  # the entry as the data records it
    status: str
    reason: str
    listed: ListedDocument | None  # CMS's newest listed version; None when not found
    listed_status: str  # active, retired or not-found (what --write records)
    rules: tuple[str, ...]
    future: bool = False  # CMS's newest version takes effect after the comparison date
    listing_date: str | None = None  # the day the listing was current: today online, a saved file's newest update

    @property
    def listed_values(self) -> dict[str, str]:
        """The values ``--write`` records (besides compared_on); absent keys are removed from the entry."""
        if self.listed is None:
            return {"listed_status": self.listed_status}
        return {
            "listed_version": str(self.listed.version),
            "listed_on": self.listing_date or self.listed.updated_on.isoformat(),
            "listed_status": self.listed_status,
        }

    @property
    def new_since_last_compare(self) -> bool:
        """Whether the listing shows something the data's last recorded comparison did not."""
        recorded = {
            key: getattr(self.source, key)
            for key in ("listed_version", "listed_on", "listed_status")
            if getattr(self.source, key) is not None
        }
        return self.source.compared_on is None or recorded != self.listed_values


@dataclass(frozen=True)
class Skipped:
    payer_id: str
    source_id: str
    source_type: str
    reason: str


@dataclass
class CheckResult:
    today: date
    listing: Listing
    comparisons: list[Comparison] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {status: sum(c.status == status for c in self.comparisons) for status in STATUSES}

    @property
    def changed(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.status in CHANGED]


def compare(kb: KnowledgeBase, listing: Listing, today: date, payer_ids: set[str] | None = None) -> CheckResult:
    """Every cited LCD and billing article of every payer (or of ``payer_ids``), most urgent first."""
    result = CheckResult(today, listing)
    wanted: set[str] = set()
    for payer in sorted(kb.payers.values(), key=lambda p: p.id):
        if payer_ids is not None and payer.id not in payer_ids:
            continue
        for source in payer.sources:
            letter = SOURCE_TYPES.get(source.type)
            if letter is None:
                continue
            match = _ID.match(source.id)
            if not match or match.group(1) != letter:
                reason = f"the ID is not {letter} followed by five or six digits, as CMS numbers them"
                result.skipped.append(Skipped(payer.id, source.id, source.type, reason))
                continue
            wanted.add(_LISTED_KIND[letter])
            compared = _compare_one(kb, payer, source, listing, today)
            result.comparisons.append(replace(compared, listing_date=_listing_date(listing, today)))
    missing = sorted(wanted - listing.kinds)
    if missing:
        names = " or ".join(KIND_NAMES[kind] for kind in missing)
        raise CompareError(
            f"the listing holds no {names}, so the data's cited {names} cannot be compared; give the full listing "
            "CSV, or both Coverage API reports (repeat --listing: local-coverage-final-lcds and "
            "local-coverage-articles)"
        )
    result.comparisons.sort(key=lambda c: (STATUSES.index(c.status), c.payer_id, c.source.id))
    return result


def _listing_date(listing: Listing, today: date) -> str:
    """What "listed by CMS on" means: the day the listing said so. A fetched report is current today; a saved
    file is as current as its newest update, however late it is compared (a 2025 file compared in 2026 says
    2025)."""
    through = listing.updated_through()
    return today.isoformat() if listing.origin == "api" or through is None else through.isoformat()


def _compare_one(kb: KnowledgeBase, payer: Payer, source: Source, listing: Listing, today: date) -> Comparison:
    rules = tuple(r.id for r in kb.rules_for(payer_id=payer.id) if any(s.id == source.id for s in r.sources))
    file = f"payers/{payer.path.name}" if payer.path else None
    versions = listing.documents.get(source.id, [])
    if not versions:
        reason = "not in CMS's listing"
        return Comparison(payer.id, payer.name, file, source, "not-found", reason, None, "not-found", rules)
    newest = max(versions, key=lambda d: (d.version, d.updated_on))
    future = newest.effective_date > today
    if newest.retirement_date is not None:
        when = "retires" if newest.retirement_date > today else "retired"
        reason = f"CMS lists it as {when} on {newest.retirement_date.isoformat()} (last version {newest.version})"
        return Comparison(payer.id, payer.name, file, source, "retired", reason, newest, "retired", rules, future)
    status, reason = _version_status(source, newest)
    if future and status == "newer-version":
        reason += f"; the new version takes effect on {newest.effective_date.isoformat()}"
    return Comparison(payer.id, payer.name, file, source, status, reason, newest, "active", rules, future)


def _version_status(source: Source, listed: ListedDocument) -> tuple[str, str]:
    cms = f"CMS lists version {listed.version}, effective {listed.effective_date.isoformat()}"
    recorded_date = source.effective_date
    if source.version is None:
        if recorded_date is None:
            return "differs", f"{cms}; the data records neither a version nor an effective date"
        if listed.effective_date.isoformat() > recorded_date:
            return "newer-version", f"{cms}, after the recorded effective date {recorded_date} (no version recorded)"
        return "differs", f"{cms}; the data records no version, only the effective date {recorded_date}"
    recorded = source.version.strip()
    if not (recorded.isascii() and recorded.isdigit()):
        return "differs", f"{cms}; the recorded version {recorded!r} is not a CMS version number"
    if int(recorded) < listed.version:
        return "newer-version", f"{cms}; the data records version {recorded}"
    if int(recorded) > listed.version:
        return "differs", f"{cms}; the data records version {recorded}, which CMS does not list"
    if recorded_date is not None and recorded_date != listed.effective_date.isoformat():
        return "differs", f"{cms}; the data records the same version with effective date {recorded_date}"
    return "unchanged", f"version {listed.version}, effective {listed.effective_date.isoformat()}, as recorded"
