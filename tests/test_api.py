"""The Python API consumers use: load YAML or an export, then query."""

from datetime import date

import pytest

from conftest import VALID
from export_helpers import render
from lcdkb import api


@pytest.fixture(scope="module")
def kb():
    return api.load(VALID)


def test_load_reports_bad_data_with_every_problem(data_dir):
    mac = data_dir / "payers" / "fixture-mac.yaml"
    mac.write_text(mac.read_text().replace("max_sessions: 4", "max_sessions: four").replace('"64484"', '"99999"'))
    with pytest.raises(api.DataError) as raised:
        api.load(data_dir)
    assert {p.code for p in raised.value.problems if p.severity == "error"} == {"LCD010"}
    assert "fixture-mac.yaml" in str(raised.value)


def test_rules_for_a_state_include_its_mac_and_the_payers_listing_it(kb):
    assert [r.id for r in kb.rules_for_state("TX", "64483")] == ["fixture-mac/64483"]
    assert [r.id for r in kb.rules_for_state("VA")] == ["fixture-commercial/G3002"]
    assert kb.rules_for_state("PR") == []


def test_prior_auth_in_effect_respects_dates_settings_and_states(kb):
    rule = kb.rule("fixture-mac", "64483")
    assert api.prior_auth_in_effect(rule, on=date(2026, 1, 14)) == []
    assert len(api.prior_auth_in_effect(rule, on=date(2026, 2, 1), setting="office", state="TX")) == 1
    assert api.prior_auth_in_effect(rule, on=date(2026, 2, 1), setting="hospital-outpatient") == []
    assert api.prior_auth_in_effect(rule, on=date(2026, 2, 1), state="OK") == []


def test_payers_requiring_prior_auth(kb):
    on = date(2026, 2, 1)
    assert api.payers_requiring_prior_auth(kb, "64483", on=on) == []  # WISeR-style is voluntary
    assert [p.id for p in api.payers_requiring_prior_auth(kb, "64483", on=on, voluntary=True)] == ["fixture-mac"]
    assert api.payers_requiring_prior_auth(kb, "64483", on=on, state="OK", voluntary=True) == []


def test_an_export_loads_into_the_same_answers(tmp_path, kb):
    path = tmp_path / "all.json"
    path.write_bytes(render()["all.json"])
    from_export = api.load_export(path)
    assert [r.id for r in from_export.rules_for_state("TX", "64483")] == ["fixture-mac/64483"]
    assert from_export.rule("fixture-mac", "62323").facts == kb.rule("fixture-mac", "62323").facts


def test_load_export_rejects_other_files(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"schema_version": "2.0.0"}')
    with pytest.raises(ValueError, match="not an lcdkb API v1 export"):
        api.load_export(path)


def test_load_export_reads_a_state_file_with_its_rules(tmp_path):
    """A state file keeps its rules in v1 (1.2.0 only adds rule_refs), so loading it gives them."""
    path = tmp_path / "TX.json"
    path.write_bytes(render()["states/TX.json"])
    assert {r.payer_id for r in api.load_export(path).rules} == {"fixture-commercial", "fixture-mac"}
