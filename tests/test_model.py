"""The resolved model: policy inheritance, sources, states and confidence."""

import pytest

from conftest import FIXTURE_TODAY, REPO, VALID
from lcdkb.model import build_model
from lcdkb.validate import validate


@pytest.fixture(scope="module")
def kb():
    return build_model(validate(VALID, today=FIXTURE_TODAY))


def test_rule_inherits_policy_facts_and_overrides_them(kb):
    rule = kb.rules_for("62323", "fixture-mac")[0]
    assert rule.facts["frequency"]["max_sessions"] == 4  # from the policy
    assert rule.facts["levels_per_session"] == {"max": 1, "confidence": "verified-secondary"}  # stated on the rule
    assert rule.policy == "esi" and rule.policy_title == "Fixture epidural policy"
    assert [s.id for s in rule.sources] == ["L00001", "A00001", "DL00001", "summary-1"]  # the last two: facts cite them


def test_each_fact_gets_an_explicit_confidence(kb):
    facts = kb.rules_for("62323", "fixture-mac")[0].facts
    assert facts["frequency"]["confidence"] == "verified-secondary"  # its own source, A00001
    assert facts["repeat_criteria"]["confidence"] == "unverified"  # stated by the author
    assert facts["not_same_session"][0]["confidence"] == "conflicting"  # its source, summary-1
    assert facts["coverage"]["confidence"] == "verified-secondary"  # weakest of the policy's L00001, A00001


def test_review_interval_defaults_to_the_file_and_can_be_overridden(kb):
    intervals = {r.code: r.review_interval_days for r in kb.rules_for(payer_id="fixture-mac")}
    assert intervals == {"62323": 90, "64483": 60, "64484": 90}


def test_medicare_payer_states_come_from_its_jurisdiction(kb):
    assert kb.payers["fixture-mac"].states == ("TX", "OK")
    assert kb.payers["fixture-commercial"].states == ("TX", "VA")
    assert kb.jurisdiction_for_state("VA") == "JM"


def test_confidence_is_the_weakest_of_sources_and_facts(kb):
    assert kb.rules_for("62323", "fixture-mac")[0].confidence == "conflicting"  # not_same_session cites summary-1
    assert kb.rules_for("64484", "fixture-mac")[0].confidence == "unverified"  # repeat_criteria is unverified
    assert kb.rules_for("G3002")[0].confidence == "verified-primary"


def test_rules_are_sorted_and_identified(kb):
    assert [r.id for r in kb.rules] == [
        "fixture-commercial/G3002",
        "fixture-mac/62323",
        "fixture-mac/64483",
        "fixture-mac/64484",
    ]


def test_bundled_data_builds_a_model_with_texas_rules():
    kb = build_model(validate(REPO / "lcd_data"))
    payer = kb.payers["medicare-" + kb.jurisdiction_for_state("TX").lower()]
    rule = kb.rules_for("64483", payer.id)[0]
    assert rule.facts["levels_per_session"]["max"] == 2
    assert any(s.id == "L36920" for s in rule.sources)
