"""lcdkb.api.load_export and `lcdkb export --since` on hostile or malformed exports: the result is a knowledge base
or a ValueError (BaselineError for --since) with a short reason, never TypeError, KeyError, AttributeError or
RecursionError; and fields a newer 1.x version adds are ignored (docs/consumers.md)."""

import functools
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from conftest import REPO
from export_helpers import fixture_kb, render
from lcdkb import api
from lcdkb.cli import main
from lcdkb.exports import reader
from lcdkb.exports.reader import ExportError, checked_document, knowledge_base_from_export, parse_export, read_export
from lcdkb.exports.schema_bundle import EXPORT_SCHEMA, bundled
from lcdkb.schemas import compiled, flatten, schema_text
from test_properties import FAST

FIXTURE_EXPORT = render()["all.json"]
PAYER_SLICE = render()["payers/fixture-mac.json"]
ORIGINAL = knowledge_base_from_export(checked_document(parse_export(FIXTURE_EXPORT)))


@pytest.fixture(scope="module")
def real_export() -> bytes:
    return render(REPO / "lcd_data")["all.json"]


def document(raw: bytes = FIXTURE_EXPORT) -> dict:
    return json.loads(raw)


def load(tmp_path, content, name="all.json", **kwargs):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode("utf-8"))
    return api.load_export(path, **kwargs)


def refused(tmp_path, content, **kwargs) -> str:
    """The reason load_export gives for refusing ``content``, checked to be short."""
    with pytest.raises(ValueError) as raised:
        load(tmp_path, content, **kwargs)
    message = str(raised.value)
    assert len(message) < 300, message
    return message


def edited(edit) -> dict:
    doc = document()
    edit(doc)
    return doc


def exercise(kb) -> None:
    """Use every query of the API once, so a model that loads also answers."""
    on = date(2026, 2, 1)
    for rule in kb.rules:
        assert rule.confidence
        api.prior_auth_in_effect(rule, on=on, setting="office", state="TX")
    for state in kb.states:
        kb.rules_for_state(state)
    for code in kb.codes:
        api.payers_requiring_prior_auth(kb, code, on=on, voluntary=True)
        api.payers_requiring_prior_auth(kb, code, on=on, state="TX")


# --- malformed files -------------------------------------------------------------------------------------------

TEXT = FIXTURE_EXPORT.decode("utf-8")

