"""Nothing lost: every authored value reaches the export, and an export reads back into the same model."""

import json

import pytest

from conftest import REPO, VALID
from export_helpers import EPOCH, doc, fixture_kb, render
from lcdkb.exports.reader import knowledge_base_from_export
from lcdkb.exports.render import render_export
from lcdkb.strict_yaml import parse_yaml

RENAMED = {
    "interval_days": {"review_interval_days"},
    "title": {"title", "policy_title"},
    "sources": {"id"},
    "source": {"source", "id"},
}


def pairs(value, key=None):
    """(key, scalar) for every leaf; list items take their list's key."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from pairs(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from pairs(item, key)
    else:
        yield key, value


def missing_values(authored: dict, exported: dict) -> list:
    have = set(pairs(exported))
    return [(k, v) for k, v in pairs(authored) if not any((name, v) in have for name in RENAMED.get(k, {k}))]


def payer_files(root):
    return sorted((root / "payers").glob("*.yaml"))


def authored(path):
    return parse_yaml(path.read_text(encoding="utf-8")).data


@pytest.mark.parametrize("root", [VALID, REPO / "lcd_data"], ids=["fixtures", "bundled-data"])
def test_every_authored_value_reaches_the_payer_export(root):
    files = render_export(fixture_kb(root), environ=EPOCH)
    for path in payer_files(root):
        data = authored(path)
        exported = doc(files, f"payers/{data['payer']['id']}.json")
        assert missing_values(data, exported) == [], path.name
    all_doc = doc(files, "all.json")
    for path in sorted((root / "catalog").glob("*.yaml")):
        assert missing_values(authored(path), all_doc) == [], path.name


def test_a_dropped_value_would_be_noticed():
    data = authored(VALID / "payers" / "fixture-mac.yaml")
    exported = doc(render(), "payers/fixture-mac.json")
    exported["rules"][0]["units"]["mai"] = 3
    assert ("mai", 2) in missing_values(data, exported)


def test_export_reads_back_into_a_model_that_exports_the_same_bytes(tmp_path):
    files = render()
    kb = knowledge_base_from_export(doc(files, "all.json"))
    assert render_export(kb, environ=EPOCH) == files


def test_reader_restores_rules_and_payers():
    original = fixture_kb()
    restored = knowledge_base_from_export(json.loads(render()["all.json"]))
    assert restored.rules == original.rules
    assert {p: (x.name, x.states, x.sources) for p, x in restored.payers.items()} == {
        p: (x.name, x.states, x.sources) for p, x in original.payers.items()
    }
