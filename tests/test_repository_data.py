"""The bundled data set and the published schemas."""

import json

from jsonschema import Draft202012Validator

from conftest import REPO
from lcdkb.validate import validate


def test_bundled_data_has_no_errors():
    result = validate(REPO / "lcd_data")
    errors = [p.as_text() for p in result.problems if p.severity == "error"]
    assert errors == []
    assert len(result.context.payers) >= 2


def test_every_schema_is_a_valid_draft_2020_12_schema():
    schemas = sorted((REPO / "schema").glob("*.schema.json"))
    assert len(schemas) == 9
    for path in schemas:
        Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_no_code_would_lose_a_leading_zero_in_a_spreadsheet():
    # docs/consumers.md promises this for rules.csv: all-digit codes with a leading zero would turn into numbers.
    from lcdkb.strict_yaml import parse_yaml

    codes = parse_yaml((REPO / "lcd_data" / "catalog" / "codes.yaml").read_text(encoding="utf-8")).data["codes"]
    assert not [c["code"] for c in codes if c["code"].isdigit() and c["code"].startswith("0")]


def test_every_jurisdiction_has_epidural_facet_and_trigger_point_rules_citing_an_lcd():
    from lcdkb.model import build_model

    kb = build_model(validate(REPO / "lcd_data"))
    for state in kb.states:
        assert kb.jurisdiction_for_state(state), state
    for jurisdiction in kb.jurisdictions:
        payer_id = f"medicare-{jurisdiction.lower()}"
        assert kb.payers[payer_id].jurisdiction == jurisdiction
        for code in ("62323", "64483", "64493", "64635", "20552"):
            rule = kb.rule(payer_id, code)
            assert rule is not None, (payer_id, code)
            assert any(s.type == "LCD" and s.url for s in rule.sources), (payer_id, code)


def test_the_major_commercial_payers_are_present():
    from lcdkb.model import build_model

    kb = build_model(validate(REPO / "lcd_data"))
    for payer_id in ("unitedhealthcare", "aetna", "cigna", "anthem", "humana"):
        assert kb.payers[payer_id].kind == "commercial" and kb.rules_for(payer_id=payer_id), payer_id
