"""A denial export in CSV, as practice-management systems write one, read into the same columns as an 835.

Columns (header names, any order; docs/denials.md has an example): payer, state (the practice's, settles a
contractor's name; optional), claim_id, line (number within the claim; optional, default the row's order in the
claim), date_of_service, paid_date, code, modifiers (space or comma separated), units (default 1), billed, allowed
(optional), paid, adjustments (``CO-50:120.00 PR-2:15.00``), remarks (``N115 M127``). Any other column (a patient
name, a member ID) is ignored and never read into memory past the row. The first bad row stops the file: its line
number and column are named, and nothing from the file is added.
"""

from __future__ import annotations

import csv
import io
import re

from lcdkb.denials.x12_reader import ADJUSTMENT_GROUPS, Remit, Transaction

REQUIRED = ("payer", "claim_id", "date_of_service", "paid_date", "code", "billed", "paid")
OPTIONAL = ("state", "line", "modifiers", "units", "allowed", "adjustments", "remarks")
_AMOUNT = re.compile(r"-?\d+(?:\.\d{1,2})?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_CODE = re.compile(r"[A-Z0-9]{1,8}")
_ADJUSTMENT = re.compile(r"([A-Z]{2})-([A-Z0-9]{1,4}):(-?\d+(?:\.\d{1,2})?)")
MAX_FIELD = 200


class CsvProblem(Exception):
    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(f"line {line}: {message}")


def read_denial_csv(text: str) -> Remit:
    remit = Remit()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip().lower() for name in next(reader, [])]
    except csv.Error as exc:
        raise CsvProblem(1, f"the header cannot be read as CSV: {exc}") from None
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise CsvProblem(1, f"the header lacks {', '.join(missing)} (needed: {', '.join(REQUIRED)})")
    where = {name: header.index(name) for name in REQUIRED + OPTIONAL if name in header}
    transactions: dict[tuple[str, str, str], int] = {}
    claim_lines: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            _row(remit, row, where, line, transactions, claim_lines)
    except csv.Error as exc:
        raise CsvProblem(reader.line_num, f"not readable as CSV: {exc}") from None
    if not remit.line_code:
        raise CsvProblem(1, "no denial rows after the header")
    return remit


def _row(remit: Remit, row: list[str], where: dict[str, int], line: int, transactions, claim_lines) -> None:
    def get(name: str, required: bool = False) -> str:
        position = where.get(name)
        value = row[position].strip() if position is not None and position < len(row) else ""
        if len(value) > MAX_FIELD:
            raise CsvProblem(line, f"{name} is longer than {MAX_FIELD} characters")
        if required and not value:
            raise CsvProblem(line, f"{name} is empty")
        return value

    def amount(name: str, required: bool = True) -> str:
        value = get(name, required).replace(",", "").removeprefix("$")
        if value and not _AMOUNT.fullmatch(value):
            raise CsvProblem(line, f"{name} is not an amount (like 120.00)")
        return value

    def day(name: str) -> str:
        value = get(name, True)
        match = _ISO_DATE.fullmatch(value)
        if not match:
            raise CsvProblem(line, f"{name} is not a date (YYYY-MM-DD)")
        from datetime import date

        try:
            date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise CsvProblem(line, f"{name} is not a real date") from None
        return "".join(match.groups())

    payer, state, paid_date = get("payer", True), get("state").upper(), day("paid_date")
    key = (payer, state, paid_date)
    if key not in transactions:
        transactions[key] = len(remit.transactions)
        remit.transactions.append(Transaction(payer, "", state, paid_date, f"csv:{paid_date}", line))
    claim = get("claim_id", True)
    code = get("code", True).upper()
    if not _CODE.fullmatch(code):
        raise CsvProblem(line, "code is not a procedure code")
    modifiers = [m for m in re.split(r"[\s,]+", get("modifiers").upper()) if m]
    if any(len(m) != 2 or not _CODE.fullmatch(m) for m in modifiers):
        raise CsvProblem(line, "modifiers must be two letters or digits each")
    claim_lines[claim] = claim_lines.get(claim, 0) + 1
    number_text = get("line")
    if number_text and not number_text.isdigit():
        raise CsvProblem(line, "line is not a whole number")
    index = len(remit.line_code)
    remit.line_txn.append(transactions[key])
    remit.line_claim.append(claim + "\x1f")
    remit.line_number.append(int(number_text) if number_text else claim_lines[claim])
    remit.line_status.append("")
    remit.line_qualifier.append("HC")
    remit.line_code.append(code)
    remit.line_modifiers.append(" ".join(modifiers))
    remit.line_units.append(amount("units", False) or "1")
    remit.line_billed.append(amount("billed"))
    remit.line_paid.append(amount("paid"))
    remit.line_allowed.append(amount("allowed", False) or None)
    remit.line_dos.append(day("date_of_service"))
    for part in get("adjustments").upper().split():
        match = _ADJUSTMENT.fullmatch(part)
        if not match or match[1] not in ADJUSTMENT_GROUPS:
            raise CsvProblem(line, "adjustments must look like CO-50:120.00 (group-CARC:amount), space separated")
        remit.adj_line.append(index)
        remit.adj_level.append("line")
        remit.adj_group.append(match[1])
        remit.adj_carc.append(match[2])
        remit.adj_amount.append(match[3])
    for code_text in get("remarks").upper().replace(",", " ").split():
        if not _CODE.fullmatch(code_text):
            raise CsvProblem(line, "remarks must be remark codes (N115 M127), space separated")
        remit.remark_line.append(index)
        remit.remark_code.append(code_text)
