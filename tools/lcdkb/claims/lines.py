"""Claim lines: the input shape, and reading it from flags or a CSV, checked as input.

A claims file is read as a stream of bytes, one physical line at a time, so memory stays bounded whatever
arrives. Each line is decoded on its own (the file must be UTF-8; a BOM is fine). The csv module then reads
records from those lines, and every record is either a ``ClaimLine`` or an ``InputProblem`` with its line
number. A line with a problem is never checked, and no value is guessed or repaired: a stray quote that
swallows lines, a value that is too long, a NUL byte, a byte that is not UTF-8, a non-ASCII digit, an unknown
modifier are each a problem. A header problem, a row over ``MAX_ROW_BYTES`` or input over the size limit ends
the file.
"""

from __future__ import annotations

import codecs
import io
import re
from datetime import date

from lcdkb.record import TYPE_CHECKING, MutableRecord, Record
from lcdkb.terminal import quoted

if TYPE_CHECKING:
    import csv
    from collections.abc import Collection, Iterator

COLUMNS = (
    "claim_id",
    "date_of_service",
    "payer_id",
    "state",
    "place_of_service",
    "code",
    "modifiers",
    "units",
    "diagnoses",
    "minutes",
    "prior_auth",
)
REQUIRED = ("claim_id", "date_of_service", "code")
# Names people give the columns, normalized (lower case, words joined by "_") -> the column lcdkb reads.
ALIASES = {
    "claim": "claim_id",
    "claim_no": "claim_id",
    "claim_number": "claim_id",
    "claimid": "claim_id",
    "dos": "date_of_service",
    "date": "date_of_service",
    "service_date": "date_of_service",
    "payer": "payer_id",
    "payer_name": "payer_id",
    "payerid": "payer_id",
    "insurer": "payer_id",
    "plan": "payer_id",
    "st": "state",
    "pos": "place_of_service",
    "place": "place_of_service",
    "cpt": "code",
    "hcpcs": "code",
    "cpt_code": "code",
    "hcpcs_code": "code",
    "procedure": "code",
    "procedure_code": "code",
    "modifier": "modifiers",
    "mod": "modifiers",
    "mods": "modifiers",
    "unit": "units",
    "qty": "units",
    "quantity": "units",
    "minute": "minutes",
    "mins": "minutes",
    "time": "minutes",
    "dx": "diagnoses",
    "icd10": "diagnoses",
    "icd_10": "diagnoses",
    "icd": "diagnoses",
    "diagnosis": "diagnoses",
    "dx_codes": "diagnoses",
    "diagnosis_codes": "diagnoses",
    "pa": "prior_auth",
    "prior_authorization": "prior_auth",
    "auth": "prior_auth",
    "authorization": "prior_auth",
}
MAX_FIELD_CHARS = 10 * 1024  # one value
MAX_ROW_BYTES = 64 * 1024  # one row, with any lines a quoted value spans; more ends the file
MAX_FILE_BYTES = 512 * 2**20  # the whole input (``lcdkb check --max-claims-mib`` changes it)
MAX_COLUMNS = 50

_LIST_SPLIT = re.compile(r"[\s,;|]+")
# Explicit ASCII classes: str.isdigit() and int() also take full-width and Arabic-Indic digits.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_POS = re.compile(r"[0-9]{2}")
_WHOLE = re.compile(r"[0-9]{1,6}")
_CODE = re.compile(r"[0-9]{4}[0-9FTU]|[A-V][0-9]{4}")
_DIAGNOSIS = re.compile(r"[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?")
_MODIFIER = re.compile(r"[0-9A-Z]{2}")
_CSV_ERRORS = {
    "unexpected end of data": "a quoted value is never closed (a stray quote?)",
    "',' expected after '\"'": 'a quote inside a quoted value (write a quote in a value as two quotes: "")',
    "new-line character seen in unquoted field": "a carriage return (CR) inside a value that is not quoted",
}


