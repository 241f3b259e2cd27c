"""Layer 1: the JSON Schemas in schema/, compiled once and reused for every file."""
from __future__ import annotations

import difflib
import json
from functools import lru_cache

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

try:                      # a compiled validator: the same verdicts, far faster (tests/test_properties.py)
    import jsonschema_rs
except ImportError:       # pragma: no cover - platforms without a wheel fall back to jsonschema alone
    jsonschema_rs = None

from lcdkb.load import DataFile
from lcdkb.paths import schema_dir
from lcdkb.problems import Problem

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


@lru_cache(maxsize=None)
def _registry() -> Registry:
    names = [p.name for p in schema_dir().glob("*.schema.json")]
    return Registry().with_resources(
        (name, Resource.from_contents(json.loads(schema_text(name)))) for name in sorted(names))


@lru_cache(maxsize=None)
def validator(kind: str) -> Draft202012Validator:
    schema = json.loads(schema_text(SCHEMA_FILES[kind]))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(flatten(schema, SCHEMA_FILES[kind]),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def fast_validator(name: str):
    """A compiled validator for the schema file ``name`` (None without jsonschema-rs). Used only to let valid
    documents through quickly: anything it rejects goes to jsonschema for the located, explained errors."""
    return _fast(name) if jsonschema_rs is not None else None


@lru_cache(maxsize=None)
def _fast(name: str):
    return jsonschema_rs.Draft202012Validator(flatten(json.loads(schema_text(name)), name), validate_formats=True)


def flatten(schema, base: str):
    """The same schema with every $ref written out in place and 'allOf + unevaluatedProperties: false' turned
    into one 'properties + additionalProperties: false'. Our schemas are not recursive, so this ends; it makes
    validation many times faster (no reference lookups, no evaluated-property bookkeeping) with the same
    verdicts and the same descriptions for error messages."""
    if isinstance(schema, list):
        return [flatten(item, base) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        target, _, pointer = schema["$ref"].partition("#")
        target = target or base
        resolved = _registry().resolver().lookup(f"{target}#{pointer}").contents
        merged = {**flatten(resolved, target), **flatten({k: v for k, v in schema.items() if k != "$ref"}, base)}
        return _merge_closed(merged)
    return _merge_closed({key: (value if key in ("enum", "const", "required") else flatten(value, base))
                          for key, value in schema.items() if key not in ("$defs", "$schema")})


def _merge_closed(schema: dict) -> dict:
    parts = schema.get("allOf")
    if schema.get("unevaluatedProperties") is not False or not parts or not all(
            set(part) <= {"properties", "description"} for part in parts):
        return schema
    properties = {}
    for part in parts:
        properties.update(part.get("properties", {}))
    properties.update(schema.get("properties", {}))
    closed = {k: v for k, v in schema.items() if k not in ("allOf", "unevaluatedProperties")}
    return {**closed, "properties": properties, "additionalProperties": False}


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


def _explain(error: ValidationError, where: str, schema_file: str) -> tuple[str, str, tuple]:
    """(message, hint, key path suffix to point at) in words a reviewer understands."""
    kind, value = error.validator, error.instance
    if kind in ("additionalProperties", "unevaluatedProperties"):
        allowed = _allowed_keys(error.schema, schema_file)
        extra = sorted(k for k in value if k not in allowed) if isinstance(value, dict) else []
        name = extra[0] if extra else "?"
        close = difflib.get_close_matches(name, sorted(allowed), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed fields here: {', '.join(sorted(allowed))}"
        return f"unknown field '{name}' in {where}", hint, (name,)
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return f"missing required field '{missing}' in {where}", "add it; see the schema for what it holds", ()
    if kind == "type":
        expected = error.validator_value
        if expected == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return (f"{where}: {value!r} is a number; codes, IDs and dates must be text",
                    f"put it in quotes: \"{value}\"", ())
        if expected == "string" and value is None:
            return f"{where} is empty", "fill it in or remove the field", ()
        found = "nothing" if value is None else _a(_json_type(value))
        return f"{where}: expected {_a(expected)}, found {found}", _description(error), ()
    if kind == "enum":
        options = [str(o) for o in error.validator_value]
        close = difflib.get_close_matches(str(value), options, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"one of: {', '.join(options)}"
        return f"{where}: {value!r} is not an allowed value", hint, ()
    if kind == "const":
        return f"{where}: must be {error.validator_value!r}, found {value!r}", "", ()
    if kind == "pattern":
        return f"{where}: {value!r} is not in the expected form", _description(error) or error.message, ()
    if kind == "format":
        return f"{where}: {value!r} is not a real date", "write it as YYYY-MM-DD, for example \"2026-11-28\"", ()
    if kind in ("minimum", "maximum"):
        return f"{where}: {value!r} is out of range", error.message, ()
    if kind in ("minItems", "minLength"):
        return f"{where} is empty", "fill it in or remove the field", ()
    if kind == "uniqueItems":
        return f"{where} lists the same item twice", "remove the repeated item", ()
    if kind == "not":
        return f"{where}: a field here is not allowed in this combination", _not_hint(error), ()
    return f"{where}: {error.message}", _description(error), ()


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
        type(value), "value")


def _a(name) -> str:
    name = {"object": "mapping", "array": "list", "string": "text", "integer": "whole number",
            "number": "number", "boolean": "true or false"}.get(name, name)
    return ("an " if str(name)[:1] in "aeiou" else "a ") + str(name)