MALFORMED = {
    "not JSON": (b"hello", "not JSON"),
    "empty": (b"", "not JSON"),
    "latin-1 bytes": ('{"a": "caf\xe9"}'.encode("latin-1"), "not UTF-8"),
    "NaN": (TEXT.replace('"rule_count":3', '"rule_count":NaN').encode(), "'NaN' is not a JSON number"),
    "Infinity": (TEXT.replace('"rule_count":3', '"rule_count":-Infinity').encode(), "'-Infinity'"),
    "1e999": (TEXT.replace('"rule_count":3', '"rule_count":1e999').encode(), "too long or too large"),
    "5,000-digit number": (TEXT.replace('"rule_count":3', '"rule_count":' + "9" * 5000).encode(), "5,000 digits"),
    "100,000 nested arrays": (b"[" * 100_000 + b"]" * 100_000, "nest deeper than 64"),
    "deep object": (b'{"a":' * 500 + b"1" + b"}" * 500, "nest deeper than 64"),
    "deep inside a rule": (
        TEXT.replace('"notes":null', '"notes":' + "[" * 70 + "]" * 70, 1).encode(),
        "nest deeper than 64",
    ),
    "duplicate key": (b'{"schema_version": "1.0.0", "schema_version": "9.0.0"}', "appears twice"),
    "a list": (b"[]", "the top level is an array"),
    "version 2": (b'{"schema_version": "2.0.0"}', "not an lcdkb API v1 export"),
    "no version": (b'{"rules": []}', "not an lcdkb API v1 export"),
    "numeric version": (b'{"schema_version": 1.5}', "not an lcdkb API v1 export"),
    "a 1 MB version": (json.dumps({"schema_version": "2" * 2**20}).encode(), "not an lcdkb API v1 export"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_files_raise_a_short_value_error(name, tmp_path):
    content, reason = MALFORMED[name]
    assert reason in refused(tmp_path, content)


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    assert "larger than the limit of 1,000 bytes" in refused(tmp_path, FIXTURE_EXPORT, max_bytes=1000)
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(300 * 2**20)  # sparse: over the 256 MiB default without using disk
    with pytest.raises(ValueError, match="larger than the limit of 268,435,456 bytes"):
        api.load_export(huge)


def test_a_folder_is_not_an_export_and_a_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(ValueError, match="not a regular file"):
        api.load_export(tmp_path)
    with pytest.raises(FileNotFoundError):
        api.load_export(tmp_path / "missing.json")


# --- wrong shapes ----------------------------------------------------------------------------------------------


def set_path(doc, path, value):
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def drop_path(doc, path):
    for part in path[:-1]:
        doc = doc[part]
    del doc[path[-1]]


WRONG = {
    "rules is an object": (lambda d: set_path(d, ["rules"], {}), "rules: expected array, found an object"),
    "a rule is a string": (lambda d: set_path(d, ["rules", 0], "x"), "rules[0]: expected object"),
    "review is a number": (lambda d: set_path(d, ["rules", 0, "review"], 5), "rules[0].review: expected object"),
    "date is a number": (
        lambda d: set_path(d, ["rules", 0, "review", "last_reviewed"], 20260110),
        "rules[0].review.last_reviewed",
    ),
    "impossible date": (
        lambda d: set_path(d, ["rules", 0, "review", "last_reviewed"], "2026-02-30"),
        "rules[0].review.last_reviewed",
    ),
    "source without id": (lambda d: drop_path(d, ["rules", 0, "sources", 0, "id"]), "'id' is a required property"),
    "payers missing": (lambda d: drop_path(d, ["payers"]), "'payers' is a required property"),
    "states of a payer": (lambda d: set_path(d, ["payers", 0, "states"], [["TX"]]), "payers[0].states[0]"),
    "prior auth entry": (
        lambda d: set_path(d, ["rules", 0, "prior_auth"], [{"settings": 7}]),
        "rules[0].prior_auth[0]",
    ),
    "unknown confidence": (
        lambda d: set_path(d, ["rules", 0, "sources", 0, "confidence"], "sure"),
        "rules[0].sources[0].confidence: 'sure' is not an allowed value",
    ),
    "1 MB enum value": (lambda d: set_path(d, ["rules", 0, "coverage", "status"], "x" * 2**20), "rules[0].coverage"),
    "rule of no payer": (
        lambda d: set_path(d, ["rules", 0, "payer_id"], "nobody"),
        "rules[0].payer_id: 'nobody' is not in payers",
    ),
    "rule for no code": (lambda d: set_path(d, ["codes"], []), "rules[0].code: 'G3002' is not in codes"),
    "rule without sources": (lambda d: set_path(d, ["rules", 0, "sources"], []), "cites at least one source"),
}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_types_and_missing_fields_raise_a_value_error_with_the_path(name, tmp_path):
    edit, reason = WRONG[name]
    assert reason in refused(tmp_path, edited(edit))


# --- newer minor versions --------------------------------------------------------------------------------------


def with_unknown_fields(value, label="later"):
    """A copy with an unknown field in every object, holding a list and an object of its own."""
    if isinstance(value, dict):
        copied = {key: with_unknown_fields(item, label) for key, item in value.items()}
        copied[f"x_{label}"] = [1, {"nested": True}, None]
        return copied
    if isinstance(value, list):
        return [with_unknown_fields(item, label) for item in value]
    return value


def test_unknown_fields_everywhere_load_into_the_same_model(tmp_path, real_export):
    original = load(tmp_path, real_export, "original.json")
    newer = with_unknown_fields(document(real_export))
    newer["schema_version"] = "1.7.0"
    newer["procedures"] = [{"code": "99999", "label": "a list the next version adds"}]
    assert load(tmp_path, newer, "newer.json") == original


def test_unknown_fields_do_not_show_as_changes_against_a_newer_baseline(data_dir, tmp_path, capsys):
    newer = with_unknown_fields(document())
    newer["schema_version"] = "1.3.0"
    (tmp_path / "newer.json").write_text(json.dumps(newer))
    assert (
        main(
            ["export", "--data", str(data_dir), "--out", str(tmp_path / "api"), "--since", str(tmp_path / "newer.json")]
        )
        == 0
    )
    changes = json.loads((tmp_path / "api" / "changes.json").read_text())
    assert changes["baseline"]["kind"] == "export"
    assert changes["added"] == changes["changed"] == changes["removed"] == []


def test_a_slice_loads_too(tmp_path):
    files = render()
    kb = load(tmp_path, files["payers/fixture-mac.json"])
    assert {r.payer_id for r in kb.rules} == {"fixture-mac"}
    exercise(kb)


# --- lcdkb export --since with a broken baseline ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["not JSON", "NaN", "100,000 nested arrays", "latin-1 bytes", "version 2"])
def test_a_broken_baseline_export_is_a_short_usage_error(name, data_dir, tmp_path, capsys):
    content, reason = MALFORMED[name]
    (tmp_path / "old.json").write_bytes(content)
    assert (
        main(["export", "--data", str(data_dir), "--out", str(tmp_path / "api"), "--since", str(tmp_path / "old.json")])
        == 2
    )
    [line] = [line for line in capsys.readouterr().err.splitlines() if "baseline" in line]
    assert "as the baseline export" in line and reason in line and len(line) < 400
    assert not (tmp_path / "api").exists()


@pytest.mark.parametrize("name", ["rules is an object", "review is a number", "payers missing"])
def test_a_baseline_of_the_wrong_shape_is_a_short_usage_error(name, data_dir, tmp_path, capsys):
    edit, reason = WRONG[name]
    (tmp_path / "old.json").write_text(json.dumps(edited(edit)))
    assert (
        main(["export", "--data", str(data_dir), "--out", str(tmp_path / "api"), "--since", str(tmp_path / "old.json")])
        == 2
    )
    err = capsys.readouterr().err
    assert reason in err and "Traceback" not in err


# --- properties: any mutation of a real export gives a model or a ValueError ------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["64483", "2026-01-01", "TX", "JH", "required", "office", "sha256:0"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)


def containers(value, path=()):
    """(path, container) for the document and every object and array inside it."""
    yield path, value
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(item, (dict, list)):
            yield from containers(item, path + (key,))


def mutate(doc, data) -> None:
    _, target = data.draw(st.sampled_from(list(containers(doc))))
    action = data.draw(st.sampled_from(["drop", "retype", "add"]))
    keys = list(target) if isinstance(target, dict) else list(range(len(target)))
    if action == "add" or not keys:
        if isinstance(target, dict):
            target[data.draw(st.text(max_size=8))] = data.draw(JSON_VALUES)
        else:
            target.append(data.draw(JSON_VALUES))
        return
    key = data.draw(st.sampled_from(keys))
    if action == "drop":
        del target[key]
    else:
        target[key] = data.draw(JSON_VALUES)


@FAST
@given(st.data())
def test_a_mutated_export_loads_or_raises_value_error(tmp_path_factory, data):
    doc = document()
    for _ in range(data.draw(st.integers(1, 3))):
        mutate(doc, data)
    path = tmp_path_factory.mktemp("mutated") / "all.json"
    path.write_text(json.dumps(doc))
    try:
        kb = api.load_export(path)
    except ValueError as error:
        assert 0 < len(str(error)) < 300
        return
    exercise(kb)


def add_unknown_fields(doc, data) -> None:
    for _ in range(data.draw(st.integers(1, 5))):
        _, target = data.draw(st.sampled_from([c for c in containers(doc) if isinstance(c[1], dict)]))
        target["zz_" + data.draw(st.text(max_size=8))] = data.draw(JSON_VALUES)


@FAST
@given(st.data())
def test_unknown_fields_added_anywhere_load_into_the_same_model(tmp_path_factory, data):
    doc = document()
    doc["schema_version"] = f"1.{data.draw(st.integers(0, 99))}.{data.draw(st.integers(0, 99))}"
    add_unknown_fields(doc, data)
    path = tmp_path_factory.mktemp("newer") / "all.json"
    path.write_text(json.dumps(doc))
    assert api.load_export(path) == ORIGINAL


def test_read_export_errors_are_value_errors_with_a_reason():
    assert issubclass(ExportError, ValueError)
    with pytest.raises(ExportError) as raised:
        read_export(REPO / "README.md")
    assert raised.value.reason.startswith("not JSON") and str(raised.value).startswith(str(REPO / "README.md"))


def test_the_fixture_export_loads_into_the_fixture_model(tmp_path):
    kb = load(tmp_path, FIXTURE_EXPORT)
    assert kb == ORIGINAL and kb.rules == fixture_kb().rules
    exercise(kb)


@settings(FAST, max_examples=20)  # the published schema resolves every $ref as it goes: about 0.15 s a document
@given(st.data())
def test_the_flattened_export_schema_agrees_with_the_published_one(data):
    """The flattened schema (fast, used to check exports and to read them) and the published one (with $refs
    and their sibling keywords) give the same verdicts; so do jsonschema-rs and jsonschema on the relaxed one."""
    doc = document(PAYER_SLICE)
    mutate(doc, data)
    assert flat_export_validator().is_valid(doc) == published_export_validator().is_valid(doc)
    fast = reader._fast_validator()
    if fast is not None:
        assert fast.is_valid(doc) == reader._validator().is_valid(doc)


@functools.cache
def published_export_validator():
    return Draft202012Validator(bundled(EXPORT_SCHEMA), format_checker=Draft202012Validator.FORMAT_CHECKER)


@functools.cache
def flat_export_validator():
    return compiled(flatten(json.loads(schema_text(EXPORT_SCHEMA)), EXPORT_SCHEMA))
