"""An exported all.json read back into the model, so consumers can query an export without the YAML.

Reading is defensive, because an export may come from anywhere: whatever the file holds, the result is a
knowledge base or an ``ExportError`` (a ``ValueError``) with a short reason and the path into the document.

1. The file is read up to a size limit, as strict UTF-8 JSON: no NaN or Infinity, no duplicate keys, no
   overlong numbers, no nesting deeper than ``MAX_DEPTH``.
2. It must say ``schema_version`` 1.x and match the published export schema with unknown fields allowed
   (a newer minor version may add fields; see docs/consumers.md).
3. Unknown fields are dropped, so an export with extra fields reads into exactly the same model.
4. Every rule must name a payer and a code the document defines, and cite a source.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from functools import cache
from pathlib import Path

from jsonschema.exceptions import best_match

from lcdkb.exports.records import FACT_FIELDS
from lcdkb.model import KnowledgeBase, Payer, Rule, Source
from lcdkb.strict_yaml import clip

MAX_EXPORT_BYTES = 256 * 2**20  # all.json takes about 6 KB per rule: 60 MB at 10,000 rules
MAX_DEPTH = 64  # the export nests 6 levels; newer minor versions get room to grow
MAX_NUMBER_CHARS = 24
EXPORT_SCHEMA = "export.schema.json"


class ExportError(ValueError):
    """An export that cannot be read: ``reason`` says why, in a few words and with the path into the document."""

    def __init__(self, reason: str, path: str | Path | None = None):
        self.reason = reason
        self.path = path
        super().__init__(f"{path}: {reason}" if path is not None else reason)


def read_export(path: str | Path, max_bytes: int = MAX_EXPORT_BYTES) -> dict:
    """The export document at ``path``, checked and with unknown fields removed. Raises ``ExportError``, or
    ``OSError`` when the file cannot be opened."""
    try:
        return checked_document(parse_export(_read_bytes(Path(path), max_bytes)))
    except ExportError as exc:
        raise ExportError(exc.reason, path) from None


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    if path.exists() and not path.is_file():
        raise ExportError("not a regular file")
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size > max_bytes:
            raise ExportError(f"the file is larger than the limit of {max_bytes:,} bytes")
        raw = handle.read(max_bytes + 1)  # and never more, should the file grow while it is read
    if len(raw) > max_bytes:
        raise ExportError(f"the file is larger than the limit of {max_bytes:,} bytes")
    return raw


def parse_export(raw: bytes) -> object:
    """Strict JSON from bytes: UTF-8 only, no NaN or Infinity, no duplicate keys, numbers and nesting bounded."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExportError(f"byte {exc.start:,} is not UTF-8 text") from None
    try:
        document = json.loads(
            text, parse_constant=_no_constant, parse_int=_integer, parse_float=_float, object_pairs_hook=_object
        )
    except json.JSONDecodeError as exc:
        raise ExportError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ExportError(f"arrays or objects nest deeper than {MAX_DEPTH} levels") from None
    _check_depth(document)
    return document


def _no_constant(name: str):
    raise ExportError(f"'{name}' is not a JSON number")


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise ExportError(f"a number has {len(text):,} digits; the limit is {MAX_NUMBER_CHARS}")
    return int(text)


def _float(text: str) -> float:
    value = float(text) if len(text) <= MAX_NUMBER_CHARS else math.inf
    if not math.isfinite(value):
        raise ExportError(f"the number '{clip(text, 20)}' is too long or too large")
    return value


