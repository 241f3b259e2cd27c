"""lcdkb check on the bundled data: each denial the issue names is caught, with the rule and source behind it, and
nothing is said that the data does not state."""

import itertools
import re

import pytest

from conftest import REPO
from lcdkb import api
from lcdkb.claims.checks import levels
from lcdkb.claims.engine import check_claims
from lcdkb.claims.lines import parse_line
from lcdkb.lookup import LookupError, find_payer, find_state, rules_for

DAY = "2026-12-01"


@pytest.fixture(scope="module")
def kb():
    return api.load(REPO / "lcd_data")


def run(kb, *lines, **shared):
    claim = [
        parse_line({"claim_id": "c1", "date_of_service": DAY, **shared, **line}, number)
        for number, line in enumerate(lines, 2)
    ]
    return check_claims(kb, claim)


def found(findings, severity, group):
    return [f for f in findings if f.severity == severity and f.group == group]


def cites(kb, rule_id, source_id):
    """How a finding cites one of the rule's sources: its address, else its ID."""
    payer, code = rule_id.split("/")
    source = next(s for s in kb.rule(payer, code).sources if s.id == source_id)
    return source.url or source.id


def test_a_clean_claim_has_no_findings(kb):
    assert (
        run(
            kb,
            {"code": "64483", "diagnoses": "M54.16"},
            {"code": "64484", "diagnoses": "M54.16"},
            payer_id="medicare-jh",
            state="TX",
            place_of_service="11",
            prior_auth="yes",
        )
        == []
    )


def test_bilateral_transforaminal_on_rt_and_lt_lines_instead_of_50(kb):
    findings = run(
        kb,
        {"code": "64483", "modifiers": "RT"},
        {"code": "64483", "modifiers": "LT"},
        payer_id="medicare-jh",
        diagnoses="M54.16",
        prior_auth="yes",
    )
    [finding] = found(findings, "error", "modifier")
    assert "modifier 50" in finding.message and finding.rule_id == "medicare-jh/64483"
    assert finding.sources == (cites(kb, "medicare-jh/64483", "verity-A56681"),)


def test_interlaminar_with_modifier_50(kb):
    [finding] = found(
        run(kb, {"code": "62323", "modifiers": "50", "diagnoses": "M54.16"}, payer_id="medicare-jh", prior_auth="yes"),
        "error",
        "modifier",
    )
    assert "modifier 50 is not allowed on 62323" in finding.message


def test_epidural_with_only_axial_back_pain(kb):
    [finding] = found(
        run(kb, {"code": "64483", "diagnoses": "M54.50"}, payer_id="medicare-jh", prior_auth="yes"),
        "warning",
        "diagnosis",
    )
    assert "M54.50" in finding.message and "M54.16" in finding.message


def test_myalgia_without_its_fourth_character(kb):
    [finding] = found(run(kb, {"code": "20552", "diagnoses": "M79.1"}, payer_id="medicare-jh"), "error", "diagnosis")
    assert "M79.10" in finding.message and "2022-10-01" in finding.message


def test_both_trigger_point_codes_in_one_session(kb):
    findings = run(kb, {"code": "20552"}, {"code": "20553"}, payer_id="medicare-jh", diagnoses="M79.18")
    assert {f.code for f in found(findings, "error", "bundled")} == {"20552", "20553"}


def test_cervical_and_lumbar_epidurals_in_one_session(kb):
    findings = run(
        kb, {"code": "62321"}, {"code": "64483"}, payer_id="medicare-jh", diagnoses="M54.16 M54.12", prior_auth="yes"
    )
    assert found(findings, "error", "units-frequency") or found(findings, "error", "bundled")


def test_units_over_the_limit(kb):
    findings = found(
        run(kb, {"code": "62323", "units": "2", "diagnoses": "M54.16"}, payer_id="medicare-jh", prior_auth="yes"),
        "error",
        "units-frequency",
    )
    by_rule = {f.rule_id: f.message for f in findings}
    assert by_rule["medicare-national/62323"] == "2 units of 62323; the limit is 1 (MUE)"
    assert by_rule["medicare-jh/62323"] == "2 levels of 62323 in one session; the limit is 1"


