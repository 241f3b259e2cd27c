"""Dated prior-authorization facts (LCD037, LCD038): one answer for every date of service, setting and state, and a
warning when an ended period leaves a setting Unknown.

The failing fixtures are tests/fixtures/invalid/LCD037-* and LCD038-* (run by test_checks.py); here are the cases
that must pass, the merge with policies, the wording, the pure functions, and the real data."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import DERANDOMIZED, FIXTURE_TODAY, REPO
from lcdkb import answers, api
from lcdkb.checks.periods import SETTINGS, clashes, gaps_after, settings_of, span_of, states_of
from lcdkb.validate import validate

RULE_64484 = """  - code: "64484"
    policy: esi
    review: {last_reviewed: "2026-01-10", reviewed_by: fixture-reviewer}"""

POLICY_PRIOR_AUTH = """    prior_auth:
      - requirement: voluntary
        program: Fixture program
        states: [TX]
        settings: [office, asc]
        from: "2026-01-15"
        until: "2031-12-31"
"""


def with_64484_prior_auth(data_dir: Path, entries: str) -> Path:
    """The valid fixture with rule 64484 stating its own prior_auth list (YAML list items, 6-space indent)."""
    payer = data_dir / "payers" / "fixture-mac.yaml"
    text = payer.read_text()
    assert RULE_64484 in text
    rule = RULE_64484.replace("    policy: esi\n", "    policy: esi\n    prior_auth:\n" + entries)
    payer.write_text(text.replace(RULE_64484, rule))
    return payer


def with_policy_prior_auth(data_dir: Path, entries: str) -> Path:
    payer = data_dir / "payers" / "fixture-mac.yaml"
    text = payer.read_text()
    assert POLICY_PRIOR_AUTH in text
    payer.write_text(text.replace(POLICY_PRIOR_AUTH, "    prior_auth:\n" + entries))
    return payer


def line_of(payer: Path, line: str) -> int:
    return payer.read_text().splitlines().index(line) + 1


def problems(data_dir: Path, today: date = FIXTURE_TODAY) -> list:
    return validate(data_dir, today=today).problems


# The 64492/64495 shape: a period that ended, its successor from the next day, and the other settings.
SUCCESSION = """      - requirement: required
        program: Fixture hospital program
        settings: [hospital-outpatient]
        from: "2023-07-01"
        until: "2024-08-04"
      - requirement: not-required
        program: Fixture hospital program
        settings: [hospital-outpatient]
        from: "2024-08-05"
      - requirement: not-required
        settings: [office, asc]
"""


# --- what must pass -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entries",
    [
        SUCCESSION,
        # two programs both requiring it for the same claims: one answer, each with its own program
        """      - {requirement: required, program: Site-of-service review, settings: [asc]}
      - {requirement: required, program: State notice, settings: [asc, hospital-outpatient], states: [TX],
         from: "2020-08-01"}
""",
        # different requirements in different states, settings or periods
        """      - {requirement: required, settings: [office], states: [TX]}
      - {requirement: not-required, settings: [office], states: [OK]}
      - {requirement: not-required, settings: [asc]}
""",
        # an ended state-limited period whose successor names more states
        """      - {requirement: required, states: [TX], from: "2024-01-01", until: "2025-06-30"}
      - {requirement: not-required, states: [OK, TX], from: "2025-07-01"}
""",
        # an end date still to come is not a gap yet
        """      - {requirement: voluntary, program: Fixture program, from: "2026-01-15", until: "2026-02-01"}
""",
    ],
    ids=["succession", "two-programs-agree", "disjoint", "state-successor", "ends-today"],
)
def test_passing_prior_auth_lists(data_dir, entries):
    with_64484_prior_auth(data_dir, entries)
    assert problems(data_dir) == []


def test_a_rule_replaces_its_policys_list_before_periods_are_judged(data_dir):
    # The policy's open-ended requirement would clash with the rule's not-required entry if the lists were added
    # together; the model replaces the list, so there is nothing to report.
    with_policy_prior_auth(
        data_dir,
        """      - {requirement: required, program: Fixture hospital program, settings: [hospital-outpatient],
         from: "2023-07-01"}
""",
    )
    with_64484_prior_auth(data_dir, SUCCESSION)
    assert problems(data_dir) == []


# --- what must fail, and where --------------------------------------------------------------------------------


def test_an_inherited_clash_is_reported_once_at_the_policy(data_dir):
    payer = with_policy_prior_auth(
        data_dir,
        """      - {requirement: required, settings: [hospital-outpatient], from: "2023-07-01"}
      - {requirement: not-required, settings: [any], from: "2024-08-05"}
