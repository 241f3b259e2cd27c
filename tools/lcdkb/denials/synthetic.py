"""Synthetic X12 5010 835 remittance files with planted denial spikes and patterns, for tests and the benchmark.

Every file is one payer's remittance for one payment date: ISA/GS/ST, BPR and TRN, the payer (N1*PR with N3, N4
and PER) and the payee (N1*PE with its state, which settles a Medicare contractor's name), then claims (CLP with
CAS, NM1*QC, DTM) and their service lines (SVC with DTM*472, CAS, REF*6R, AMT*B6, LQ*HE), SE/GE/IEA. Amounts
balance (charge minus adjustments is the payment, claim and check totals add up). Patient names and member IDs
are invented and planted on purpose, so tests can prove none of them reaches the database.

    from lcdkb.denials.synthetic import Scenario, write_files
    paths = write_files(Path("out"), Scenario(weeks=14, seed=7))
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

# name in N1*PR, payee state (N4 of 1000B), claim filing indicator, the payer ID the name resolves to
PAYERS = (
    ("NOVITAS", "TX", "MB", "medicare-jh"),
    ("NOVITAS", "PA", "MB", "medicare-jl"),
    ("CGS ADMINISTRATORS", "OH", "MB", "medicare-j15"),
    ("CIGNA HEALTHCARE", "TX", "CI", "cigna"),
    ("UHC", "TX", "CI", "unitedhealthcare"),
    ("AETNA COMMERCIAL", "PA", "CI", "aetna"),
)
CODES = {  # code -> (charge, allowed share, modifiers)
    "20552": ("180.00", "0.40", ()),
    "20553": ("210.00", "0.40", ()),
    "62321": ("650.00", "0.45", ()),
    "62323": ("700.00", "0.45", ()),
    "64483": ("900.00", "0.50", ("RT",)),
    "64484": ("400.00", "0.50", ("RT",)),
    "64490": ("800.00", "0.50", ("LT",)),
    "64493": ("820.00", "0.50", ()),
    "64635": ("1500.00", "0.55", ("RT",)),
    "99214": ("220.00", "0.60", ()),
}
# Sporadic, non-recurring denials in the background: (CARC, RARC or None)
BACKGROUND_DENIALS = (("4", None), ("97", "N20"), ("18", None), ("16", "MA130"), ("29", None), ("27", None))
SURNAMES = ("Quillfeather", "Brambleton", "Okonkwo-Vale", "Marchetti", "Lindqvist", "Thornbury", "Castellanos")
GIVEN = ("Ada", "Bertram", "Chidi", "Delphine", "Emeka", "Freya", "Gustavo")


@dataclass(frozen=True)
class Planted:
    """A denial trend put into the files on purpose: ``kind`` spike (``count`` in the last week only, ``base``
    a week before) or pattern (``count`` every week of the last ``weeks``)."""

    kind: str
    payer_id: str
    code: str
    carc: str
    rarc: str | None
    group: str
    count: int
    weeks: int = 1
    base: int = 0


PLANTED = (
    Planted("spike", "medicare-jh", "20552", "11", "N115", "diagnosis", 14, base=1),
    Planted("spike", "cigna", "64635", "197", None, "prior-authorization", 9),
    Planted("pattern", "medicare-jl", "62323", "16", "M127", "documentation", 3, weeks=8),
    Planted("pattern", "medicare-j15", "64483", "151", "N362", "frequency-units", 2, weeks=7),
)


@dataclass
class Scenario:
    weeks: int = 14
    claims_per_file: int = 40  # per payer and week (each claim has 1-3 service lines)
    seed: int = 7
    first_payment: date = date(2026, 8, 3)  # a Monday; files are paid on Wednesdays from this week on
    planted: tuple[Planted, ...] = PLANTED
    background_rate: float = 0.02  # share of ordinary lines denied for a random background reason
    names: list[str] = field(default_factory=list)  # filled: every patient name written
    member_ids: list[str] = field(default_factory=list)  # filled: every member ID written
    claim_ids: list[str] = field(default_factory=list)  # filled: every patient control number written
    planted_claims: list[dict] = field(default_factory=list)  # filled: a claims-CSV row for each planted denial


@dataclass
class _Line:
    code: str
    modifiers: tuple[str, ...]
    charge: Decimal
    allowed: Decimal
    paid: Decimal
    adjustments: list[tuple[str, str, Decimal]]
    remark: str | None
    dos: date
    units: int = 1
    planted: bool = False


def write_files(folder: Path, scenario: Scenario | None = None) -> list[Path]:
    """One 835 file per payer and payment week in ``folder``; the paths, in order."""
    scenario = scenario or Scenario()
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(scenario.seed)
    paths = []
    control = 0
    for week in range(scenario.weeks):
        paid_on = scenario.first_payment + timedelta(weeks=week, days=2)
        for index, (name, state, filing, payer_id) in enumerate(PAYERS):
            control += 1
            claims = _claims(scenario, rng, payer_id, week, paid_on)
            text = _interchange(name, state, filing, paid_on, control, claims, rng, scenario)
            for row in scenario.planted_claims:
                row.setdefault("payer_id", payer_id)
                row.setdefault("state", state)
            path = folder / f"remit-{paid_on:%Y%m%d}-{index + 1:02d}.835"
            path.write_text(text, encoding="ascii")
            paths.append(path)
    return paths


def text_for(scenario: Scenario, payer_index: int = 0, week: int = 0) -> str:
    """One file's text without writing it (for tests that corrupt a copy)."""
    rng = random.Random(scenario.seed)
    name, state, filing, payer_id = PAYERS[payer_index]
    paid_on = scenario.first_payment + timedelta(weeks=week, days=2)
    return _interchange(name, state, filing, paid_on, 1, _claims(scenario, rng, payer_id, week, paid_on), rng, scenario)