def test_add_on_without_its_primary(kb):
    [finding] = found(
        run(kb, {"code": "64484", "diagnoses": "M54.16"}, payer_id="medicare-jh", prior_auth="yes"), "error", "coding"
    )
    assert "without its primary code (64483)" in finding.message


def test_chronic_pain_management_time_and_add_on(kb):
    short = run(kb, {"code": "G3002", "minutes": "20", "diagnoses": "G89.4"}, state="OH")
    assert any("under the 30-minute threshold" in f.message for f in found(short, "error", "medical-necessity"))
    alone = run(kb, {"code": "G3003", "minutes": "15", "diagnoses": "G89.4"}, state="OH")
    assert any("without its primary code (G3002)" in f.message for f in found(alone, "error", "coding"))


def test_a_code_the_payer_does_not_cover(kb):
    findings = run(
        kb,
        {"code": "64493", "diagnoses": "M47.816"},
        {"code": "64494"},
        {"code": "64495"},
        payer_id="medicare-j15",
        prior_auth="yes",
        place_of_service="11",
    )
    assert [f.code for f in found(findings, "error", "non-covered")] == ["64495"]


# --- prior authorization: the explicit answers of lcdkb.answers ---------------------------------------------------


def prior_auth(findings):
    return [f for f in findings if f.group == "prior-authorization"]


def test_required_prior_authorization_with_none_on_file_is_an_error(kb):
    # medicare-national/64493: OPD prior authorization in hospital outpatient departments since 2023-07-01.
    findings = run(kb, {"code": "64493", "diagnoses": "M47.816"}, state="FL", place_of_service="22", prior_auth="no")
    [finding] = prior_auth(findings)
    assert finding.severity == "error" and finding.rule_id == "medicare-national/64493"
    assert "OPD prior authorization" in finding.message and "none is on file" in finding.message
    assert finding.sources == (cites(kb, "medicare-national/64493", "cms-opd-prior-auth"),)


def test_required_prior_authorization_not_said_names_the_program_and_asks_to_confirm(kb):
    [finding] = prior_auth(run(kb, {"code": "64493", "diagnoses": "M47.816"}, state="FL", place_of_service="22"))
    assert finding.severity == "warning" and finding.rule_id == "medicare-national/64493"
    assert finding.message == (
        "prior authorization (OPD prior authorization) is required for 64493 in a hospital outpatient department "
        "on 2026-12-01; confirm the authorization is on file"
    )
    assert finding.sources == (cites(kb, "medicare-national/64493", "cms-opd-prior-auth"),)


def test_a_required_programme_is_named_whole(kb):
    # Anthem: prior authorization through Carelon's musculoskeletal programme, in every setting.
    [finding] = prior_auth(run(kb, {"code": "64483", "diagnoses": "M54.16"}, payer_id="anthem", place_of_service="11"))
    assert finding.severity == "warning" and finding.rule_id == "anthem/64483"
    assert finding.message.startswith(
        "prior authorization, Carelon Medical Benefits Management (formerly AIM) musculoskeletal program, is "
        "required for 64483 in the office on 2026-12-01; confirm the authorization is on file"
    )
    assert finding.sources == (cites(kb, "anthem/64483", "anthem-ipm-update-2020-08-16"),)


def test_not_required_in_the_office_says_nothing(kb):
    # The same rule: the OPD programme does not apply to offices (noridian-je-opd-facet).
    for answer in ("no", ""):
        findings = run(
            kb, {"code": "64493", "diagnoses": "M47.816"}, state="FL", place_of_service="11", prior_auth=answer
        )
        assert prior_auth(findings) == []


def test_the_date_of_service_decides(kb):
    # 64492: on the OPD list from 2023-07-01 until the CMS update dated 2024-08-05, not required since.
    def opd(day, answer="no"):
        claim = [
            parse_line(
                {"claim_id": "c1", "date_of_service": day, "code": code, "state": "FL", "place_of_service": "22"}
                | {"prior_auth": answer, "diagnoses": "M47.812"}
            )
            for code in ("64490", "64491", "64492")
        ]
        return [f for f in prior_auth(check_claims(kb, claim)) if f.code == "64492"]

    [before] = opd("2024-08-04")
    assert before.severity == "error" and before.rule_id == "medicare-national/64492"
    assert opd("2024-08-05") == [] and opd("2026-12-01") == []


