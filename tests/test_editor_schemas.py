"""The editor schemas in schema/editor/: self-contained (no $ref, no unevaluatedProperties), current with the
source schemas in schema/, pointed at by every data file's first line, and giving the same verdicts as the
source schemas on real data, on every broken fixture and on mutated documents."""

import copy
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from conftest import INVALID, REPO, VALID
from lcdkb.editor_schemas import FOLDER, ID_BASE, editor_schema, main, modeline, out_of_date
from lcdkb.load import load_dataset
from lcdkb.schemas import SCHEMA_FILES

SCHEMAS = REPO / "schema"


def source_validator(kind: str) -> Draft202012Validator:
    registry = Registry().with_resources(
        (p.name, Resource.from_contents(json.loads(p.read_text()))) for p in SCHEMAS.glob("*.schema.json")
    )
    return Draft202012Validator(
        json.loads((SCHEMAS / SCHEMA_FILES[kind]).read_text()),
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def editor_validator(kind: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / FOLDER / SCHEMA_FILES[kind]).read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def documents():
    """(kind, data) of every data file in the repository, the valid fixture and every invalid fixture."""
    for root in [REPO / "lcd_data", VALID] + sorted(p for p in INVALID.iterdir() if p.is_dir()):
        dataset = load_dataset(root)
        for data_file in dataset.files:
            if data_file.kind in SCHEMA_FILES:
                yield data_file.kind, data_file.data


def test_the_committed_editor_schemas_are_current():
    assert out_of_date(SCHEMAS / FOLDER) == [], "run: python -m lcdkb.editor_schemas --write"
    assert main(["--check"]) == 0


@pytest.mark.parametrize("kind", sorted(SCHEMA_FILES))
def test_each_editor_schema_is_self_contained_with_a_stable_id(kind):
    text = (SCHEMAS / FOLDER / SCHEMA_FILES[kind]).read_text()
    assert "$ref" not in text and "unevaluatedProperties" not in text
    schema = json.loads(text)
    assert schema["$id"] == ID_BASE + kind and schema == editor_schema(kind)
    Draft202012Validator.check_schema(schema)


def test_every_data_file_points_its_editor_at_the_editor_schema():
    for path in sorted((REPO / "lcd_data").rglob("*.yaml")):
        kind = "payer" if path.parent.name == "payers" else path.stem
        assert path.read_text(encoding="utf-8").split("\n", 1)[0] == modeline(kind), path


def test_same_verdicts_on_real_data_and_every_fixture():
    compared = 0
    for kind, data in documents():
        assert editor_validator(kind).is_valid(data) == source_validator(kind).is_valid(data), (kind, data)
        compared += 1
    assert compared > 60


PAYER = load_dataset(VALID).of_kind("payer")[0].data
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 100),
    st.sampled_from(["", "x", "64483", "2026-01-01", "required", "office", "verified-primary", "RT"]),
    st.lists(st.just("x"), max_size=2),
    st.dictionaries(st.sampled_from(["code", "use", "when", "extra"]), st.just("x"), max_size=2),
)


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


PAYER_PATHS = [p for p in paths(PAYER) if p]


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PAYER_PATHS), VALUES, st.booleans()), min_size=1, max_size=4))
def test_same_verdicts_on_mutated_payer_files(edits):
    data = copy.deepcopy(PAYER)
    for path, value, drop in edits:
        apply_edit(data, path, value, drop)
    assert editor_validator("payer").is_valid(data) == source_validator("payer").is_valid(data)


def apply_edit(data, path, value, drop) -> None:
    """Replace (or with ``drop``, delete) the value at ``path`` if an earlier edit left the path in place."""
    parent = data
    for part in path[:-1]:
        if not has(parent, part):
            return
        parent = parent[part]
    last = path[-1]
    if not has(parent, last):
        return
    if drop and isinstance(parent, dict):
        del parent[last]
    else:
        parent[last] = value


def has(container, part) -> bool:
    if isinstance(container, dict):
        return part in container
    return isinstance(container, list) and isinstance(part, int) and part < len(container)


def test_check_jsonschema_accepts_the_data_with_the_editor_schema():
    payers = sorted(str(p) for p in (REPO / "lcd_data" / "payers").glob("*.yaml"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--schemafile",
            str(SCHEMAS / FOLDER / "payer.schema.json"),
            *payers,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
