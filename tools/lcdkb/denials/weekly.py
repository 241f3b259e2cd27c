"""Weekly denial counts by payer x code x reason group, and the two trends the report flags.

A **denied line** is a service line with at least one adjustment whose CARC is not routine in the crosswalk
(deductible, coinsurance, contractual write-off ... are routine); its reason group comes from the crosswalk (see
``lcdkb.denials.reasons``), classified in SQL at report time, so a corrected crosswalk re-reads old imports. Weeks
run Monday to Sunday by the **payment date** (BPR16): when the denial came back.

**Spike**: in the latest week a payer x code x reason has at least ``min_count`` denied lines and the chance of that
many or more under a Poisson model at its own trailing baseline (mean of the earlier weeks in the window, at least
``MIN_BASELINE_WEEKS`` of them, floored at 0.5 a week) is below ``alpha``.

**Recurring pattern**: in at least ``pattern_min`` of the last ``pattern_weeks`` weeks, the same payer x code x
reason had at least ``pattern_count`` denied lines and they were at least ``pattern_share`` of that payer and
code's service lines that week (so a busy practice's steady trickle of scattered denials is not a pattern).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from lcdkb.denials.reasons import Crosswalk

MIN_BASELINE_WEEKS = 4
BASELINE_FLOOR = 0.5


@dataclass(frozen=True)
class Settings:
    weeks: int = 12
    until: date | None = None  # the latest week shown: the week of this date (default: the latest payment)
    payer: str | None = None
    code: str | None = None
    min_count: int = 5
    alpha: float = 0.001
    pattern_weeks: int = 8
    pattern_min: int = 6
    pattern_count: int = 2
    pattern_share: float = 0.05


@dataclass
class Cell:
    payer_id: str
    code: str
    reason: str
    counts: list[int]  # one per week of the window, oldest first
    amounts: list[float]
    carcs: dict[str, int] = field(default_factory=dict)
    remarks: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class Trend:
    kind: str  # spike or pattern
    cell: Cell
    latest: int
    baseline_mean: float
    p_value: float | None  # spikes only
    weeks_with_denials: int  # patterns: weeks that met the pattern's bar among the last pattern_weeks


@dataclass
class Analysis:
    weeks: list[date]
    settings: Settings
    lines: list[int]  # all service lines per week
    denied: list[int]
    denied_amount: list[float]
    cells: list[Cell]
    lines_by_payer_code: dict[tuple[str, str], int]  # service lines in the window, for denial rates
    weekly_lines: dict[tuple[str, str], list[int]]  # service lines per week of each payer and code
    trends: list[Trend]


def poisson_tail(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean), summed upward from k so small tails keep their precision."""
    if k <= 0:
        return 1.0
    term = math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1))
    total, i = 0.0, k
    while term > total * 1e-17 and i < k + 10_000:
        total += term
        i += 1
        term *= mean / i
    return min(1.0, total)


def _load_crosswalk(con, crosswalk: Crosswalk) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE carc_map (code VARCHAR, grp VARCHAR, refine BOOLEAN)")
    con.execute("CREATE OR REPLACE TEMP TABLE rarc_map (code VARCHAR, grp VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE routine (code VARCHAR)")
    carc = [(c, e["group"], bool(e.get("refine_by_remark"))) for c, e in crosswalk.carc.items()]
    con.executemany("INSERT INTO carc_map VALUES (?, ?, ?)", carc)
    con.executemany("INSERT INTO rarc_map VALUES (?, ?)", [(c, e["group"]) for c, e in crosswalk.rarc.items()])
    con.executemany("INSERT INTO routine VALUES (?)", [(c,) for c in sorted(crosswalk.routine)])


_CLASSIFIED = """
WITH scoped AS (
    SELECT * FROM lines
    WHERE paid_date >= ? AND paid_date < ? AND (? IS NULL OR payer_id = ?) AND (? IS NULL OR code = ?)
),
main_adjustment AS (
    SELECT a.line_key, a.carc FROM adjustments a SEMI JOIN scoped s ON a.line_key = s.line_key
    WHERE a.carc NOT IN (SELECT code FROM routine)
    QUALIFY row_number() OVER (PARTITION BY a.line_key ORDER BY a.amount DESC, a.carc) = 1
),
remark_group AS (
    SELECT r.line_key, arg_min(m.grp, r.position) AS grp
    FROM remarks r JOIN rarc_map m ON m.code = r.code SEMI JOIN main_adjustment x ON x.line_key = r.line_key
    WHERE m.grp <> 'other' GROUP BY r.line_key
)
SELECT s.payer_id, s.code, date_trunc('week', s.paid_date)::DATE AS week,
       CASE WHEN c.refine AND g.grp IS NOT NULL THEN g.grp ELSE coalesce(c.grp, 'other') END AS reason,
       x.carc, s.billed - s.paid AS amount, s.line_key, s.claim_hash, s.dos
FROM scoped s JOIN main_adjustment x ON x.line_key = s.line_key
LEFT JOIN carc_map c ON c.code = x.carc LEFT JOIN remark_group g ON g.line_key = s.line_key
"""