def test_unknown_prior_authorization_is_a_warning_to_confirm_with_the_payer(kb):
    # Aetna's rule for 64483 records no prior-authorization fact at all: never read as "not required".
    [finding] = prior_auth(run(kb, {"code": "64483", "diagnoses": "M54.16"}, payer_id="aetna", place_of_service="24"))
    assert finding.severity == "warning" and finding.rule_id == "aetna/64483"
    assert finding.message == (
        "confirm whether Aetna (commercial plans) requires prior authorization for 64483 in an ASC on 2026-12-01: no "
        "prior-authorization fact is recorded for 64483 in an ASC on 2026-12-01"
    )
    assert finding.sources == ()  # nothing states it, so nothing is cited
    on_file = run(kb, {"code": "64483", "diagnoses": "M54.16"}, payer_id="aetna", place_of_service="24", prior_auth="y")
    assert prior_auth(on_file) == []


def test_a_conditional_answer_says_the_condition(kb):
    # WISeR: voluntary prior authorization for Novitas JH's ESI codes in Texas and Oklahoma from 2026-01-15.
    texas = prior_auth(run(kb, {"code": "64483", "diagnoses": "M54.16"}, state="TX", place_of_service="11"))
    [finding] = texas
    assert finding.severity == "warning" and finding.rule_id == "medicare-jh/64483"
    assert finding.message == (
        "confirm whether Novitas Solutions, Medicare Jurisdiction H requires prior authorization for 64483 in the "
        "office on 2026-12-01: depends: voluntary prior authorization (WISeR model) from 2026-01-15 until 2031-12-31"
    )
    assert finding.sources == (cites(kb, "medicare-jh/64483", "wiser-operational-guide"),)
    [anywhere] = prior_auth(run(kb, {"code": "64483", "diagnoses": "M54.16"}, payer_id="medicare-jh"))
    assert "depends: voluntary only in OK, TX (WISeR model)" in anywhere.message
    arkansas = run(kb, {"code": "64483", "diagnoses": "M54.16"}, state="AR", place_of_service="11")
    assert [f.message.split(": ", 1)[1] for f in prior_auth(arkansas)] == [
        "no prior-authorization fact is recorded for 64483 in the office on 2026-12-01"
    ]


def test_without_a_place_of_service_answers_that_differ_by_setting_are_listed(kb):
    [finding] = prior_auth(run(kb, {"code": "64493", "diagnoses": "M47.816"}, state="FL"))
    assert finding.severity == "warning" and finding.rule_id == "medicare-national/64493"
    assert "it depends on the place of service" in finding.message
    assert "a hospital outpatient department: Required (OPD prior authorization)" in finding.message
    assert "the office: Not required" in finding.message and "give place_of_service" in finding.message


# --- diagnoses from the catalogue, for every code and payer ------------------------------------------------------


def test_low_back_pain_m54_5_is_not_billable_from_2021_10_01(kb):
    entry = kb.diagnoses["M54.5"]
    sources = tuple(kb.catalogue_sources[i].url for i in entry["sources"])
    for payer in ("medicare-jh", "aetna", "unitedhealthcare"):
        [finding] = found(run(kb, {"code": "64483", "diagnoses": "M54.5"}, payer_id=payer), "error", "diagnosis")
        assert finding.message.startswith(
            "M54.5 is not a billable ICD-10-CM code for dates of service from 2021-10-01; use M54.50, M54.51 or M54.59"
        )
        assert finding.rule_id is None and finding.sources == sources
        assert "https://www.mpamedia.com/mpacms/at/article.php?id=34114" in finding.sources


def test_m54_5_is_fine_the_day_before(kb):
    for payer in ("medicare-jh", "aetna"):
        values = {"claim_id": "c1", "date_of_service": "2021-09-30", "code": "64483", "payer_id": payer}
        findings = check_claims(kb, [parse_line({**values, "diagnoses": "M54.5"})])
        assert findings and not any("not a billable" in f.message for f in findings)