class ClaimLine(Record):
    FIELDS = (
        "claim_id",
        "date_of_service",
        "code",
        "payer_id",
        "state",
        "place_of_service",
        "modifiers",
        "units",
        "diagnoses",
        "minutes",
        "prior_auth",
        "line_no",
    )
    claim_id: str
    date_of_service: date
    code: str
    payer_id: str | None
    state: str | None
    place_of_service: str | None
    modifiers: tuple[str, ...]
    units: int
    diagnoses: tuple[str, ...]
    minutes: int | None
    prior_auth: bool | None  # True: on file; False: none; None: not said
    line_no: int  # CSV line number (0 for flags)

    def __init__(
        self,
        claim_id: str,
        date_of_service: date,
        code: str,
        payer_id: str | None = None,
        state: str | None = None,
        place_of_service: str | None = None,
        modifiers: tuple[str, ...] = (),
        units: int = 1,
        diagnoses: tuple[str, ...] = (),
        minutes: int | None = None,
        prior_auth: bool | None = None,
        line_no: int = 0,
    ) -> None:
        self._fill(locals())


class InputProblem(MutableRecord):
    FIELDS = ("line_no", "message", "claim_id")
    line_no: int
    message: str
    claim_id: str | None  # the claim the line belongs to, when that can be read for sure

    def __init__(self, line_no: int, message: str, claim_id: str | None = None) -> None:
        self._fill(locals())


class ReadResult(MutableRecord):
    FIELDS = ("lines", "problems")
    lines: list[ClaimLine]
    problems: list[InputProblem]

    def __init__(self, lines: list[ClaimLine] | None = None, problems: list[InputProblem] | None = None) -> None:
        self.lines = [] if lines is None else lines
        self.problems = [] if problems is None else problems


def show(value: str, limit: int = 40) -> str:
    """A user's value for a message: quoted (controls escaped) and cut to ``limit`` characters."""
    return quoted(value if len(value) <= limit else value[:limit] + "...")


def split_list(text: str | None) -> tuple[str, ...]:
    return tuple(part.upper() for part in _LIST_SPLIT.split(text or "") if part)


# --- one line from text values ---------------------------------------------------------------------------------


def parse_line(values: dict[str, str | None], line_no: int = 0, modifiers: Collection[str] | None = None) -> ClaimLine:
    """One line from text values. Raises ValueError with a message a biller understands. ``modifiers``: the
    modifier catalogue (``kb.modifiers``); without it a modifier only has to look like one."""
    cleaned = {name: value.strip(" \t") for name, value in values.items() if isinstance(value, str)}
    given = {name: value for name, value in cleaned.items() if value}
    get = given.get
    missing = [name for name in REQUIRED if name not in given]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    if not get("payer_id") and not get("state"):
        raise ValueError("give payer_id or state")
    return ClaimLine(
        claim_id=given["claim_id"],
        date_of_service=parse_date(given["date_of_service"]),
        code=_code(given["code"]),
        payer_id=_plain(get("payer_id"), "payer_id"),
        state=(_plain(get("state"), "state") or "").upper() or None,
        place_of_service=_place_of_service(get("place_of_service")),
        modifiers=_modifiers(get("modifiers"), modifiers),
        units=_whole(get("units"), "units", 1),
        diagnoses=_diagnoses(get("diagnoses")),
        minutes=_whole(get("minutes"), "minutes", None),
        prior_auth=_yes_no(get("prior_auth")),
        line_no=line_no,
    )


def parse_date(text: str) -> date:
    if text.isascii() and _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"date_of_service {show(text)} is not a date (use YYYY-MM-DD)")


def _ascii_match(pattern: re.Pattern, text: str) -> str | None:
    """``text`` in upper case if it is ASCII and matches ``pattern`` whole (upper() of non-ASCII text can turn
    into ASCII letters, so ASCII is checked first)."""
    return text.upper() if text.isascii() and pattern.fullmatch(text.upper()) else None


