"""The published export schemas: our schema files with every file they refer to embedded, so a consumer
validates with one self-contained document (JSON Schema 2020-12 compound documents, one $id each)."""
from __future__ import annotations

import json
import re
from functools import lru_cache

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from lcdkb.schemas import schema_text

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


@lru_cache(maxsize=None)
def validator(name: str) -> Draft202012Validator:
    schema = bundled(name)
    Draft202012Validator.check_schema(schema)
    # Crawl the embedded resources once; left to itself the validator re-crawls on every lookup.
    registry = Registry().with_resource("", DRAFT202012.create_resource(schema)).crawl()
    return Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