def test_a_non_billable_diagnosis_is_flagged_even_where_no_payer_lists_diagnoses(kb):
    # Aetna records no rule for G3002, and so no diagnosis list: the catalogue still applies.
    findings = run(kb, {"code": "G3002", "diagnoses": "M54.5", "minutes": "40"}, payer_id="aetna")
    assert [f.message.split(";")[0] for f in found(findings, "error", "diagnosis")] == [
        "M54.5 is not a billable ICD-10-CM code for dates of service from 2021-10-01"
    ]
    assert any(f.group == "coding" and "no rule is recorded for G3002 with Aetna" in f.message for f in findings)


# --- bilateral procedures and levels ------------------------------------------------------------------------------


def test_rt_and_lt_at_one_level_count_as_one_bilateral_level(kb):
    # Noridian JE facet rule (rubric-facet-je): at most 2 levels per session, "a bilateral block at one level
    # counts as one level", reported with modifier 50.
    rule = kb.rule("medicare-je", "64493")
    assert (
        rule.facts["levels_per_session"]["max"] == 2
        and "counts as one level" in rule.facts["levels_per_session"]["note"]
    )
    sides = [{"code": code, "modifiers": side} for code in ("64493", "64494") for side in ("RT", "LT")]
    findings = run(kb, *sides, state="CA", place_of_service="11", diagnoses="M47.816", prior_auth="yes")
    assert not [f for f in findings if "levels" in f.message]  # two levels, both sides: within the limit
    modifier = found(findings, "error", "modifier")
    assert {f.rule_id for f in modifier} == {"medicare-je/64493", "medicare-je/64494"}
    assert all(f.sources == (cites(kb, f.rule_id, "rubric-facet-je"),) for f in modifier)


def test_bilateral_levels_with_modifier_50(kb):
    two = [{"code": "64493", "modifiers": "50"}, {"code": "64494", "modifiers": "50"}]
    findings = run(kb, *two, state="CA", place_of_service="11", diagnoses="M47.816", prior_auth="yes")
    assert not found(findings, "error", "units-frequency") and not found(findings, "error", "modifier")
    three = run(
        kb,
        *two,
        {"code": "64495", "modifiers": "50"},
        state="CA",
        place_of_service="11",
        diagnoses="M47.816",
        prior_auth="yes",
    )
    [too_many] = [f for f in three if "levels" in f.message]
    assert too_many.severity == "error" and too_many.rule_id == "medicare-je/64493"
    assert too_many.message == "3 levels of 64493, 64494, 64495 in one session; the limit is 2"
    assert too_many.sources == (cites(kb, "medicare-je/64493", "rubric-facet-je"),)


def test_add_on_units_are_more_levels(kb):
    # Novitas JH 64483 (verity-A56681): "Counts the first level plus at most one added level".
    findings = run(
        kb,
        {"code": "64483"},
        {"code": "64484", "units": "2"},
        payer_id="medicare-jh",
        diagnoses="M54.16",
        prior_auth="yes",
    )
    [finding] = [f for f in found(findings, "error", "units-frequency") if "levels" in f.message]
    assert finding.message == "3 levels of 64483, 64484 in one session; the limit is 2"
    assert finding.rule_id == "medicare-jh/64483"
    assert finding.sources == (cites(kb, "medicare-jh/64483", "verity-A56681"),)


def test_bilateral_transforaminal_levels_on_rt_and_lt_lines(kb):
    sides = [{"code": code, "modifiers": side} for code in ("64483", "64484") for side in ("RT", "LT")]
    findings = run(kb, *sides, payer_id="medicare-jh", diagnoses="M54.16", prior_auth="yes")
    assert not [f for f in findings if "levels" in f.message]
    more = sides + [{"code": "64484", "modifiers": "RT", "units": "1"}, {"code": "64484", "modifiers": "LT"}]
    [finding] = [f for f in run(kb, *more, payer_id="medicare-jh", diagnoses="M54.16") if "levels" in f.message]
    assert finding.message == (
        "3 levels of 64483, 64484 in one session; the limit is 2; RT and LT lines of one code count as one "
        "bilateral level"
    )


