"""lcdkb check on the bundled data: each denial the issue names is caught, with the rule and source behind it."""

import pytest

from conftest import REPO
from lcdkb import api
from lcdkb.claims.engine import check_claims
from lcdkb.claims.lines import parse_line

DAY = "2026-12-01"


@pytest.fixture(scope="module")
def kb():
    return api.load(REPO / "lcd_data")


def run(kb, *lines, **shared):
    claim = [parse_line({"claim_id": "c1", "date_of_service": DAY, **shared, **line}) for line in lines]
    return check_claims(kb, claim)


def found(findings, severity, group):
    return [f for f in findings if f.severity == severity and f.group == group]


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
    assert "modifier 50" in finding.message and finding.rule_id == "medicare-jh/64483" and finding.sources


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


def test_too_many_transforaminal_levels(kb):
    findings = run(
        kb,
        {"code": "64483"},
        {"code": "64484", "units": "2"},
        payer_id="medicare-jh",
        diagnoses="M54.16",
        prior_auth="yes",
    )
    assert any("3 levels" in f.message for f in found(findings, "error", "units-frequency"))


def test_add_on_without_its_primary(kb):
    [finding] = found(
        run(kb, {"code": "64484", "diagnoses": "M54.16"}, payer_id="medicare-jh", prior_auth="yes"), "error", "coding"
    )
    assert "without its primary code (64483)" in finding.message


def test_facet_block_in_hospital_outpatient_without_prior_authorization(kb):
    findings = run(kb, {"code": "64493", "diagnoses": "M47.816"}, state="FL", place_of_service="22", prior_auth="no")
    [finding] = found(findings, "error", "prior-authorization")
    assert finding.rule_id == "medicare-national/64493" and "OPD prior authorization" in finding.message
    office = run(kb, {"code": "64493", "diagnoses": "M47.816"}, state="FL", place_of_service="11", prior_auth="no")
    assert not found(office, "error", "prior-authorization")


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


def test_unknown_payer_is_reported_on_the_claim_not_a_crash(kb):
    [finding] = run(kb, {"code": "64483"}, payer_id="medicare-zz")
    assert finding.severity == "error" and "unknown payer 'medicare-zz'" in finding.message


def test_interlaminar_and_transforaminal_in_one_region_is_pointed_out_without_claiming_a_rule(kb):
    findings = run(
        kb, {"code": "62323"}, {"code": "64483"}, payer_id="medicare-jh", diagnoses="M54.16", prior_auth="yes"
    )
    [note] = [f for f in findings if f.group == "bundled"]
    assert note.severity == "info" and note.rule_id is None and "No rule recorded" in note.message
