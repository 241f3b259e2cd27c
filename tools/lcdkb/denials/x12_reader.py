"""A fast streaming reader for X12 5010 835 remittance files: service lines out, structure checked on the way.

pyx12 (``lcdkb.denials.x12_validate``) checks a file against the whole 835 implementation guide, but at about
12,000 segments a second it would take ten minutes for a million service lines. This reader does one pass over
the segments and checks what the import depends on (docs/denials.md lists it): the envelope (ISA/IEA, GS/GE,
ST/SE with matching control numbers and counts), that every segment is one an 835 can hold, the order of the
loops (BPR and TRN before the payer, CLP before SVC), and the format of every element it reads (amounts, dates,
codes, adjustment groups); each line's charge minus its adjustments must equal its payment. The first problem
stops the file with its segment number and ID, so a bad file adds nothing.

What it keeps per line is listed in ``Remit``; patient names, member IDs and addresses are never read into it
(NM1, N3 and N4 of the patient are skipped; only the payee's state is kept, to settle a contractor's name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import NoReturn

KNOWN_SEGMENTS = frozenset(
    ("ISA", "GS", "ST", "BPR", "TRN", "CUR", "REF", "DTM", "N1", "N2", "N3", "N4", "PER", "RDM", "LX", "TS3", "TS2")
    + ("CLP", "CAS", "NM1", "MIA", "MOA", "AMT", "QTY", "SVC", "LQ", "PLB", "SE", "GE", "IEA")
)
ADJUSTMENT_GROUPS = frozenset(("CO", "PR", "OA", "PI", "CR"))
_AMOUNT = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")
_DATE = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
_CODE = re.compile(r"[A-Z0-9]{1,8}")
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
MAX_ELEMENT = 80  # no element this reader keeps is longer in the 835 guide


class X12Problem(Exception):
    """The file is not an 835 this reader can import. ``segment`` counts from 1 at ISA."""

    def __init__(self, segment: int, segment_id: str, message: str):
        self.segment = segment
        self.segment_id = segment_id
        super().__init__(f"segment {segment} ({segment_id}): {message}")


@dataclass
class Transaction:
    """One ST/SE: one payer's payment. ``payee_state`` is the state of the payee's address (1000B N4)."""

    payer_name: str = ""
    payer_code: str = ""  # N104 (payer identification) when given
    payee_state: str = ""
    paid_date: str = ""  # BPR16, YYYYMMDD
    trace: str = ""  # TRN02, the check or EFT trace number
    payer_segment: int = 0  # where N1*PR is, for messages about the payer (CSV: the row's line)


@dataclass
class Remit:
    """Column lists, one entry per service line (``line_*``), adjustment or remark; ``adj_line`` and
    ``remark_line`` index into the lines."""

    transactions: list[Transaction] = field(default_factory=list)
    line_txn: list[int] = field(default_factory=list)
    line_claim: list[str] = field(default_factory=list)  # CLP01 + CLP07: hashed before anything is stored
    line_number: list[int] = field(default_factory=list)  # 1, 2, ... within the claim
    line_status: list[str] = field(default_factory=list)  # CLP02
    line_code: list[str] = field(default_factory=list)
    line_qualifier: list[str] = field(default_factory=list)  # SVC01-1: HC (HCPCS/CPT), ...
    line_modifiers: list[str] = field(default_factory=list)  # space separated
    line_units: list[str] = field(default_factory=list)
    line_billed: list[str] = field(default_factory=list)
    line_paid: list[str] = field(default_factory=list)
    line_allowed: list[str | None] = field(default_factory=list)
    line_dos: list[str] = field(default_factory=list)  # YYYYMMDD
    adj_line: list[int] = field(default_factory=list)
    adj_level: list[str] = field(default_factory=list)  # claim or line
    adj_group: list[str] = field(default_factory=list)
    adj_carc: list[str] = field(default_factory=list)
    adj_amount: list[str] = field(default_factory=list)
    remark_line: list[int] = field(default_factory=list)
    remark_code: list[str] = field(default_factory=list)
    segments: int = 0

    @property
    def line_count(self) -> int:
        return len(self.line_code)


def separators(text: str) -> tuple[str, str, str]:
    """(element, component, segment terminator) from the fixed-width ISA header."""
    if not text.startswith("ISA") or len(text) < 106:
        raise X12Problem(1, "ISA", "the file does not start with an ISA interchange header (is it an X12 835?)")
    element, component, terminator = text[3], text[104], text[105]
    if element.isalnum() or terminator.isalnum() or component.isalnum() or len({element, component, terminator}) < 3:
        raise X12Problem(1, "ISA", "the ISA header's separators are not readable (ISA must be 106 characters)")
    return element, component, terminator


class _Reader:
    def __init__(self, text: str):
        self.element, self.component, terminator = separators(text)
        self.pieces = text.split(terminator)
        self.remit = Remit()
        self.number = 0
        self.seg_id = "ISA"
        # envelope state
        self.isa_control: str | None = None
        self.gs_control: str | None = None
        self.groups = 0
        self.sets_in_group = 0
        self.st_control: str | None = None
        self.st_start = 0
        # transaction state
        self.txn: Transaction | None = None
        self.party = ""  # the N1 loop we are in: PR (payer), PE (payee), or ""
        self.claim: str | None = None
        self.claim_status = ""
        self.claim_lines = 0
        self.claim_adjustments: list[tuple[str, str, str]] = []
        self.claim_remarks: list[str] = []
        self.claim_date = ""
        self.line = -1  # index of the open service line, -1 when none
        self.line_adjusted = 0.0

    def fail(self, message: str) -> NoReturn:
        raise X12Problem(self.number, self.seg_id, message)

    def read(self) -> Remit:
        element = self.element
        handlers = {
            "ISA": self.isa,
            "GS": self.gs,
            "ST": self.st,
            "BPR": self.bpr,
            "TRN": self.trn,
            "N1": self.n1,
            "N4": self.n4,
            "CLP": self.clp,
            "CAS": self.cas,
            "MOA": self.moa,
            "SVC": self.svc,
            "DTM": self.dtm,
            "AMT": self.amt,
            "LQ": self.lq,
            "LX": self.close_claim,
            "PLB": self.close_claim,
            "SE": self.se,
            "GE": self.ge,
            "IEA": self.iea,
        }
        for piece in self.pieces:
            segment = piece.strip("\r\n\t ")
            if not segment:
                continue
            self.number += 1
            fields = segment.split(element)
            seg_id = fields[0]
            self.seg_id = seg_id if len(seg_id) <= 3 else seg_id[:3] + "..."
            if seg_id not in KNOWN_SEGMENTS:
                what = "not a segment ID" if not _SEGMENT_ID.fullmatch(seg_id) else "not a segment an 835 holds"
                self.fail(f"{what}; is the file cut or mixed with another transaction?")
            if self.isa_control is None and seg_id != "ISA":
                self.fail("found before the ISA header")
            if self.st_control is None and seg_id not in ("ISA", "GS", "ST", "GE", "IEA"):
                self.fail("found outside a transaction (ST ... SE)")
            handler = handlers.get(seg_id)
            if handler is not None:
                handler(fields)
        if self.isa_control is not None:
            self.number += 1
            self.seg_id = "IEA"
            self.fail("the file ends before its IEA trailer (cut short?)")
        if not self.remit.transactions:
            self.fail("no 835 transaction in the file")
        self.remit.segments = self.number
        return self.remit

    # --- helpers --------------------------------------------------------------------------------------------------

    def value(self, fields: list[str], position: int, required: bool = True) -> str:
        text = fields[position] if position < len(fields) else ""
        if len(text) > MAX_ELEMENT:
            self.fail(f"element {position} is longer than {MAX_ELEMENT} characters")
        if required and not text:
            self.fail(f"element {position} is missing")
        return text

    def amount(self, fields: list[str], position: int, required: bool = True) -> str:
        text = self.value(fields, position, required)
        if text and not _AMOUNT.fullmatch(text):
            self.fail(f"element {position} is not an amount")
        return text

    def day(self, fields: list[str], position: int) -> str:
        text = self.value(fields, position)
        if not _DATE.fullmatch(text):
            self.fail(f"element {position} is not a date (CCYYMMDD)")
        try:
            date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            self.fail(f"element {position} is not a real date")
        return text

    # --- envelope -------------------------------------------------------------------------------------------------

    def isa(self, fields: list[str]) -> None:
        if self.isa_control is not None:
            self.fail("a second ISA before the first one's IEA")
        if len(fields) != 17:
            self.fail(f"ISA must have 16 elements, not {len(fields) - 1}")
        if fields[12] != "00501":
            self.fail(f"ISA12 version {fields[12]!r} is not 00501 (5010)")
        self.isa_control = fields[13]
        self.groups = 0

    def gs(self, fields: list[str]) -> None:
        if self.gs_control is not None:
            self.fail("a second GS before the first one's GE")
        if self.value(fields, 1) != "HP":
            self.fail("GS01 must be HP (health care claim payment/advice)")
        if not self.value(fields, 8).startswith("005010X221"):
            self.fail("GS08 must name the 835 guide 005010X221A1")
        self.gs_control = self.value(fields, 6)
        self.sets_in_group = 0
        self.groups += 1

    def st(self, fields: list[str]) -> None:
        if self.gs_control is None:
            self.fail("ST outside a functional group (GS ... GE)")
        if self.st_control is not None:
            self.fail("a second ST before the first one's SE")
        if self.value(fields, 1) != "835":
            self.fail("ST01 must be 835; this reader imports remittance advice only")
        self.st_control = self.value(fields, 2)
        self.st_start = self.number
        self.sets_in_group += 1
        self.txn = Transaction()
        self.party = ""

    def se(self, fields: list[str]) -> None:
        self.close_claim(fields)
        count = self.value(fields, 1)
        if self.value(fields, 2) != self.st_control:
            self.fail("SE02 does not match the ST control number")
        if not count.isdigit() or int(count) != self.number - self.st_start + 1:
            self.fail(f"SE01 says {count} segments, the transaction has {self.number - self.st_start + 1}")
        txn = self.txn
        assert txn is not None
        if not txn.paid_date or not txn.trace:
            self.fail("the transaction has no BPR payment date or no TRN trace number")
        if not txn.payer_name:
            self.fail("the transaction names no payer (N1*PR)")
        self.remit.transactions.append(txn)
        self.st_control = None
        self.txn = None

    def ge(self, fields: list[str]) -> None:
        if self.st_control is not None:
            self.fail("GE before the transaction's SE")
        if self.gs_control is None:
            self.fail("GE without a GS")
        if self.value(fields, 2) != self.gs_control:
            self.fail("GE02 does not match the GS control number")
        if self.value(fields, 1) != str(self.sets_in_group):
            self.fail(f"GE01 says {fields[1]} transactions, the group has {self.sets_in_group}")
        self.gs_control = None

    def iea(self, fields: list[str]) -> None:
        if self.gs_control is not None:
            self.fail("IEA before the group's GE")
        if self.value(fields, 2) != self.isa_control:
            self.fail("IEA02 does not match the ISA control number")
        if self.value(fields, 1) != str(self.groups):
            self.fail(f"IEA01 says {fields[1]} groups, the interchange has {self.groups}")
        self.isa_control = None

    # --- header ---------------------------------------------------------------------------------------------------

    def bpr(self, fields: list[str]) -> None:
        assert self.txn is not None
        self.amount(fields, 2)
        self.txn.paid_date = self.day(fields, 16)

    def trn(self, fields: list[str]) -> None:
        assert self.txn is not None
        if not self.txn.paid_date:
            self.fail("TRN before BPR")
        self.txn.trace = self.value(fields, 2)

    def n1(self, fields: list[str]) -> None:
        assert self.txn is not None
        self.party = self.value(fields, 1)
        if self.party == "PR":
            if not self.txn.trace:
                self.fail("the payer (N1*PR) comes before TRN")
            self.txn.payer_name = self.value(fields, 2)
            self.txn.payer_code = self.value(fields, 4, required=False)
            self.txn.payer_segment = self.number

    def n4(self, fields: list[str]) -> None:
        if self.party == "PE" and self.claim is None:
            assert self.txn is not None
            self.txn.payee_state = self.value(fields, 2, required=False)

    # --- claims and lines -----------------------------------------------------------------------------------------

    def clp(self, fields: list[str]) -> None:
        assert self.txn is not None
        self.close_claim(fields)
        if not self.txn.payer_name:
            self.fail("a claim (CLP) before the payer (N1*PR)")
        claim_id = self.value(fields, 1)
        self.claim_status = self.value(fields, 2)
        self.amount(fields, 3)
        self.amount(fields, 4)
        self.claim = claim_id + "\x1f" + self.value(fields, 7, required=False)
        self.party = ""

    def close_claim(self, fields: list[str]) -> None:
        self.close_line()
        self.claim = None
        self.claim_lines = 0
        self.claim_adjustments = []
        self.claim_remarks = []
        self.claim_date = ""

    def cas(self, fields: list[str]) -> None:
        if self.claim is None:
            self.fail("an adjustment (CAS) outside a claim")
        group = self.value(fields, 1)
        if group not in ADJUSTMENT_GROUPS:
            self.fail(f"CAS01 {group!r} is not an adjustment group (CO, PR, OA, PI, CR)")
        found = False
        for position in range(2, min(len(fields), 20), 3):
            reason = fields[position]
            if not reason:
                continue
            if not _CODE.fullmatch(reason):
                self.fail(f"element {position} is not an adjustment reason code")
            amount = self.amount(fields, position + 1)
            found = True
            if self.line >= 0:
                self.add_adjustment(self.line, "line", group, reason, amount)
                self.line_adjusted += float(amount)
            else:
                self.claim_adjustments.append((group, reason, amount))
        if not found:
            self.fail("CAS has no reason code")

    def moa(self, fields: list[str]) -> None:
        if self.claim is None:
            self.fail("MOA outside a claim")
        for position in range(3, 8):
            code = self.value(fields, position, required=False)
            if code:
                if not _CODE.fullmatch(code):
                    self.fail(f"element {position} is not a remark code")
                self.claim_remarks.append(code)

    def add_adjustment(self, line: int, level: str, group: str, reason: str, amount: str) -> None:
        remit = self.remit
        remit.adj_line.append(line)
        remit.adj_level.append(level)
        remit.adj_group.append(group)
        remit.adj_carc.append(reason)
        remit.adj_amount.append(amount)

    def svc(self, fields: list[str]) -> None:
        claim = self.claim
        if claim is None:
            self.fail("a service line (SVC) outside a claim")
        self.close_line()
        composite = self.value(fields, 1).split(self.component)
        if len(composite) < 2 or not _CODE.fullmatch(composite[0]) or not _CODE.fullmatch(composite[1]):
            self.fail("SVC01 must be a qualifier and a procedure code (HC:64483)")
        modifiers = [m for m in composite[2:6] if m]
        if any(not _CODE.fullmatch(m) or len(m) != 2 for m in modifiers):
            self.fail("SVC01 has a modifier that is not two letters or digits")
        billed = self.amount(fields, 2)
        paid = self.amount(fields, 3)
        units = self.amount(fields, 5, required=False) or "1"
        remit = self.remit
        self.line = len(remit.line_code)
        self.claim_lines += 1
        self.line_adjusted = 0.0
        assert self.txn is not None
        remit.line_txn.append(len(remit.transactions))
        remit.line_claim.append(claim)
        remit.line_number.append(self.claim_lines)
        remit.line_status.append(self.claim_status)
        remit.line_qualifier.append(composite[0])
        remit.line_code.append(composite[1])
        remit.line_modifiers.append(" ".join(modifiers))
        remit.line_units.append(units)
        remit.line_billed.append(billed)
        remit.line_paid.append(paid)
        remit.line_allowed.append(None)
        remit.line_dos.append(self.claim_date)
        for group, reason, amount in self.claim_adjustments:
            self.add_adjustment(self.line, "claim", group, reason, amount)
        for code in self.claim_remarks:
            remit.remark_line.append(self.line)
            remit.remark_code.append(code)

    def close_line(self) -> None:
        line = self.line
        if line < 0:
            return
        remit = self.remit
        if not remit.line_dos[line]:
            self.fail("the service line before this segment has no date of service (DTM*472 or claim DTM*232)")
        difference = float(remit.line_billed[line]) - self.line_adjusted - float(remit.line_paid[line])
        if abs(difference) >= 0.005:
            self.fail(
                f"the service line before this segment does not balance: charge minus adjustments is off by "
                f"{difference:.2f} from the payment"
            )
        self.line = -1

    def dtm(self, fields: list[str]) -> None:
        qualifier = self.value(fields, 1)
        if self.line >= 0 and qualifier in ("472", "150"):
            self.remit.line_dos[self.line] = self.day(fields, 2)
        elif self.claim is not None and self.line < 0 and qualifier == "232":
            self.claim_date = self.day(fields, 2)

    def amt(self, fields: list[str]) -> None:
        if self.line >= 0 and self.value(fields, 1) == "B6":
            self.remit.line_allowed[self.line] = self.amount(fields, 2)

    def lq(self, fields: list[str]) -> None:
        if self.line < 0:
            self.fail("a remark (LQ) outside a service line")
        if self.value(fields, 1) == "HE":
            code = self.value(fields, 2)
            if not _CODE.fullmatch(code):
                self.fail("LQ02 is not a remark code")
            self.remit.remark_line.append(self.line)
            self.remit.remark_code.append(code)


def read_835(text: str) -> Remit:
    """The service lines of an 835's text; raises ``X12Problem`` at the first problem."""
    return _Reader(text).read()
