"""Render the whole export in memory, validating every JSON file against the published schema first."""

from __future__ import annotations

import json
import os

from lcdkb.exports.changes import changes_document
from lcdkb.exports.csv_table import rules_csv
from lcdkb.exports.schema_bundle import CHANGES_SCHEMA, EXPORT_SCHEMA, bundled, validator
from lcdkb.exports.slices import documents, stamp_for
from lcdkb.model import KnowledgeBase
from lcdkb.schemas import fast_validator


class ExportInvalid(Exception):
    """A document does not match the export schema: a bug in lcdkb, never written out."""


def json_bytes(document) -> bytes:
    """Compact, key-sorted UTF-8 JSON with a final newline (compact output uses the fast C encoder)."""
    return (json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def render_export(
    kb: KnowledgeBase,
    baseline: dict | None = None,
    baseline_kind: str | None = None,
    baseline_ref: str | None = None,
    environ=os.environ,
) -> dict[str, bytes]:
    """Relative path -> bytes for every file of api/v1/."""
    return encoded(prepared_export(kb, baseline, baseline_kind, baseline_ref, environ))


def prepared_export(
    kb: KnowledgeBase,
    baseline: dict | None = None,
    baseline_kind: str | None = None,
    baseline_ref: str | None = None,
    environ=os.environ,
) -> dict[str, dict]:
    """Relative path -> validated JSON document for every JSON file of api/v1/; ``encoded`` turns them into the
    files (``lcdkb build`` encodes them while MkDocs runs)."""
    docs = documents(kb, stamp_for(kb, environ))
    _check_export(docs)
    changes = changes_document(docs["all.json"], baseline, baseline_kind, baseline_ref)
    _check({"changes.json": changes}, CHANGES_SCHEMA)
    docs["changes.json"] = changes
    for name in (EXPORT_SCHEMA, CHANGES_SCHEMA):
        docs[f"schema/{name}"] = bundled(name)
    return docs


def export_paths(prepared: dict[str, dict]) -> list[str]:
    """The files ``encoded(prepared)`` will hold, without encoding them."""
    return [*prepared, CSV_FILE]


def encoded(prepared: dict[str, dict]) -> dict[str, bytes]:
    """The files of api/v1/: each document as JSON, and the rules as CSV."""
    files = {path: json_bytes(doc) for path, doc in prepared.items()}
    files[CSV_FILE] = rules_csv(prepared["all.json"])
    return files


CSV_FILE = "rules.csv"
LISTS = ("payers", "codes", "jurisdictions", "states", "modifiers", "diagnoses", "rules")


def _check_export(docs: dict[str, dict]) -> None:
    """Validate all.json in full. A slice holds the very same record objects as all.json, so for slices the
    envelope is validated with empty lists, and each record is confirmed to be one already validated."""
    _check({"all.json": docs["all.json"]}, EXPORT_SCHEMA)
    validated = {name: {id(item) for item in docs["all.json"][name]} for name in LISTS}
    skeletons = {}
    for path, doc in docs.items():
        if path == "all.json":
            continue
        for name in LISTS:
            if any(id(item) not in validated[name] for item in doc[name]):
                raise ExportInvalid(f"{path}: a {name} record is not one of all.json's (nothing was written)")
        skeletons[path] = {**doc, **{name: [] for name in LISTS}}
    _check(skeletons, EXPORT_SCHEMA)


def _check(docs: dict[str, dict], schema: str) -> None:
    problems = []
    fast = fast_validator(schema)
    for path, doc in sorted(docs.items()):
        if fast is not None and fast.is_valid(doc):
            continue
        for error in validator(schema).iter_errors(doc):
            where = "/".join(str(p) for p in error.absolute_path) or "top level"
            problems.append(f"{path}: {where}: {error.message}")
    if problems:
        raise ExportInvalid(
            "the export does not match its schema (nothing was written):\n  " + "\n  ".join(problems[:20])
        )