""",
    )
    [problem] = problems(data_dir)
    assert problem.code == "LCD037" and problem.severity == "error"
    assert problem.line == line_of(payer, '      - {requirement: not-required, settings: [any], from: "2024-08-05"}')
    assert "entries 1 (required) and 2 (not-required)" in problem.message
    assert "hospital outpatient departments from 2024-08-05 onwards" in problem.message
    assert 'end entry 1 the day before: until: "2024-08-04"' in problem.hint


def test_a_clash_in_a_policy_no_rule_inherits_is_left_to_lcd036(data_dir):
    with_policy_prior_auth(
        data_dir,
        """      - {requirement: required, settings: [asc]}
      - {requirement: not-required, settings: [asc]}
""",
    )
    payer = data_dir / "payers" / "fixture-mac.yaml"
    text = payer.read_text()
    for code in ('"62323"', '"64483"'):
        text = text.replace(
            f"  - code: {code}\n    policy: esi\n",
            f"  - code: {code}\n    policy: esi\n    prior_auth:\n      - {{requirement: not-required}}\n",
        )
    payer.write_text(text)
    with_64484_prior_auth(data_dir, "      - {requirement: not-required}\n")
    assert {p.code for p in problems(data_dir)} == {"LCD036"}


def test_the_same_day_at_both_ends_is_an_overlap(data_dir):
    with_64484_prior_auth(
        data_dir,
        """      - {requirement: required, settings: [asc], until: "2024-08-05"}
      - {requirement: not-required, settings: [asc], from: "2024-08-05"}
""",
    )
    [problem] = problems(data_dir)
    assert problem.code == "LCD037" and "in ASCs from 2024-08-05 to 2024-08-05" in problem.message


def test_an_ended_period_without_successor_is_a_warning_in_plain_words(data_dir, capsys):
    from lcdkb.cli import main

    payer = with_64484_prior_auth(
        data_dir,
        """      - requirement: required
        program: Fixture hospital program
        settings: [hospital-outpatient]
        from: "2023-07-01"
        until: "2024-08-04"
""",
    )
    [problem] = problems(data_dir)
    assert (problem.code, problem.severity) == ("LCD038", "warning")
    assert problem.line == line_of(payer, '        until: "2024-08-04"')
    assert problem.message == (
        "this prior authorization entry (required, Fixture hospital program) ended on 2024-08-04, and nothing is "
        "recorded in hospital outpatient departments from 2024-08-05, so lookups there answer Unknown"
    )
    assert 'requirement: not-required and from: "2024-08-05"' in problem.hint
    # a warning: validation still passes
    assert main(["validate", "--data", str(data_dir), "--today", "2026-02-01"]) == 0
    assert "LCD038 warning" in capsys.readouterr().out
    # judged on the day it ends, it has not ended yet
    assert [p for p in problems(data_dir, today=date(2024, 8, 4)) if p.code == "LCD038"] == []


def test_a_successor_for_some_states_leaves_the_others_unknown(data_dir):
    with_64484_prior_auth(
        data_dir,
        """      - {requirement: required, settings: [office], from: "2024-01-01", until: "2025-06-30"}
      - {requirement: not-required, settings: [office], states: [TX], from: "2025-07-01"}
""",
    )
    [problem] = problems(data_dir)
    assert problem.code == "LCD038"
    assert "nothing is recorded in offices in states other than TX from 2025-07-01" in problem.message


def test_backwards_dates_are_left_to_lcd032(data_dir):
    with_64484_prior_auth(
        data_dir,
        """      - {requirement: required, settings: [asc], from: "2025-01-01", until: "2024-01-01"}
      - {requirement: not-required, settings: [asc], from: "2024-06-01"}