def analyse(con, crosswalk: Crosswalk, settings: Settings) -> Analysis:
    _load_crosswalk(con, crosswalk)
    latest = settings.until
    if latest is None:
        row = con.execute(
            "SELECT max(paid_date) FROM lines WHERE (? IS NULL OR payer_id = ?) AND (? IS NULL OR code = ?)",
            [settings.payer, settings.payer, settings.code, settings.code],
        ).fetchall()[0]
        latest = row[0] if row[0] else date.today()
    last_week = latest - timedelta(days=latest.weekday())
    weeks = [last_week - timedelta(weeks=settings.weeks - 1 - i) for i in range(settings.weeks)]
    start, end = weeks[0], last_week + timedelta(weeks=1)
    scope = [start, end, settings.payer, settings.payer, settings.code, settings.code]
    index = {week: i for i, week in enumerate(weeks)}
    size = len(weeks)

    lines, denied, denied_amount = [0] * size, [0] * size, [0.0] * size
    lines_by_payer_code: dict[tuple[str, str], int] = {}
    weekly_lines: dict[tuple[str, str], list[int]] = {}
    for payer_id, code, week, count in con.execute(
        """SELECT payer_id, code, date_trunc('week', paid_date)::DATE, count(*) FROM lines
           WHERE paid_date >= ? AND paid_date < ? AND (? IS NULL OR payer_id = ?) AND (? IS NULL OR code = ?)
           GROUP BY ALL""",
        scope,
    ).fetchall():
        lines[index[week]] += count
        lines_by_payer_code[(payer_id, code)] = lines_by_payer_code.get((payer_id, code), 0) + count
        weekly_lines.setdefault((payer_id, code), [0] * size)[index[week]] += count

    con.execute(f"CREATE OR REPLACE TEMP TABLE classified AS {_CLASSIFIED}", scope)
    cells: dict[tuple[str, str, str], Cell] = {}
    for payer_id, code, week, reason, count, amount in con.execute(
        "SELECT payer_id, code, week, reason, count(*), sum(amount)::DOUBLE FROM classified GROUP BY ALL"
    ).fetchall():
        key = (payer_id, code, reason)
        cell = cells.get(key) or cells.setdefault(key, Cell(payer_id, code, reason, [0] * size, [0.0] * size))
        cell.counts[index[week]] += count
        cell.amounts[index[week]] += amount
        denied[index[week]] += count
        denied_amount[index[week]] += amount
    for payer_id, code, reason, carc, count in con.execute(
        "SELECT payer_id, code, reason, carc, count(*) FROM classified GROUP BY ALL ORDER BY ALL"
    ).fetchall():
        cells[(payer_id, code, reason)].carcs[carc] = count
    for payer_id, code, reason, remark, count in con.execute(
        """SELECT c.payer_id, c.code, c.reason, r.code, count(*) FROM classified c JOIN remarks r USING (line_key)
           GROUP BY ALL ORDER BY ALL"""
    ).fetchall():
        cells[(payer_id, code, reason)].remarks[remark] = count
    ordered = sorted(cells.values(), key=lambda c: (-c.total, c.payer_id, c.code, c.reason))
    trends = find_trends(ordered, settings, weekly_lines)
    return Analysis(weeks, settings, lines, denied, denied_amount, ordered, lines_by_payer_code, weekly_lines, trends)


def find_trends(cells: list[Cell], settings: Settings, weekly_lines: dict[tuple[str, str], list[int]]) -> list[Trend]:
    trends = []
    for cell in cells:
        latest, earlier = cell.counts[-1], cell.counts[:-1]
        if len(earlier) >= MIN_BASELINE_WEEKS and latest >= settings.min_count:
            mean = sum(earlier) / len(earlier)
            p_value = poisson_tail(latest, max(mean, BASELINE_FLOOR))
            if p_value < settings.alpha:
                trends.append(Trend("spike", cell, latest, mean, p_value, 0))
        recent = cell.counts[-settings.pattern_weeks :]
        served = weekly_lines.get((cell.payer_id, cell.code), [0] * len(cell.counts))[-settings.pattern_weeks :]
        with_denials = sum(
            1
            for count, lines in zip(recent, served, strict=True)
            if count >= settings.pattern_count and count >= settings.pattern_share * lines
        )
        if len(recent) == settings.pattern_weeks and with_denials >= settings.pattern_min:
            mean = sum(cell.counts[:-1]) / max(1, len(cell.counts) - 1)
            trends.append(Trend("pattern", cell, latest, mean, None, with_denials))
    order = {"spike": 0, "pattern": 1}
    return sorted(trends, key=lambda t: (order[t.kind], -t.cell.total, t.cell.payer_id, t.cell.code, t.cell.reason))
