"""Claim lines: the input shape, and reading it from flags or a CSV with line-numbered errors."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

COLUMNS = ("claim_id", "date_of_service", "payer_id", "state", "place_of_service", "code", "modifiers", "units",
           "diagnoses", "minutes", "prior_auth")
REQUIRED = ("claim_id", "date_of_service", "code")
_LIST_SPLIT = re.compile(r"[\s,;|]+")
_POS = re.compile(r"\d{2}\Z")


@dataclass(frozen=True)
class ClaimLine:
    claim_id: str
    date_of_service: date
    code: str
    payer_id: str | None = None
    state: str | None = None
    place_of_service: str | None = None
    modifiers: tuple[str, ...] = ()
    units: int = 1
    diagnoses: tuple[str, ...] = ()
    minutes: int | None = None
    prior_auth: bool | None = None      # True: on file; False: none; None: not said
    line_no: int = 0                    # CSV line number (0 for flags)


@dataclass
class InputProblem:
    line_no: int
    message: str


@dataclass
class ReadResult:
    lines: list[ClaimLine] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)


def split_list(text: str | None) -> tuple[str, ...]:
    return tuple(part.upper() for part in _LIST_SPLIT.split(text or "") if part)


def parse_line(values: dict[str, str], line_no: int = 0) -> ClaimLine:
    """One line from text values. Raises ValueError with a message a biller understands."""
    def get(name):
        value = values.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    missing = [name for name in REQUIRED if not get(name)]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    if not get("payer_id") and not get("state"):
        raise ValueError("give payer_id or state")
    try:
        day = date.fromisoformat(get("date_of_service"))
    except ValueError:
        raise ValueError(f"date_of_service '{get('date_of_service')}' is not a date (use YYYY-MM-DD)") from None
    pos = get("place_of_service")
    if pos is not None and not _POS.match(pos):
        raise ValueError(f"place_of_service '{pos}' is not a two-digit place of service code (for example 11, 22, 24)")
    return ClaimLine(claim_id=get("claim_id"), date_of_service=day, code=get("code").upper(),
                     payer_id=get("payer_id"), state=(get("state") or "").upper() or None, place_of_service=pos,
                     modifiers=split_list(get("modifiers")), units=_whole(get("units"), "units", 1),
                     diagnoses=split_list(get("diagnoses")), minutes=_whole(get("minutes"), "minutes", None),
                     prior_auth=_yes_no(get("prior_auth")), line_no=line_no)


def _whole(text: str | None, name: str, default):
    if text is None:
        return default
    if not text.isdigit() or int(text) == 0 and name == "units":
        raise ValueError(f"{name} '{text}' must be a whole number" + (" of 1 or more" if name == "units" else ""))
    return int(text)


def _yes_no(text: str | None) -> bool | None:
    if text is None:
        return None
    lowered = text.lower()
    if lowered in ("y", "yes", "true", "1", "on-file"):
        return True
    if lowered in ("n", "no", "false", "0", "none"):
        return False
    raise ValueError(f"prior_auth '{text}' must be yes or no")


def read_csv(text: str) -> ReadResult:
    """Every good line, and a problem for each bad one (by its line number); bad lines never stop the rest."""
    result = ReadResult()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing or ("payer_id" not in header and "state" not in header):
        needed = ", ".join(missing + ([] if "payer_id" in header or "state" in header else ["payer_id or state"]))
        result.problems.append(InputProblem(1, f"the header lacks {needed}; expected columns: {', '.join(COLUMNS)}"))
        return result
    reader.fieldnames = header
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        result.problems.append(InputProblem(1, f"ignoring unknown column(s): {', '.join(unknown)}"))
    for row in reader:
        line_no = reader.line_num
        if None in row:
            result.problems.append(InputProblem(line_no, "more values than columns (a comma inside a value? quote it)"))
            continue
        if not any((v or "").strip() for v in row.values()):
            continue
        try:
            result.lines.append(parse_line(row, line_no))
        except ValueError as exc:
            result.problems.append(InputProblem(line_no, str(exc)))
    return result