def test_levels_arithmetic():
    def line(code, modifiers="", units="1"):
        return parse_line(
            {
                "claim_id": "c",
                "date_of_service": DAY,
                "state": "TX",
                "code": code,
                "modifiers": modifiers,
                "units": units,
            }
        )

    family = {"64483", "64484"}
    assert levels([line("64483", "RT"), line("64483", "LT")], family) == (1, True)
    assert levels([line("64483", "50"), line("64484", "50", "2")], family) == (3, False)
    assert levels(
        [line("64483", "RT"), line("64483", "LT"), line("64484", "RT", "2"), line("64484", "LT")], family
    ) == (
        3,
        True,
    )
    assert levels([line("64483"), line("64483", "RT")], family) == (2, False)


def test_rt_and_lt_lines_are_fine_where_the_rule_records_them_for_bilateral(kb):
    # NGS's facet article names -50 or RT/LT for bilateral reporting, and medicare-j6's rule records RT and LT as
    # allowed for bilateral: RT and LT lines are not flagged there. Without those entries they would be.
    rule = kb.rule("medicare-j6", "64493")
    assert {m["code"] for m in rule.facts["modifiers"] if m.get("when") == "bilateral"} >= {"RT", "LT"}
    sides = [{"code": "64493", "modifiers": side} for side in ("RT", "LT")]
    now = run(kb, *sides, payer_id="medicare-j6", diagnoses="M47.816", prior_auth="yes")
    assert found(now, "error", "modifier") == []
    without = [m for m in rule.facts["modifiers"] if m["code"] not in ("RT", "LT")]
    changed = rule.replace(facts={**rule.facts, "modifiers": without})
    other = kb.replace(rules=[changed if r is rule else r for r in kb.rules])
    before = run(other, *sides, payer_id="medicare-j6", diagnoses="M47.816", prior_auth="yes")
    assert [f.rule_id for f in found(before, "error", "modifier")] == ["medicare-j6/64493"]


# --- interlaminar and transforaminal epidurals in one region ------------------------------------------------------

PAIRS = [("62323", "64483"), ("62321", "64479")]


@pytest.mark.parametrize("interlaminar, transforaminal", PAIRS)
def test_both_approaches_in_one_region_without_a_rule_is_a_warning(kb, interlaminar, transforaminal):
    findings = run(
        kb,
        {"code": interlaminar},
        {"code": transforaminal},
        payer_id="medicare-jh",
        diagnoses="M54.16 M54.12",
        prior_auth="yes",
    )
    [warning] = [f for f in findings if f.group == "bundled" and f.rule_id is None]
    region = kb.codes[interlaminar]["region"].replace("-", "/")
    assert warning.severity == "warning" and warning.code == interlaminar
    assert warning.message == (
        f"{interlaminar} with {transforaminal}: an interlaminar and a transforaminal epidural in the same ({region}) "
        "region on one date. No rule is recorded for Novitas Solutions, Medicare Jurisdiction H on billing both "
        "approaches in one session; document the medical necessity of both approaches (and check the NCCI edits)"
    )


def test_every_interlaminar_and_transforaminal_pair_gets_a_rule_or_the_warning(kb):
    """For each payer and each same-region pair from the code catalogue: the payer's rule (a bundled finding that
    cites it) or the warning that no rule is recorded, never silence."""
    codes = kb.codes
    pairs = [
        (a, b)
        for a, b in itertools.product(codes, codes)
        if codes[a].get("family") == "epidural-interlaminar"
        and codes[b].get("family") == "epidural-transforaminal"
        and codes[a]["region"] == codes[b]["region"]
        and not codes[b].get("add_on_of")
    ]
    assert ("62323", "64483") in pairs and ("62321", "64479") in pairs and len(pairs) == 4
    for payer, (a, b) in itertools.product(sorted(kb.payers), pairs):
        bundled = [
            f for f in run(kb, {"code": a}, {"code": b}, payer_id=payer, diagnoses="M54.16") if f.group == "bundled"
        ]
        warned = [f for f in bundled if f.rule_id is None]
        ruled = [f for f in bundled if f.rule_id is not None and {a, b} <= set(f.message.replace(",", " ").split())]
        assert bool(warned) != bool(ruled), (payer, a, b, bundled)


