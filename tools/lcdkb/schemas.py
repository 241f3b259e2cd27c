"""Layer 1: the JSON Schemas in schema/, compiled once and reused for every file."""

from __future__ import annotations

import difflib
import json
from functools import cache
from typing import TYPE_CHECKING

from referencing import Registry, Resource

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

try:  # a compiled validator: the same verdicts, far faster (tests/test_properties.py)
    import jsonschema_rs
except ImportError:  # pragma: no cover - platforms without a wheel fall back to jsonschema alone
    jsonschema_rs = None  # type: ignore[assignment]  # None marks it missing; ModuleType | None would lose its types

from lcdkb.load import DataFile
from lcdkb.paths import schema_dir
from lcdkb.problems import Problem
from lcdkb.strict_yaml import clip

SCHEMA_FILES = {
    "payer": "payer.schema.json",
    "codes": "codes.schema.json",
    "jurisdictions": "jurisdictions.schema.json",
    "states": "states.schema.json",
    "modifiers": "modifiers.schema.json",
    "diagnoses": "diagnoses.schema.json",
}


def schema_text(name: str) -> str:
    return (schema_dir() / name).read_text(encoding="utf-8")


@cache
def _registry() -> Registry:
    names = [p.name for p in schema_dir().glob("*.schema.json")]
    return Registry().with_resources(
        (name, Resource.from_contents(json.loads(schema_text(name)))) for name in sorted(names)
    )