def _code(text: str) -> str:
    code = _ascii_match(_CODE, text)
    if code is None:
        raise ValueError(f"code {show(text)} is not a CPT or HCPCS code (five characters, for example 64483 or G3002)")
    return code


def _plain(text: str | None, name: str) -> str | None:
    if text is not None and not (text.isascii() and text.isprintable()):
        raise ValueError(f"{name} {show(text)} must be plain ASCII text")
    return text


def _place_of_service(text: str | None) -> str | None:
    if text is not None and not (text.isascii() and _POS.fullmatch(text)):
        raise ValueError(
            f"place_of_service {show(text)} is not a two-digit place of service code (for example 11, 22, 24)"
        )
    return text


def _parts(text: str | None) -> list[str]:
    return [part for part in _LIST_SPLIT.split(text or "") if part]


def _modifiers(text: str | None, catalogue: Collection[str] | None) -> tuple[str, ...]:
    out = []
    for part in _parts(text):
        modifier = _ascii_match(_MODIFIER, part)
        if modifier is None or (catalogue is not None and modifier not in catalogue):
            known = f" (known: {', '.join(sorted(catalogue))})" if catalogue is not None else ""
            raise ValueError(f"modifier {show(part)} is not in the modifier catalogue{known}")
        out.append(modifier)
    return tuple(out)


def _diagnoses(text: str | None) -> tuple[str, ...]:
    out = []
    for part in _parts(text):
        code = _ascii_match(_DIAGNOSIS, part)
        if code is None:
            raise ValueError(f"diagnosis {show(part)} is not an ICD-10-CM code (for example M54.16)")
        out.append(code)
    return tuple(out)


def _whole(text: str | None, name: str, default):
    if text is None:
        return default
    if not (text.isascii() and _WHOLE.fullmatch(text)) or (int(text) == 0 and name == "units"):
        raise ValueError(
            f"{name} {show(text)} must be a whole number"
            + (" of 1 or more" if name == "units" else "")
            + " (digits 0-9, at most 6)"
        )
    return int(text)


def _yes_no(text: str | None) -> bool | None:
    if text is None:
        return None
    lowered = text.lower()
    if lowered in ("y", "yes", "true", "1", "on-file"):
        return True
    if lowered in ("n", "no", "false", "0", "none"):
        return False
    raise ValueError(f"prior_auth {show(text)} must be yes or no")


# --- physical lines --------------------------------------------------------------------------------------------


class StopReading(Exception):
    """The rest of the input cannot be read safely; ``problem`` says where and why."""

    def __init__(self, problem: InputProblem):
        super().__init__(problem.message)
        self.problem = problem


class _LineFeed:
    """The physical lines of a binary stream for the csv reader: each read with a size bound, decoded from UTF-8
    on its own, its problems noted per record (``start_record`` begins a record)."""

    def __init__(self, stream, max_bytes: int):
        self.stream, self.max_bytes = stream, max_bytes
        self.line_no = self.bytes_read = 0
        self.start_record()

    def start_record(self) -> None:
        self.record_start, self.record_bytes = self.line_no + 1, 0
        self.problems: list[InputProblem] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        room = MAX_ROW_BYTES - self.record_bytes
        raw = self.stream.readline(room + 1)
        if not raw:
            raise StopIteration
        self.line_no += 1
        self.bytes_read += len(raw)
        self.record_bytes += len(raw)
        if len(raw) > room:
            raise StopReading(self._too_long())
        if self.bytes_read > self.max_bytes:
            raise StopReading(
                InputProblem(
                    self.line_no,
                    f"the input is over {self.max_bytes // 2**20} MiB; stopped "
                    "reading here (--max-claims-mib raises the limit)",
                )
            )
        return self._decode(raw)

    def _too_long(self) -> InputProblem:
        limit = f"{MAX_ROW_BYTES // 1024} KiB"
        if self.line_no > self.record_start:
            return InputProblem(
                self.record_start,
                f"a quoted value opened on this line is still open after {limit} "
                f"at line {self.line_no} (a stray quote?); stopped reading",
            )
        return InputProblem(
            self.line_no, f"the line is longer than {limit} (a missing line break, or not a CSV file?); stopped reading"
        )

    def _decode(self, raw: bytes) -> str:
        if self.line_no == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            column = len(raw[: exc.start].decode("utf-8")) + 1
            self.problems.append(
                InputProblem(
                    self.line_no,
                    f"not UTF-8: byte 0x{raw[exc.start]:02x} at column "
                    f"{column} (byte {exc.start + 1} of the line); save "
                    "the file as UTF-8",
                )
            )
            text = raw.decode("utf-8", "replace")
        if "\0" in text:
            self.problems.append(
                InputProblem(self.line_no, f"a NUL byte at column {text.index(chr(0)) + 1} (a binary file?)")
            )
            text = text.replace("\0", "\ufffd")
        return text