# --- input: unknown codes, payers and states ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, message",
    [
        ({"code": "64438", "state": "TX"}, "unknown code '64438' (did you mean 64493 or 64484 or 64483?)"),
        ({"code": "64483", "payer_id": "medicare-zz"}, "unknown payer 'medicare-zz' (did you mean"),
        ({"code": "64483", "state": "TXX"}, "unknown state 'TXX' (did you mean TX?)"),
    ],
)
def test_an_unknown_code_payer_or_state_is_refused_not_a_finding(kb, values, message):
    with pytest.raises(LookupError, match=re.escape("input line 7: " + message)):
        check_claims(kb, [parse_line({"claim_id": "c1", "date_of_service": DAY, **values}, 7)])


# --- every finding cites the source that states it ----------------------------------------------------------------

CODE_SETS = [
    ["64483", "64484"],
    ["62323", "64483"],
    ["62321", "64479", "64480"],
    ["62322"],
    ["64490", "64491", "64492"],
    ["64493", "64494", "64495"],
    ["64633", "64634"],
    ["64635", "64636"],
    ["20552", "20553"],
    ["G3002", "G3003"],
]
VARIANTS = [
    {"modifiers": "", "place_of_service": "", "prior_auth": "", "diagnoses": "M54.16"},
    {"modifiers": "50", "place_of_service": "22", "prior_auth": "no", "diagnoses": "M54.5"},
    {"modifiers": "RT", "place_of_service": "11", "prior_auth": "", "diagnoses": "M47.816 M79.1", "units": "2"},
    {"modifiers": "LT", "place_of_service": "24", "prior_auth": "yes", "diagnoses": "M79.18", "minutes": "20"},
]


def broad_claims(kb):
    """Claims on every payer (with a state of its own when it has states) and on Medicare by state alone."""
    whos = [{"payer_id": p.id, "state": p.states[0] if p.states else ""} for p in kb.payers.values()]
    whos += [{"state": state} for state in ("TX", "FL", "OH", "CA", "VA", "NY")]
    for number, (who, codes, variant) in enumerate(itertools.product(whos, CODE_SETS, VARIANTS)):
        lines = [{"code": code, **variant} for code in codes]
        if variant["modifiers"] == "RT":  # both sides, on two lines each
            lines += [{**line, "modifiers": "LT"} for line in lines]
        yield [
            parse_line({"claim_id": f"c{number}", "date_of_service": DAY, **who, **line}, i)
            for i, line in enumerate(lines, 2)
        ]


def test_every_finding_cites_a_source_of_its_own_rule_for_the_lines_payer_and_code(kb):
    catalogue = {s.url or s.id for s in kb.catalogue_sources.values()}
    checked = with_rule = 0
    for claim in broad_claims(kb):
        first = claim[0]
        state = find_state(kb, first.state) if first.state else None
        payer = find_payer(kb, first.payer_id, state) if first.payer_id else None
        lines = {line.line_no: line for line in claim}
        for finding in check_claims(kb, claim):
            checked += 1
            line = lines[finding.line_no]
            assert finding.code == line.code
            if finding.rule_id is None:
                assert finding.group in ("diagnosis", "coding", "bundled"), finding
                assert set(finding.sources) <= catalogue, finding
                continue
            with_rule += 1
            rule = next(r for r in rules_for(kb, line.code, payer, state) if r.id == finding.rule_id)
            assert rule.code == line.code
            assert set(finding.sources) <= {s.url or s.id for s in rule.sources}, finding
            unknown = (
                finding.group == "prior-authorization"
                and finding.message.startswith("confirm whether")
                and ("no prior-authorization fact is recorded" in finding.message)
            )
            assert finding.sources or unknown, finding  # only "nothing is recorded" cites nothing
    assert checked > 5000 and with_rule > 3000
