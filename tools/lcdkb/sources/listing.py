"""CMS's listing of local coverage documents: every LCD and billing article with its current version, dates and
retirement, as the Medicare Coverage Database reports them.

Two shapes are read:

- the listing CSV (columns document_display_id, document_version, effective_date, retirement_date, updated_on,
  and optionally document_type, title, note, contractor_name_type, url; dates MM/DD/YYYY, "N/A" for no
  retirement), as the Coverage API's reports are saved;
- a Coverage API report answer in JSON (``{"meta": {...}, "data": [...]}`` from
  /v1/reports/local-coverage-final-lcds/ or /v1/reports/local-coverage-articles/).

Everything in a listing is hostile text until checked. The input is bounded (size, number of documents, length of
each text), the fields lcdkb compares (ID, type, version, dates) must have their exact shape or the listing is
refused with the place and the reason (``ListingError``), and the free texts (title, note, contractor) are kept
as data only: every report escapes them where it writes them. No value is ever evaluated.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lcdkb.terminal import quoted

MAX_BYTES = 64 * 2**20  # the full listing is under 1 MiB; an API report of every document a few MiB
MAX_DOCUMENTS = 200_000  # the full listing holds about 3,100 rows
MAX_VERSION = 1_000_000
TEXT_LIMITS = {"title": 2000, "note": 1000, "contractor_name_type": 1000, "url": 2000, "document_type": 20}
KEY_LIMIT = 40  # IDs, versions and dates are far shorter; anything longer is refused before it is parsed
REQUIRED_COLUMNS = ("document_display_id", "document_version", "effective_date", "retirement_date", "updated_on")
KINDS = {"L": "LCD", "A": "Article"}
NO_DATE = {"", "N/A", "NA"}

_ID = re.compile(r"([LA])([0-9]{5,6})\Z")
_US_DATE = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})\Z")
_CMS_URL = re.compile(r"https://www\.cms\.gov/medicare-coverage-database/[A-Za-z0-9/_.?=&%-]{1,300}\Z")


def size_limit(limit: int) -> str:
    """A byte limit in words: "64 MiB", or the bytes when it is not a whole number of MiB."""
    return f"{limit // 2**20} MiB" if limit % 2**20 == 0 else f"{limit} bytes"


class ListingError(Exception):
    """A listing that cannot be used: the message names the place (file line or JSON path) and what is wrong."""


@dataclass(frozen=True)
class ListedDocument:
    """One version of one document as the listing shows it. Texts are raw data: escape them where they are shown."""

    display_id: str  # "L34211", "A57701"
    kind: str  # "LCD" or "Article"
    version: int
    effective_date: date
    retirement_date: date | None
    updated_on: date
    title: str = ""
    note: str = ""
    contractor: str = ""
    url: str | None = None  # only a plain https address on www.cms.gov's coverage database; else None


@dataclass
class Listing:
    """Every listed version of every document, by display ID, and where the listing came from."""

    documents: dict[str, list[ListedDocument]] = field(default_factory=dict)
    kinds: set[str] = field(default_factory=set)  # the kinds it lists at all ("LCD", "Article")
    origin: str = "file"  # "file" or "api"
    parts: list[str] = field(default_factory=list)  # the files or report paths it was read from

    def add(self, document: ListedDocument) -> None:
        versions = self.documents.setdefault(document.display_id, [])
        for index, known in enumerate(versions):
            if known.version == document.version:  # the same version twice (two reports): keep the newer row
                if document.updated_on > known.updated_on:
                    versions[index] = document
                return
        if sum(len(v) for v in self.documents.values()) >= MAX_DOCUMENTS:
            raise ListingError(f"the listing holds more than {MAX_DOCUMENTS} documents; it is not a CMS listing")
        versions.append(document)
        versions.sort(key=lambda d: d.version)
        self.kinds.add(document.kind)

    def merge(self, other: Listing) -> None:
        for versions in other.documents.values():
            for document in versions:
                self.add(document)
        self.kinds |= other.kinds
        self.parts += other.parts

    def count(self) -> int:
        return sum(len(v) for v in self.documents.values())

    def updated_through(self) -> date | None:
        """The newest "updated on" date in the listing: how current it is."""
        return max((d.updated_on for v in self.documents.values() for d in v), default=None)


# --- reading ---


def read_listing_file(path: Path) -> Listing:
    """A listing from a saved CSV or JSON file (the shape is told by the first character)."""
    raw = _read_bounded(path)
    shown = quoted(path)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ListingError(f"{shown}: byte {exc.start + 1} is not UTF-8; a CMS listing is UTF-8 text") from None
    if not text.strip():
        raise ListingError(f"{shown} is empty")
    listing = from_json_text(text, shown) if text.lstrip()[:1] in "{[" else from_csv_text(text, shown)
    listing.parts = [str(path)]
    return listing


def _read_bounded(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise ListingError(f"{quoted(path)} is a folder; give the listing file")
            if stat.S_ISREG(info.st_mode) and info.st_size > MAX_BYTES:
                raise ListingError(
                    f"{quoted(path)} is {info.st_size} bytes long, over the {size_limit(MAX_BYTES)} limit"
                )
            raw = handle.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise ListingError(f"{quoted(path)} is a folder; give the listing file") from None
    except OSError as exc:
        raise ListingError(f"cannot read {quoted(path)}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise ListingError(f"{quoted(path)} is over the {size_limit(MAX_BYTES)} limit")
    return raw


def from_csv_text(text: str, where: str = "the listing") -> Listing:
    """The listing CSV: a header naming at least REQUIRED_COLUMNS, then one row per document version."""
    listing = Listing()
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise ListingError(
                f"{where}: the header has no {', '.join(missing)} column(s); give CMS's listing CSV "
                "(document_display_id, document_version, effective_date, retirement_date, updated_on, ...) "
                "or a Coverage API report in JSON"
            )
        for row in reader:
            place = f"{where} line {reader.line_num}"
            if None in row:
                raise ListingError(f"{place}: the row has more fields than the header")
            listing.add(_document(row, place))
    except csv.Error as exc:
        raise ListingError(f"{where} line {reader.line_num}: not a readable CSV row ({exc})") from None
    if not listing.documents:
        raise ListingError(f"{where} lists no documents")
    return listing


def from_json_text(text: str, where: str = "the listing") -> Listing:
    try:
        document = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_no_repeated_keys)
    except RecursionError:
        raise ListingError(f"{where}: the JSON is nested too deeply to be a Coverage API report") from None
    except ValueError as exc:
        raise ListingError(f"{where}: not valid JSON ({_clipped(str(exc))})") from None
    return from_report(document, where)


def from_report(document: object, where: str = "the report") -> Listing:
    """A Coverage API report answer (already parsed JSON): ``{"meta": {...}, "data": [document, ...]}``."""
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise ListingError(
            f"{where}: expected a Coverage API report, an object with a 'data' list "
            "(from /v1/reports/local-coverage-final-lcds/ or /v1/reports/local-coverage-articles/)"
        )
    meta = document.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise ListingError(f"{where}: 'meta' is not an object")
    listing = Listing()
    for index, item in enumerate(document["data"]):
        place = f"{where} data[{index}]"
        if not isinstance(item, dict):
            raise ListingError(f"{place}: expected an object, found {_json_type(item)}")
        listing.add(_document(item, place))
    return listing


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _no_repeated_keys(pairs: list[tuple[str, object]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {quoted(_clipped(key))} appears twice in one object")
        result[key] = value
    return result


# --- one document ---


def _document(row: dict, place: str) -> ListedDocument:
    display_id = _key_text(row, "document_display_id", place)
    match = _ID.match(display_id)
    if not match:
        raise ListingError(f"{place}: document_display_id {quoted(_clipped(display_id))} is not an LCD or article ID")
    kind = KINDS[match.group(1)]
    listed_kind = _free_text(row, "document_type", place)
    if listed_kind and listed_kind != kind:
        raise ListingError(f"{place}: document {display_id} is listed as {quoted(_clipped(listed_kind))}, not {kind}")
    retirement = _key_text(row, "retirement_date", place, optional=True)
    return ListedDocument(
        display_id=display_id,
        kind=kind,
        version=_version(row.get("document_version"), place),
        effective_date=_date(_key_text(row, "effective_date", place), "effective_date", place),
        retirement_date=None if retirement in NO_DATE else _date(retirement, "retirement_date", place),
        updated_on=_date(_key_text(row, "updated_on", place), "updated_on", place),
        title=_free_text(row, "title", place),
        note=_free_text(row, "note", place),
        contractor=_free_text(row, "contractor_name_type", place),
        url=_url(_free_text(row, "url", place)),
    )


def _key_text(row: dict, name: str, place: str, optional: bool = False) -> str:
    value = row.get(name)
    if value is None and optional:
        return ""
    if value is None:
        raise ListingError(f"{place}: {name} is missing")
    if not isinstance(value, str):
        raise ListingError(f"{place}: {name} is {_json_type(value)}, expected text")
    if len(value) > KEY_LIMIT:
        raise ListingError(f"{place}: {name} is {len(value)} characters long; expected at most {KEY_LIMIT}")
    return value.strip()


def _free_text(row: dict, name: str, place: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ListingError(f"{place}: {name} is {_json_type(value)}, expected text")
    limit = TEXT_LIMITS[name]
    if len(value) > limit:
        raise ListingError(f"{place}: {name} is {len(value)} characters long; the limit is {limit}")
    return value


def _version(value: object, place: str) -> int:
    if value is None:
        raise ListingError(f"{place}: document_version is missing")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ListingError(f"{place}: document_version is {_json_type(value)}, expected a whole number")
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 7):
            raise ListingError(f"{place}: document_version {quoted(_clipped(value))} is not a whole number")
        value = int(text)
    if not 0 <= value <= MAX_VERSION:
        raise ListingError(f"{place}: document_version {value} is out of range")
    return value


def _date(text: str, name: str, place: str) -> date:
    match = _US_DATE.match(text)
    if match:
        month, day, year = (int(part) for part in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            pass
    raise ListingError(f"{place}: {name} {quoted(_clipped(text))} is not a date (MM/DD/YYYY)")


def _url(text: str) -> str | None:
    return text if _CMS_URL.match(text) else None


def _json_type(value: object) -> str:
    names = {type(None): "null", bool: "a boolean", int: "a number", float: "a number", str: "text"}
    return names.get(type(value), "a list" if isinstance(value, list) else "an object")


def _clipped(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


def iter_documents(listing: Listing) -> Iterator[ListedDocument]:
    for versions in listing.documents.values():
        yield from versions


def combined(listings: Iterable[Listing]) -> Listing:
    result = Listing()
    for listing in listings:
        result.merge(listing)
        result.origin = listing.origin
    return result