# --- records ---------------------------------------------------------------------------------------------------


class _Record(MutableRecord):
    FIELDS = ("first", "last", "fields", "problems")
    first: int  # line numbers of the physical lines the csv reader read for this row
    last: int
    fields: list[str] | None  # None when the row could not be read as one line of CSV
    problems: list[InputProblem]

    def __init__(self, first: int, last: int, fields: list[str] | None, problems: list[InputProblem]) -> None:
        self._fill(locals())


def _records(feed: _LineFeed) -> Iterator[_Record]:
    import csv  # only for a claims file: a line from flags needs no CSV reader

    reader = csv.reader(feed, strict=True)
    while True:
        feed.start_record()
        error = None
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            fields, error = None, exc
        yield _record(feed, fields, error)


def _record(feed: _LineFeed, fields: list[str] | None, error: csv.Error | None) -> _Record:
    first, last = feed.record_start, feed.line_no
    problems = list(feed.problems)
    if last > first:
        problems.insert(
            0,
            InputProblem(
                first,
                f"a quoted value opened on this line runs on to line {last} (a stray "
                f"quote?); lines {first} to {last} were read as one row and not checked",
            ),
        )
        fields = None
    elif error is not None:
        text = str(error)
        reason = next((plain for start, plain in _CSV_ERRORS.items() if text.startswith(start)), text)
        problems.append(InputProblem(first, f"not a valid CSV row: {reason}"))
    return _Record(first, last, fields, problems)


# --- the header ------------------------------------------------------------------------------------------------


def suggest_column(name: str) -> str | None:
    """The known column a header name probably means: ``payer`` -> payer_id, ``Place of Service`` ->
    place_of_service, ``cpt`` -> code; None when nothing is close."""
    key = re.sub(r"[\s.\-]+", "_", name.strip().lower())
    if key in COLUMNS:
        return key
    if key in ALIASES:
        return ALIASES[key]
    import difflib  # only for a header name that is not a column

    close = difflib.get_close_matches(key[:60], list(COLUMNS) + list(ALIASES), n=1, cutoff=0.75)
    return ALIASES.get(close[0], close[0]) if close else None


def header_problems(header: list[str]) -> list[str]:
    """What is wrong with a header row (already stripped), as messages; empty when it can be read."""
    if len(header) > MAX_COLUMNS:
        return [f"the header has {len(header)} columns; a claims file has at most {len(COLUMNS)}: {', '.join(COLUMNS)}"]
    problems = []
    missing = [c for c in REQUIRED if c not in header] + (
        [] if {"payer_id", "state"} & set(header) else ["payer_id or state"]
    )
    if missing:
        problems.append(f"the header lacks {', '.join(missing)}; expected columns: {', '.join(COLUMNS)}")
    seen: dict[str, int] = {}
    for number, name in enumerate(header, 1):
        if not name:
            problems.append(f"column {number} has no name (a trailing comma?)")
        elif name in seen:
            problems.append(f"column {show(name)} appears twice (columns {seen[name]} and {number})")
        elif name not in COLUMNS:
            guess = suggest_column(name)
            hint = f"did you mean {guess}?" if guess else f"the columns are {', '.join(COLUMNS)}"
            problems.append(f"unknown column {show(name)} (column {number}); {hint}")
        seen.setdefault(name, number)
    return problems


