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
    assert len(schemas) == 8
    for path in schemas:
        Draft202012Validator.check_schema(json.loads(path.read_text()))