def _object(pairs: list[tuple[str, object]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ExportError(f"the key '{clip(_first_repeated(pairs))}' appears twice in one object")
    return result


def _first_repeated(pairs: list[tuple[str, object]]) -> str:
    seen = set()
    for key, _ in pairs:
        if key in seen:
            return key
        seen.add(key)
    return "?"


def _check_depth(document) -> None:
    """Refuse nesting deeper than MAX_DEPTH, without recursion."""
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise ExportError(f"arrays or objects nest deeper than {MAX_DEPTH} levels")
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def checked_document(document) -> dict:
    """A parsed export checked against the relaxed schema, with unknown fields removed and references checked."""
    if not isinstance(document, dict):
        raise ExportError(f"the top level is {_a(document)}, not an lcdkb API v1 export")
    version = document.get("schema_version")
    if not isinstance(version, str) or not version.startswith("1."):
        raise ExportError(f"not an lcdkb API v1 export (schema_version {clip(repr(version), 40)})")
    _validate(document)
    known = known_fields(document, _flat_schema())
    _check_references(known)
    return known


def _validate(document: dict) -> None:
    fast = _fast_validator()
    if fast is not None and fast.is_valid(document):
        return
    errors = itertools.islice(_validator().iter_errors(document), 100)
    error = best_match(errors)
    if error is None:
        if fast is None:
            return
        raise ExportError("does not match the export schema")
    raise ExportError(f"{_where(error.absolute_path)}: {_reason(error)}")


def _reason(error) -> str:
    """What is wrong, in a few words; never the offending value in full."""
    value = error.instance
    if error.validator == "type":
        return f"expected {error.validator_value}, found {_a(value)}"
    if error.validator == "required":
        return clip(error.message, 100)
    if error.validator in ("enum", "const", "pattern", "format"):
        shown = clip(repr(value), 40) if not isinstance(value, (dict, list)) else _a(value)
        return f"{shown} is not an allowed value here ({error.validator})"
    return f"does not match the schema ({error.validator})"


def _where(path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{clip(str(part), 40)}" if text else clip(str(part), 40))
    return text or "top level"


def _a(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    names = {dict: "an object", list: "an array", str: "a string", int: "an integer", float: "a number"}
    return names.get(type(value), "null" if value is None else "a value")


@cache
def _flat_schema() -> dict:
    from lcdkb.schemas import flatten, schema_text

    return flatten(json.loads(schema_text(EXPORT_SCHEMA)), EXPORT_SCHEMA)


def relaxed(schema):
    """The schema with every 'additionalProperties: false' and 'unevaluatedProperties: false' removed, so
    fields added by a newer minor version are accepted."""
    if isinstance(schema, list):
        return [relaxed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        key: (value if key in ("enum", "const", "required") else relaxed(value))
        for key, value in schema.items()
        if not (key in ("additionalProperties", "unevaluatedProperties") and value is False)
    }


@cache
def _validator():
    from lcdkb.schemas import compiled

    return compiled(relaxed(_flat_schema()))


@cache
def _fast_validator():
    from lcdkb.schemas import jsonschema_rs

    if jsonschema_rs is None:
        return None
    return jsonschema_rs.Draft202012Validator(relaxed(_flat_schema()), validate_formats=True)


def known_fields(value, schema: dict):
    """``value`` with only the fields ``schema`` names, at every level (the document has been validated)."""
    schema = _branch(schema, value)
    if isinstance(value, dict):
        names = _property_schemas(schema)
        if names is None:
            return value
        return {key: known_fields(item, names[key]) for key, item in value.items() if key in names}
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [known_fields(item, schema["items"]) for item in value]
    return value


def _branch(schema: dict, value) -> dict:
    """For 'anyOf' (null or an object, null or an array), the alternative that describes ``value``."""
    for option in schema.get("anyOf", ()):
        if ("properties" in option or "allOf" in option) and isinstance(value, dict):
            return option
        if "items" in option and isinstance(value, list):
            return option
    return schema


def _property_schemas(schema: dict) -> dict | None:
    """Field name -> schema for an object schema (its own properties and those of its allOf parts)."""
    parts = [schema] + [part for part in schema.get("allOf", ()) if isinstance(part, dict)]
    found = [part["properties"] for part in parts if isinstance(part.get("properties"), dict)]
    if not found:
        return None
    names: dict = {}
    for properties in reversed(found):
        names.update(properties)
    return names


def _check_references(document: dict) -> None:
    payers = {p["id"] for p in document["payers"]}
    codes = {c["code"] for c in document["codes"]}
    for index, rule in enumerate(document["rules"]):
        if rule["payer_id"] not in payers:
            raise ExportError(f"rules[{index}].payer_id: '{clip(rule['payer_id'])}' is not in payers")
        if rule["code"] not in codes:
            raise ExportError(f"rules[{index}].code: '{clip(rule['code'])}' is not in codes")
        if not rule["sources"]:
            raise ExportError(f"rules[{index}].sources: a rule cites at least one source")


def _compact(record: dict, drop=()) -> dict:
    return {k: v for k, v in record.items() if k not in drop and v is not None and v != []}


def _source_ids(record: dict, sources: dict[str, Source], keep=()) -> dict:
    """A catalogue entry as the model holds it: null and empty fields left out (except those in ``keep``, which
    the model reads without a default), and sources by id."""
    entry = _compact(record, drop=("sources",))
    entry.update({name: record[name] for name in keep if name not in entry})
    if record.get("sources"):
        for s in record["sources"]:
            sources[s["id"]] = Source(**s)
        entry["sources"] = [s["id"] for s in record["sources"]]
    return entry


def knowledge_base_from_export(document: dict) -> KnowledgeBase:
    """The model from a checked export document (see ``read_export``; an export lcdkb just wrote is one too)."""
    catalogue_sources: dict[str, Source] = {}
    kb = KnowledgeBase(
        codes={c["code"]: _source_ids(c, catalogue_sources) for c in document["codes"]},
        states={s["code"]: {k: s[k] for k in ("code", "name", "kind")} for s in document["states"]},
        jurisdictions={
            j["id"]: _source_ids({k: v for k, v in j.items() if k != "payer_id"}, catalogue_sources, keep=("states",))
            for j in document["jurisdictions"]
        },
        modifiers={m["code"]: _compact(m) for m in document["modifiers"]},
        catalogue_sources=catalogue_sources,
    )
    kb.diagnoses = {
        d["code"]: _source_ids(d, catalogue_sources, keep=("sources",)) for d in document.get("diagnoses", [])
    }
    for p in document["payers"]:
        kb.payers[p["id"]] = Payer(
            id=p["id"],
            name=p["name"],
            kind=p["kind"],
            jurisdiction=p["jurisdiction"],
            states=tuple(p["states"]),
            path=None,
            aliases=tuple(p["aliases"]),
            website=p["website"],
            notes=p["notes"],
            review_interval_days=p["review_interval_days"],
            sources=tuple(Source(**s) for s in p["sources"]),
        )
    for r in document["rules"]:
        review = r["review"]
        kb.rules.append(
            Rule(
                payer_id=r["payer_id"],
                code=r["code"],
                policy=r["policy"],
                policy_title=r["policy_title"],
                facts={k: r[k] for k in FACT_FIELDS if r.get(k) is not None},
                sources=tuple(Source(**s) for s in r["sources"]),
                last_reviewed=review["last_reviewed"],
                reviewed_by=review["reviewed_by"],
                review_interval_days=review["review_interval_days"],
            )
        )
    kb.rules.sort(key=lambda r: (r.payer_id, r.code))
    return kb
