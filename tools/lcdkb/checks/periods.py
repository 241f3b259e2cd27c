"""Dated prior-authorization facts: one answer for every date of service, setting and state, and no setting left
Unknown because a period ended without a successor.

Both checks look at the entries as a rule uses them: a rule's own ``prior_auth`` replaces its policy's whole list,
so each list is judged on its own, and a policy's list only when some rule inherits it (LCD036 reports the rest).
Entries whose dates run backwards are LCD032's to report and are left out here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from lcdkb.checks import check
from lcdkb.problems import WARNING

SETTINGS = ("office", "asc", "hospital-outpatient", "home")  # what "any" (or no settings) stands for
SETTING_WORDS = {
    "office": "offices",
    "asc": "ASCs",
    "hospital-outpatient": "hospital outpatient departments",
    "home": "homes",
}
EARLIEST, LATEST = "0001-01-01", "9999-12-31"
DISAGREE, REPEAT = "disagree", "repeat"


def settings_of(entry: dict) -> frozenset[str]:
    named = entry.get("settings", ["any"])
    return frozenset(SETTINGS) if "any" in named else frozenset(named)


def states_of(entry: dict) -> frozenset[str] | None:
    """The states an entry is limited to; None when it applies wherever the payer does."""
    return frozenset(entry["states"]) if entry.get("states") else None


def span_of(entry: dict) -> tuple[str, str]:
    """First and last date of service, open ends filled in (ISO dates compare as text)."""
    return entry.get("from", EARLIEST), entry.get("until", LATEST)


def _runs_forwards(entry: dict) -> bool:
    start, end = span_of(entry)
    return start <= end


def _shared_states(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    if a is None:
        return b
    return a if b is None else a & b


@dataclass(frozen=True)
class Clash:
    """Two entries (indexes into the list, ``earlier`` listed first) that apply to the same claims."""

    earlier: int
    later: int
    kind: str  # disagree: different requirements; repeat: the same requirement and program stated twice
    settings: frozenset[str]
    states: frozenset[str] | None
    start: str
    end: str


def clashes(entries: list[dict]) -> list[Clash]:
    """Every pair of entries that overlap in dates, settings and states and so would both answer one claim, when
    they disagree or one repeats the other. The same requirement from two different programs is allowed: both say
    the same thing, and each names its own program."""
    found = []
    for later, second in enumerate(entries):
        if not _runs_forwards(second):
            continue
        for earlier, first in enumerate(entries[:later]):
            if not _runs_forwards(first):
                continue
            start = max(span_of(first)[0], span_of(second)[0])
            end = min(span_of(first)[1], span_of(second)[1])
            settings = settings_of(first) & settings_of(second)
            states = _shared_states(states_of(first), states_of(second))
            if start > end or not settings or states == frozenset():
                continue
            if first["requirement"] != second["requirement"]:
                kind = DISAGREE
            elif first.get("program") == second.get("program"):
                kind = REPEAT
            else:
                continue
            found.append(Clash(earlier, later, kind, settings, states, start, end))
    return found


@dataclass(frozen=True)
class Gap:
    """What an ended entry leaves without any answer from the day after its last day."""

    day: str
    settings: frozenset[str]
    states: frozenset[str] | None  # the states left unknown; None: every state (or every state but ``covered``)
    covered: frozenset[str]  # when ``states`` is None: states a successor does cover


def gaps_after(entries: list[dict], index: int) -> list[Gap]:
    """The settings and states nothing in ``entries`` covers on the day after entry ``index`` ends."""
    entry = entries[index]
    if "until" not in entry or not _runs_forwards(entry):
        return []
    day = (date.fromisoformat(entry["until"]) + timedelta(days=1)).isoformat()
    others = [
        other
        for k, other in enumerate(entries)
        if k != index and _runs_forwards(other) and span_of(other)[0] <= day <= span_of(other)[1]
    ]
    wanted = states_of(entry)
    left: dict[tuple[frozenset[str] | None, frozenset[str]], set[str]] = {}
    for setting in sorted(settings_of(entry)):
        successors = [other for other in others if setting in settings_of(other)]
        limits = [states_of(other) for other in successors]
        if None in limits:
            continue
        known = frozenset().union(*(s for s in limits if s is not None))
        if wanted is None:
            key: tuple[frozenset[str] | None, frozenset[str]] = (None, known)
        elif wanted - known:
            key = (frozenset(wanted - known), frozenset())
        else:
            continue
        left.setdefault(key, set()).add(setting)
    return [Gap(day, frozenset(settings), states, covered) for (states, covered), settings in left.items()]


def prior_auth_lists(ctx, only=None) -> Iterator[tuple]:
    """(file, path of the block, entries) for every prior-authorization list as rules use it."""
    for data_file in [only] if only else ctx.payers:
        rules = data_file.data["rules"]
        inherited = {rule["policy"] for rule in rules if "policy" in rule and "prior_auth" not in rule}
        for name, policy in data_file.data.get("policies", {}).items():
            if name in inherited and "prior_auth" in policy:
                yield data_file, ("policies", name), policy["prior_auth"]
        for index, rule in enumerate(rules):
            if "prior_auth" in rule:
                yield data_file, ("rules", index), rule["prior_auth"]


def _settings_words(settings: frozenset[str]) -> str:
    if settings == frozenset(SETTINGS):
        return "any setting"
    names = [SETTING_WORDS[s] for s in SETTINGS if s in settings]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _states_words(states: frozenset[str] | None, covered: frozenset[str] = frozenset()) -> str:
    if states is not None:
        return f" in {', '.join(sorted(states))}"
    return f" in states other than {', '.join(sorted(covered))}" if covered else ""


def _period_words(start: str, end: str) -> str:
    if start == EARLIEST:
        return "at any date" if end == LATEST else f"up to {end}"
    return f"from {start} onwards" if end == LATEST else f"from {start} to {end}"


def _follows(first: dict, second: dict) -> bool:
    """Whether ``second`` looks like the successor of ``first``: it starts later and covers at least the same
    settings and states, so ending ``first`` the day before is the likely fix."""
    first_states, second_states = states_of(first), states_of(second)
    return (
        span_of(first)[0] < span_of(second)[0]
        and settings_of(first) <= settings_of(second)
        and (second_states is None or (first_states is not None and first_states <= second_states))
    )


def _label(entry: dict) -> str:
    return f"{entry['requirement']}, {entry['program']}" if entry.get("program") else entry["requirement"]


@check(
    "LCD037",
    "one-prior-auth-answer",
    "Within one rule (after its policy's facts are merged in), no two prior authorization entries that overlap in "
    "dates, share a setting ('any' or none: all) and share a state (none: all) give different requirements, and "
    "none repeats another's requirement and program; so every date of service gets one answer.",
)
def one_prior_auth_answer(ctx, report):
    for data_file, path, entries in prior_auth_lists(ctx):
        for clash in clashes(entries):
            first, second = entries[clash.earlier], entries[clash.later]
            where = _settings_words(clash.settings) + _states_words(clash.states)
            when = _period_words(clash.start, clash.end)
            a, b = clash.earlier + 1, clash.later + 1
            if clash.kind == DISAGREE:
                message = (
                    f"prior_auth entries {a} ({_label(first)}) and {b} ({_label(second)}) both apply in {where} "
                    f"{when}, so a date of service there gets two different answers"
                )
            else:
                message = (
                    f"prior_auth entry {b} repeats entry {a} ({_label(first)}) in {where} {when}, "
                    "so the answer could show either one's dates and source"
                )
            if _follows(first, second):
                day_before = (date.fromisoformat(span_of(second)[0]) - timedelta(days=1)).isoformat()
                hint = (
                    f'if entry {b} replaces entry {a}, end entry {a} the day before: until: "{day_before}"; '
                    "otherwise narrow their settings, states or dates so that they do not overlap"
                )
            elif clash.kind == REPEAT:
                hint = "state the fact once: merge the two entries, or give each its own settings, states or dates"
            else:
                hint = (
                    f"narrow the settings, states or dates of entry {a} or {b} (for example, list only the states "
                    "or settings where each holds), so only one applies on any day"
                )
            report(data_file, path + ("prior_auth", clash.later), message, hint)


@check(
    "LCD038",
    "prior-auth-successor",
    "A prior authorization entry that has ended (its 'until' is before today) is followed by an entry for the "
    "same settings and states from the next day, so those settings are not left Unknown after it.",
    severity=WARNING,
)
def prior_auth_successor(ctx, report):
    today = ctx.today.isoformat()
    for data_file, path, entries in prior_auth_lists(ctx):
        for index, entry in enumerate(entries):
            if entry.get("until", LATEST) >= today:
                continue
            for gap in gaps_after(entries, index):
                where = _settings_words(gap.settings) + _states_words(gap.states, gap.covered)
                report(
                    data_file,
                    path + ("prior_auth", index, "until"),
                    f"this prior authorization entry ({_label(entry)}) ended on {entry['until']}, and nothing is "
                    f"recorded in {where} from {gap.day}, so lookups there answer Unknown",
                    f"add the entry that follows it, with its source: requirement: not-required and "
                    f'from: "{gap.day}" if the payer dropped the requirement, or the new period if it was renewed; '
                    "if the end date is not known, leave 'until' out",
                )