def _planted_lines(scenario: Scenario, payer_id: str, week: int) -> list[tuple[str, str, str | None]]:
    """The planted denials of one payer's file in one week; counts grow with ``claims_per_file`` over 40, so a
    benchmark's larger files keep the trends as clear against their busier background."""
    last = scenario.weeks - 1
    scale = max(1, scenario.claims_per_file // 40)
    found = []
    for plant in scenario.planted:
        if plant.payer_id != payer_id:
            continue
        if plant.kind == "spike":
            count = plant.count if week == last else (plant.base if week == last - 1 else 0)
        else:
            count = plant.count if week > last - plant.weeks else 0
        found += [(plant.code, plant.carc, plant.rarc)] * (count * scale)
    return found


def _claims(scenario: Scenario, rng: random.Random, payer_id: str, week: int, paid_on: date) -> list[list[_Line]]:
    claims: list[list[_Line]] = []
    for code, carc, rarc in _planted_lines(scenario, payer_id, week):
        line = _denied(code, carc, rarc, paid_on - timedelta(days=rng.randint(10, 30)))
        line.planted = True
        claims.append([line])
    for _ in range(scenario.claims_per_file):
        dos = paid_on - timedelta(days=rng.randint(10, 30))
        lines = []
        for code in rng.sample(sorted(CODES), rng.randint(1, 3)):
            if rng.random() < scenario.background_rate:
                carc, rarc = rng.choice(BACKGROUND_DENIALS)
                lines.append(_denied(code, carc, rarc, dos))
            else:
                lines.append(_paid(code, dos))
        claims.append(lines)
    rng.shuffle(claims)
    return claims


def _paid(code: str, dos: date) -> _Line:
    charge, share, modifiers = CODES[code]
    total = Decimal(charge)
    allowed = (total * Decimal(share)).quantize(Decimal("0.01"))
    coinsurance = (allowed * Decimal("0.20")).quantize(Decimal("0.01"))
    adjustments = [("CO", "45", total - allowed), ("PR", "2", coinsurance)]
    return _Line(code, modifiers, total, allowed, allowed - coinsurance, adjustments, None, dos)


def _denied(code: str, carc: str, rarc: str | None, dos: date) -> _Line:
    charge, _, modifiers = CODES[code]
    total = Decimal(charge)
    return _Line(code, modifiers, total, Decimal("0.00"), Decimal("0.00"), [("CO", carc, total)], rarc, dos)


def _patient(rng: random.Random, scenario: Scenario) -> tuple[str, str, str]:
    last, first = rng.choice(SURNAMES), rng.choice(GIVEN)
    member = f"ZQ{rng.randint(10**8, 10**9 - 1)}"
    scenario.names += [last, first]
    scenario.member_ids.append(member)
    return last.upper(), first.upper(), member


def _interchange(name, state, filing, paid_on, control, claims, rng, scenario) -> str:
    payment = sum((line.paid for claim in claims for line in claim), Decimal("0.00"))
    trace = f"{rng.randint(10**9, 10**10 - 1)}"
    body = [
        f"BPR*I*{payment:.2f}*C*ACH*CCP*01*011000015*DA*0001234567*1512345678**01*021000021*DA*0009876543*"
        f"{paid_on:%Y%m%d}",
        f"TRN*1*{trace}*1512345678",
        f"DTM*405*{paid_on:%Y%m%d}",
        f"N1*PR*{name}",
        "N3*PO BOX 3000",
        "N4*MECHANICSBURG*PA*17055",
        "PER*BL*PROVIDER SERVICES*TE*8005550100",
        "N1*PE*LONE STAR SPINE AND PAIN*XX*1234567893",
        "N3*100 MAIN ST",
        f"N4*ANYTOWN*{state}*75001",
        "LX*1",
    ]
    for claim in claims:
        body += _claim(claim, filing, rng, scenario)
    st_control = "0001"
    segments = [f"ST*835*{st_control}", *body]
    segments.append(f"SE*{len(segments) + 1}*{st_control}")
    isa = (
        f"ISA*00*          *00*          *ZZ*{'PAYERSENDER':<15}*ZZ*{'PAINCLINIC':<15}*{paid_on:%y%m%d}*0800*^*00501*"
        f"{control:09d}*0*P*:"
    )
    gs = f"GS*HP*PAYERSENDER*PAINCLINIC*{paid_on:%Y%m%d}*0800*{control}*X*005010X221A1"
    trailer = [f"GE*1*{control}", f"IEA*1*{control:09d}"]
    return "~\n".join([isa, gs, *segments, *trailer]) + "~\n"


def _claim(lines: list[_Line], filing: str, rng: random.Random, scenario: Scenario) -> list[str]:
    last, first, member = _patient(rng, scenario)
    claim_id = f"PCN{rng.randint(10**7, 10**8 - 1)}"
    scenario.claim_ids.append(claim_id)
    charge = sum((line.charge for line in lines), Decimal("0"))
    paid = sum((line.paid for line in lines), Decimal("0"))
    patient = sum((a[2] for line in lines for a in line.adjustments if a[0] == "PR"), Decimal("0"))
    status = "4" if paid == 0 else "1"
    control = f"{rng.randint(10**12, 10**13 - 1)}"
    dos = min(line.dos for line in lines)
    scenario.planted_claims += [
        {
            "claim_id": claim_id,
            "date_of_service": line.dos.isoformat(),
            "code": line.code,
            "carc": line.adjustments[0][1],
        }
        for line in lines
        if line.planted
    ]
    out = [
        f"CLP*{claim_id}*{status}*{charge:.2f}*{paid:.2f}*{patient:.2f}*{filing}*{control}*11*1",
        f"NM1*QC*1*{last}*{first}****MI*{member}",
        f"DTM*232*{dos:%Y%m%d}",
    ]
    for number, line in enumerate(lines, 1):
        composite = ":".join(("HC", line.code, *line.modifiers))
        out.append(f"SVC*{composite}*{line.charge:.2f}*{line.paid:.2f}**{line.units}")
        out.append(f"DTM*472*{line.dos:%Y%m%d}")
        by_group: dict[str, list[str]] = {}
        for group, carc, amount in line.adjustments:
            if amount:
                by_group.setdefault(group, []).append(f"{carc}*{amount:.2f}")
        out += [f"CAS*{group}*{'**'.join(parts)}" for group, parts in by_group.items()]
        out.append(f"REF*6R*{claim_id}-{number}")
        if line.allowed:
            out.append(f"AMT*B6*{line.allowed:.2f}")
        if line.remark:
            out.append(f"LQ*HE*{line.remark}")
    return out


# What the practice wrote on each planted claim, for ``lcdkb denials report --claims``: the diagnosis spike's claims
# carry the non-billable M79.1, the prior-auth spike's claims say no authorization was on file; the others are clean.
_CLAIM_DETAILS = {
    "11": {"diagnoses": "M79.1", "prior_auth": ""},
    "197": {"diagnoses": "M47.816", "prior_auth": "no"},
}


def write_claims_csv(path: Path, scenario: Scenario) -> int:
    """The claims CSV (``lcdkb check`` columns) of every planted denial; the number of rows."""
    import csv

    columns = ["claim_id", "date_of_service", "payer_id", "state", "place_of_service", "code", "modifiers", "units"]
    columns += ["diagnoses", "prior_auth"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore")
        writer.writeheader()
        for row in scenario.planted_claims:
            details = _CLAIM_DETAILS.get(row["carc"], {"diagnoses": "M54.16", "prior_auth": ""})
            modifiers = " ".join(CODES[row["code"]][2])
            writer.writerow({**row, **details, "place_of_service": "11", "modifiers": modifiers, "units": "1"})
    return len(scenario.planted_claims)
