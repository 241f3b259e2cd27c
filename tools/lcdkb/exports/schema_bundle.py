"""The published export schemas: our schema files with every file they refer to embedded, so a consumer
validates with one self-contained document (JSON Schema 2020-12 compound documents, one $id each)."""

from __future__ import annotations

import json
import re
from functools import cache

from jsonschema import Draft202012Validator

from lcdkb.schemas import flatten, schema_text

EXPORT_SCHEMA = "export.schema.json"
CHANGES_SCHEMA = "export-changes.schema.json"
_FILE_REF = re.compile(r'"\$ref":\s*"([a-z-]+\.schema\.json)#')


def bundled(name: str) -> dict:
    root = json.loads(schema_text(name))
    embedded = {}
    pending = _referenced_files(schema_text(name))
    while pending:
        file = pending.pop()
        if file in embedded or file == name:
            continue
        text = schema_text(file)
        embedded[file] = {"$id": file, **{k: v for k, v in json.loads(text).items() if k != "$id"}}
        pending |= _referenced_files(text)
    if embedded:
        root.setdefault("$defs", {}).update({f"bundled:{f}": embedded[f] for f in sorted(embedded)})
    return root


def _referenced_files(text: str) -> set[str]:
    return set(_FILE_REF.findall(text))


@cache
def validator(name: str) -> Draft202012Validator:
    """Checks files before they are written: the published schema, flattened for speed (same verdicts)."""
    Draft202012Validator.check_schema(bundled(name))
    return Draft202012Validator(
        flatten(json.loads(schema_text(name)), name), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
