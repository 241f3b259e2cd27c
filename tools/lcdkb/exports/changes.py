"""changes.json: rules added, changed and removed against a baseline export, so consumers can sync."""

from __future__ import annotations

from lcdkb.exports import SCHEMA_VERSION
from lcdkb.exports.records import digest_content


def changes_document(current: dict, baseline: dict | None, kind: str | None = None, ref: str | None = None) -> dict:
    """Compare two all.json documents by rule ID and digest. Without a baseline every rule is added."""
    now = {r["id"]: r for r in current["rules"]}
    before = {r["id"]: r for r in baseline["rules"]} if baseline else {}
    added = [_entry(now[i], []) for i in sorted(now.keys() - before.keys())]
    removed = [_entry(before[i], [], gone=True) for i in sorted(before.keys() - now.keys())]
    changed = [
        _entry(now[i], _changed_fields(before[i], now[i]))
        for i in sorted(now.keys() & before.keys())
        if before[i]["digest"] != now[i]["digest"]
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": current["generated_at"],
        "baseline": None
        if baseline is None
        else {
            "kind": kind,
            "ref": ref,
            "generated_at": baseline["generated_at"],
            "data_digest": baseline["source"]["data_digest"],
        },
        "added": added,
        "changed": changed,
        "removed": removed,
    }


def _entry(rule: dict, fields: list[str], gone: bool = False) -> dict:
    return {
        "id": rule["id"],
        "payer_id": rule["payer_id"],
        "code": rule["code"],
        "fields": fields,
        "digest": None if gone else rule["digest"],
    }


def _changed_fields(old: dict, new: dict) -> list[str]:
    """The top-level fields whose digested part differs: derived answers, review.status and the sources' listing
    fields are left out, as in the digest (their facts and the sources' content are compared)."""
    a, b = digest_content(old), digest_content(new)
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