# --- rows ------------------------------------------------------------------------------------------------------


def _claim_of(record: _Record, header: list[str]) -> str | None:
    """The row's claim ID when it can be read for sure (the row was read, the column lines up), else None."""
    fields, where = record.fields, header.index("claim_id")
    if fields is None or where >= len(fields) or (len(fields) != len(header) and where != 0):
        return None
    value = fields[where].strip(" \t")
    return value if value and "\ufffd" not in value else None


def _row_problem(fields: list[str], header: list[str]) -> str | None:
    if len(fields) > len(header):
        return f"more values than columns ({len(fields)} for {len(header)}; a comma inside a value? quote it)"
    if len(fields) < len(header):
        return f"fewer values than columns ({len(fields)} for {len(header)}; a missing comma?)"
    long = next((name for name, value in zip(header, fields, strict=True) if len(value) > MAX_FIELD_CHARS), None)
    if long:
        return f"the {long} value is longer than {MAX_FIELD_CHARS} characters"
    return None


def _row(record: _Record, header: list[str], modifiers) -> Iterator[ClaimLine | InputProblem]:
    claim_id = _claim_of(record, header)
    if record.problems:
        for problem in record.problems:
            problem.claim_id = claim_id
            yield problem
        return
    fields = record.fields
    assert fields is not None, "a record that could not be read always has a problem"
    if not any(value.strip() for value in fields):
        return  # a blank line
    message = _row_problem(fields, header)
    if message is None:  # as many values as columns
        try:
            yield parse_line(dict(zip(header, fields, strict=True)), record.first, modifiers)
            return
        except ValueError as exc:
            message = str(exc)
    yield InputProblem(record.first, message, claim_id)


# --- the file --------------------------------------------------------------------------------------------------


def read_claims(
    stream, modifiers: Collection[str] | None = None, max_bytes: int = MAX_FILE_BYTES
) -> Iterator[ClaimLine | InputProblem]:
    """Claim lines and input problems from a binary stream of CSV, in file order, one row at a time.
    A header problem, or a problem that leaves the rest unreadable, is the last item."""
    feed = _LineFeed(stream, max_bytes)
    try:
        records = _records(feed)
        header_record = next(records, None)
        header = yield from _header(header_record)
        if header is None:
            return
        for record in records:
            yield from _row(record, header, modifiers)
    except StopReading as stop:
        yield stop.problem


def _header(record: _Record | None):
    """Yields the header's problems; returns the header, or None when the file cannot be read with it."""
    if record is None:
        yield InputProblem(1, f"the file is empty; the first line must be the header: {', '.join(COLUMNS)}")
        return None
    if record.problems:
        yield from record.problems
        return None
    assert record.fields is not None, "a record that could not be read always has a problem"
    header = [name.strip() for name in record.fields]
    problems = header_problems(header) if header else [f"the first line must be the header: {', '.join(COLUMNS)}"]
    for message in problems:
        yield InputProblem(record.first, message)
    return None if problems else header


def read_csv(text: str, modifiers: Collection[str] | None = None) -> ReadResult:
    """Every good line, and a problem for each bad one (by its line number), from CSV text held in memory."""
    result = ReadResult()
    for item in read_claims(io.BytesIO(text.encode("utf-8", "surrogatepass")), modifiers):
        if isinstance(item, ClaimLine):
            result.lines.append(item)
        else:
            result.problems.append(item)
    return result