""",
    )
    assert {p.code for p in problems(data_dir)} == {"LCD032"}


# --- the pure functions ---------------------------------------------------------------------------------------


def test_touching_periods_do_not_clash_and_leave_no_gap():
    entries = [
        {"requirement": "required", "settings": ["hospital-outpatient"], "from": "2023-07-01", "until": "2024-08-04"},
        {"requirement": "not-required", "settings": ["hospital-outpatient"], "from": "2024-08-05"},
    ]
    assert clashes(entries) == []
    assert gaps_after(entries, 0) == []


def test_any_and_no_settings_cover_every_setting():
    assert settings_of({"requirement": "required"}) == set(SETTINGS)
    assert settings_of({"requirement": "required", "settings": ["any", "office"]}) == set(SETTINGS)
    [clash] = clashes([{"requirement": "required"}, {"requirement": "not-required", "settings": ["home"]}])
    assert (clash.earlier, clash.later, clash.kind, clash.settings, clash.states) == (0, 1, "disagree", {"home"}, None)


def test_states_that_do_not_meet_never_clash():
    entries = [
        {"requirement": "required", "states": ["TX"]},
        {"requirement": "not-required", "states": ["OK"]},
    ]
    assert clashes(entries) == []


DAYS = [f"2024-0{m}-01" for m in range(1, 8)]
ENTRY = st.fixed_dictionaries(
    {"requirement": st.sampled_from(["required", "voluntary", "not-required"])},
    optional={
        "program": st.sampled_from(["A", "B"]),
        "settings": st.lists(st.sampled_from(["any", *SETTINGS]), min_size=1, max_size=3, unique=True),
        "states": st.lists(st.sampled_from(["TX", "OK", "IA"]), min_size=1, max_size=2, unique=True),
        "from": st.sampled_from(DAYS),
        "until": st.sampled_from(DAYS),
    },
).filter(lambda e: span_of(e)[0] <= span_of(e)[1])


def _in_effect(entries, day, setting, state):
    return [
        e
        for e in entries
        if span_of(e)[0] <= day <= span_of(e)[1]
        and setting in settings_of(e)
        and (states_of(e) is None or state in states_of(e))
    ]


def _probe_days():
    days = set()
    for day in DAYS:
        d = date.fromisoformat(day)
        days |= {(d - timedelta(days=1)).isoformat(), day, (d + timedelta(days=1)).isoformat()}
    return sorted(days)


@DERANDOMIZED
@given(st.lists(ENTRY, max_size=5))
def test_without_a_clash_every_claim_gets_one_requirement(entries):
    reported = {(c.earlier, c.later) for c in clashes(entries) if c.kind == "disagree"}
    seen = set()
    for day in _probe_days():
        for setting in SETTINGS:
            for state in ("TX", "OK", "IA"):
                hits = [i for i, e in enumerate(entries) if _in_effect([e], day, setting, state)]
                for later in hits:
                    for earlier in hits:
                        if earlier < later and entries[earlier]["requirement"] != entries[later]["requirement"]:
                            seen.add((earlier, later))
    assert reported == seen


@DERANDOMIZED
@given(st.lists(ENTRY, min_size=1, max_size=5))
def test_a_gap_is_reported_exactly_when_the_next_day_has_no_entry(entries):
    for index, entry in enumerate(entries):
        if "until" not in entry:
            continue
        day = (date.fromisoformat(entry["until"]) + timedelta(days=1)).isoformat()
        others = [e for k, e in enumerate(entries) if k != index]
        states = sorted(states_of(entry) or {"TX", "OK", "IA", "VA"})
        missing = {
            (setting, state)
            for setting in settings_of(entry)
            for state in states
            if not _in_effect(others, day, setting, state)
        }
        gaps = gaps_after(entries, index)
        assert bool(gaps) == bool(missing)
        for setting, _ in missing:
            assert any(setting in gap.settings for gap in gaps)


# --- the real data --------------------------------------------------------------------------------------------


def test_the_real_data_has_one_answer_everywhere_and_no_unknown_gaps():
    found = [p for p in validate(REPO / "lcd_data").problems if p.code in ("LCD037", "LCD038")]
    assert found == [], [p.as_text() for p in found]


@pytest.mark.parametrize("code", ["64492", "64495"])
def test_64492_and_64495_follow_each_other_without_overlap_or_gap(code):
    kb = api.load(REPO / "lcd_data")
    rule = kb.rule("medicare-national", code)
    assert rule is not None
    entries = rule.facts["prior_auth"]
    assert clashes(entries) == []
    assert [gaps_after(entries, i) for i in range(len(entries))] == [[]] * len(entries)
    opd = "hospital-outpatient"
    assert answers.prior_auth(rule, opd, date(2023, 6, 30)).status == answers.UNKNOWN
    assert answers.prior_auth(rule, opd, date(2023, 7, 1)).status == answers.REQUIRED
    assert answers.prior_auth(rule, opd, date(2024, 8, 4)).status == answers.REQUIRED
    assert answers.prior_auth(rule, opd, date(2024, 8, 5)).status == answers.NOT_REQUIRED
    for setting in ("office", "asc"):
        assert answers.prior_auth(rule, setting, date(2024, 1, 1)).status == answers.NOT_REQUIRED