def _canonical(value):
    """A hashable form of a JSON value: two values are equal in JSON Schema's sense (1 == 1.0, true != 1,
    key order ignored) exactly when their forms are equal."""
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, list):
        return ("array", tuple(_canonical(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((key, _canonical(item)) for key, item in value.items()))
    return (type(value).__name__, value)


def _unique_items(validator, unique, instance, schema):
    """uniqueItems in linear time. jsonschema's own check compares every pair when the items cannot be sorted
    (mappings, or numbers mixed with text): 8 s for 4,000 mappings. Its message also repeats the whole list."""
    if unique and validator.is_type(instance, "array"):
        forms = [_canonical(item) for item in instance]
        if len(set(forms)) != len(forms):
            from jsonschema.exceptions import ValidationError

            yield ValidationError("has non-unique elements")


@cache
def _validator_class():
    """jsonschema's Draft 2020-12 validator with the linear uniqueItems: the same verdicts, bounded time.

    jsonschema is imported only here, when a document needs its located, explained errors (or a caller compiles
    a schema): valid data is checked by jsonschema-rs, and importing jsonschema costs about 40 ms of every run."""
    from jsonschema import Draft202012Validator, validators

    return validators.extend(Draft202012Validator, {"uniqueItems": _unique_items})


def compiled(schema: dict) -> Draft202012Validator:
    """A validator for a schema (checked against the metaschema) that also checks formats such as dates."""
    validator_class = _validator_class()
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


@cache
def validator(kind: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_text(SCHEMA_FILES[kind]))
    Draft202012Validator.check_schema(schema)
    return compiled(flatten(schema, SCHEMA_FILES[kind]))


def fast_validator(name: str):
    """A compiled validator for the schema file ``name`` (None without jsonschema-rs). Used only to let valid
    documents through quickly: anything it rejects goes to jsonschema for the located, explained errors."""
    return _fast(name) if jsonschema_rs is not None else None


@cache
def _fast(name: str):
    return jsonschema_rs.Draft202012Validator(flatten(json.loads(schema_text(name)), name), validate_formats=True)


def flatten(schema, base: str):
    """The same schema with every $ref written out in place (together with the keywords beside it, see
    _with_siblings) and 'allOf + unevaluatedProperties: false' turned into one 'properties +
    additionalProperties: false'. Our schemas are not recursive, so this ends; it makes validation many times
    faster (no reference lookups, no evaluated-property bookkeeping) with the same verdicts and the same
    descriptions for error messages (tests/test_api_hostile.py compares it with the published schema)."""
    if isinstance(schema, list):
        return [flatten(item, base) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        target, _, pointer = schema["$ref"].partition("#")
        target = target or base
        resolved = _registry().resolver().lookup(f"{target}#{pointer}").contents
        return _merge_closed(
            _with_siblings(flatten(resolved, target), flatten({k: v for k, v in schema.items() if k != "$ref"}, base))
        )
    return _merge_closed(
        {
            key: (value if key in ("enum", "const", "required") else flatten(value, base))
            for key, value in schema.items()
            if key not in ("$defs", "$schema")
        }
    )


def _with_siblings(target: dict, siblings: dict) -> dict:
    """A $ref's target and the keywords beside the $ref, which both apply: a sibling 'description' replaces the
    target's, 'required' lists are joined, and any other sibling keeps both schemas whole under allOf."""
    merged = dict(target)
    for key, value in siblings.items():
        if key == "description":
            merged[key] = value
        elif key == "required":
            merged[key] = list(dict.fromkeys(target.get("required", []) + value))
        else:
            return {"allOf": [target, siblings]}
    return merged


_PLAIN_PART = {"properties", "description"}
_CONDITIONAL_PART = {"if", "then", "else", "description"}
_CONDITION_KEYS = {"properties", "required", "description"}


def _merge_closed(schema: dict) -> dict:
    """'unevaluatedProperties: false' over an allOf of property lists (and if/then conditions that only look at
    those properties) is the same as one 'properties' list with 'additionalProperties: false'."""
    parts = schema.get("allOf")
    if schema.get("unevaluatedProperties") is not False or not parts:
        return schema
    plain = [part for part in parts if set(part) <= _PLAIN_PART]
    conditions = [part for part in parts if not set(part) <= _PLAIN_PART]
    properties = {}
    for part in plain:
        properties.update(part.get("properties", {}))
    properties.update(schema.get("properties", {}))
    if not all(_condition_within(part, set(properties)) for part in conditions):
        return schema
    closed = {k: v for k, v in schema.items() if k not in ("allOf", "unevaluatedProperties")}
    merged = {**closed, "properties": properties, "additionalProperties": False}
    if conditions:
        merged["allOf"] = conditions
    return merged


def _condition_within(part: dict, known: set[str]) -> bool:
    """An if/then/else part whose branches only name properties in ``known`` (so it evaluates no others)."""
    if not set(part) <= _CONDITIONAL_PART:
        return False
    branches = [part[key] for key in ("if", "then", "else") if key in part]
    return all(
        isinstance(branch, dict) and set(branch) <= _CONDITION_KEYS and set(branch.get("properties", {})) <= known
        for branch in branches
    )


def schema_problems(data_file: DataFile) -> list[Problem]:
    """Every schema error in one file, located at the offending line and column."""
    fast = fast_validator(SCHEMA_FILES[data_file.kind])
    if fast is not None and fast.is_valid(data_file.data):
        return []
    errors = validator(data_file.kind).iter_errors(data_file.data)
    return sorted(_to_problem(data_file, e) for e in _leaf_errors(errors))


def _leaf_errors(errors):
    """Replace 'if/then' and 'allOf' wrappers by the specific errors inside them."""
    for error in errors:
        if error.validator in ("allOf", "anyOf", "oneOf") and error.context:
            yield from _leaf_errors(error.context)
        else:
            yield error


def _where(path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "top level"


def _to_problem(data_file: DataFile, error: ValidationError) -> Problem:
    path = tuple(error.absolute_path)
    where = _where(path)
    message, hint, at = _explain(error, where, SCHEMA_FILES[data_file.kind])
    line, column = data_file.doc.position(path + at[:1], key=bool(at))
    return Problem(data_file.display, line, column, "LCD010", message, hint)


def _description(error: ValidationError) -> str:
    return error.schema.get("description", "") if isinstance(error.schema, dict) else ""


def _shown(value) -> str:
    """A value as a message shows it: short reprs whole, long ones cut, lists and mappings by kind only."""
    if isinstance(value, (dict, list)):
        return _a(_json_type(value))
    return clip(repr(value))


def _explain(error: ValidationError, where: str, schema_file: str) -> tuple[str, str, tuple]:
    """(message, hint, key path suffix to point at) in words a reviewer understands."""
    kind, value = error.validator, error.instance
    if "propertyNames" in error.schema_path:
        return _explain_name(error, where)
    if kind in ("additionalProperties", "unevaluatedProperties"):
        assert isinstance(error.schema, dict), "a keyword about properties sits in an object's schema"
        allowed = _allowed_keys(error.schema, schema_file)
        extra = sorted(k for k in value if k not in allowed) if isinstance(value, dict) else []
        name = extra[0] if extra else "?"
        close = difflib.get_close_matches(name, sorted(allowed), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed fields here: {', '.join(sorted(allowed))}"
        return f"unknown field '{clip(name)}' in {where}", hint, (name,)
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return f"missing required field '{missing}' in {where}", "add it; see the schema for what it holds", ()
    if kind == "type":
        expected = error.validator_value
        if expected == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return (
                f"{where}: {_shown(value)} is a number; codes, IDs and dates must be text",
                f'put it in quotes: "{clip(str(value))}"',
                (),
            )
        if expected == "string" and value is None:
            return f"{where} is empty", "fill it in or remove the field", ()
        found = "nothing" if value is None else _a(_json_type(value))
        return f"{where}: expected {_a(expected)}, found {found}", _description(error), ()
    if kind == "enum":
        assert isinstance(error.validator_value, list), "an enum lists its values"
        options = [str(o) for o in error.validator_value]
        close = difflib.get_close_matches(clip(str(value)), options, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"one of: {', '.join(options)}"
        return f"{where}: {_shown(value)} is not an allowed value", hint, ()
    if kind == "const":
        return f"{where}: must be {error.validator_value!r}, found {_shown(value)}", "", ()
    if kind == "pattern":
        return f"{where}: {_shown(value)} is not in the expected form", _description(error) or clip(error.message), ()
    if kind == "format":
        return f"{where}: {_shown(value)} is not a real date", 'write it as YYYY-MM-DD, for example "2026-11-28"', ()
    if kind in ("minimum", "maximum"):
        return f"{where}: {_shown(value)} is out of range", clip(error.message, 120), ()
    if kind in ("minItems", "minLength"):
        return f"{where} is empty", "fill it in or remove the field", ()
    if kind in ("maxItems", "maxLength", "maxProperties"):
        assert isinstance(error.validator_value, int), f"{kind} is a whole number"
        return _explain_limit(kind, value, error.validator_value, where)
    if kind == "uniqueItems":
        return f"{where} lists the same item twice", "remove the repeated item", ()
    if kind == "not":
        return f"{where}: a field here is not allowed in this combination", _not_hint(error), ()
    return f"{where}: {clip(error.message, 120)}", _description(error), ()


def _explain_limit(kind: str, value, limit: int, where: str) -> tuple[str, str, tuple]:
    """A list, text or mapping over its size limit: the message names the size and the limit."""
    if kind == "maxLength":
        return (
            f"{where} is {len(value):,} characters long; the limit is {limit:,}",
            "keep it short and in your own words; link the source for the full text",
            (),
        )
    unit = "items" if kind == "maxItems" else "entries"
    return (
        f"{where} has {len(value):,} {unit}; the limit is {limit:,}",
        "real payer data stays far below this: check for pasted or generated entries, or split the file",
        (),
    )


def _explain_name(error: ValidationError, where: str) -> tuple[str, str, tuple]:
    """A policy name (a mapping key) that breaks the name rules; points at the key itself."""
    name = error.instance
    assert isinstance(name, str), "propertyNames checks a mapping's keys, which are text"
    if error.validator == "maxLength":
        problem = f"is {len(name):,} characters long; the limit is {error.validator_value:,}"
    else:
        problem = "is not in the expected form"
    return (
        f"name '{clip(name)}' in {where} {problem}",
        "names are short lowercase words joined by hyphens, for example 'facet-rfa'",
        (name,),
    )


def _not_hint(error: ValidationError) -> str:
    forbidden = error.validator_value.get("required", []) if isinstance(error.validator_value, dict) else []
    if forbidden:
        return f"remove '{forbidden[0]}' here (see the schema description of this object)"
    return "see the schema description of this object"


def _allowed_keys(schema: dict, schema_file: str) -> set[str]:
    """Field names an object accepts: its own properties plus those of any allOf part, $refs resolved."""
    resolver = _registry().resolver(base_uri=schema_file)
    keys = set(schema.get("properties", {}))
    for sub in schema.get("allOf", []):
        if "$ref" in sub:
            sub = resolver.lookup(sub["$ref"]).contents
        keys |= set(sub.get("properties", {}))
    return keys


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    return {dict: "mapping", list: "list", str: "text", int: "number", float: "number", type(None): "nothing"}.get(
        type(value), "value"
    )


def _a(name) -> str:
    name = {
        "object": "mapping",
        "array": "list",
        "string": "text",
        "integer": "whole number",
        "number": "number",
        "boolean": "true or false",
    }.get(name, name)
    return ("an " if str(name)[:1] in "aeiou" else "a ") + str(name)
