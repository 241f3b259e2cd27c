"""Model objects as plain, explicit JSON records: every key always present, null when not recorded."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from lcdkb import answers
from lcdkb.freshness import next_review_due, rule_status
from lcdkb.model import CONFIDENCE_ORDER, KnowledgeBase, Payer, Rule, Source

FACT_FIELDS = (
    "coverage",
    "coverage_criteria",
    "prior_auth",
    "modifiers",
    "units",
    "frequency",
    "levels_per_session",
    "regions_per_session",
    "imaging",
    "diagnoses",
    "not_same_session",
    "time_threshold",
    "repeat_criteria",
    "documentation",
    "notes",
)
# Derived from prior_auth and the export's status date: not in the digest, so a rule whose facts are unchanged
# keeps its digest when the date passes a requirement's start or end (changes.json and lcdkb diff skip it too).
DERIVED_FIELDS = ("prior_auth_answers",)
# What CMS's listing showed when a source was last compared with it (lcdkb sources check): an observation about the
# listing, not the rule's content, so it is left out of the digest (a new comparison alone does not change a rule);
# when it shows a change the rule's review.status says source-changed.
LISTING_FIELDS = ("listed_version", "listed_on", "listed_status", "compared_on")
# Added in 1.1.0; left out of the digest while null, so data without them keeps the digests it had.
PROVENANCE_FIELDS = ("read_from", "content_read_on")


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(value) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def source_record(source: Source) -> dict:
    return {
        "id": source.id,
        "type": source.type,
        "title": source.title,
        "url": source.url,
        "locator": source.locator,
        "version": source.version,
        "effective_date": source.effective_date,
        "checked": source.checked,
        "confidence": source.confidence,
        "note": source.note,
        "read_from": source.read_from,
        "content_read_on": source.content_read_on,
        "listed_version": source.listed_version,
        "listed_on": source.listed_on,
        "listed_status": source.listed_status,
        "compared_on": source.compared_on,
    }


def source_content(record: dict) -> dict:
    """A source record as the digest sees it: without the listing fields, and without provenance fields that are
    null (or absent, in an export older than 1.1.0)."""
    return {k: v for k, v in record.items() if k not in LISTING_FIELDS and not (k in PROVENANCE_FIELDS and v is None)}


def payer_record(payer: Payer, kb: KnowledgeBase) -> dict:
    return {
        "id": payer.id,
        "name": payer.name,
        "kind": payer.kind,
        "jurisdiction": payer.jurisdiction,
        "states": list(payer.states),
        "aliases": list(payer.aliases),
        "website": payer.website,
        "notes": payer.notes,
        "review_interval_days": payer.review_interval_days,
        "sources": [source_record(s) for s in payer.sources],
        "rule_count": len(kb.rules_for(payer_id=payer.id)),
    }


def code_record(entry: dict, kb: KnowledgeBase) -> dict:
    return {
        "code": entry["code"],
        "system": entry["system"],
        "label": entry["label"],
        "family": entry["family"],
        "region": entry.get("region"),
        "scope": entry["scope"],
        "add_on_of": list(entry.get("add_on_of", [])),
        "guided": entry.get("guided"),
        "descriptor": entry.get("descriptor"),
        "effective_from": entry.get("effective_from"),
        "effective_to": entry.get("effective_to"),
        "sources": [source_record(kb.catalogue_sources[i]) for i in entry.get("sources", [])],
    }


def jurisdiction_record(entry: dict, kb: KnowledgeBase) -> dict:
    payer_ids = [p.id for p in kb.payers.values() if p.jurisdiction == entry["id"]]
    return {
        "id": entry["id"],
        "legacy_ids": list(entry.get("legacy_ids", [])),
        "contractor": entry["contractor"],
        "contractor_short": entry.get("contractor_short"),
        "states": list(entry["states"]),
        "exceptions": [dict(e) for e in entry.get("exceptions", [])],
        "notes": entry.get("notes"),
        "sources": [source_record(kb.catalogue_sources[i]) for i in entry.get("sources", [])],
        "payer_id": payer_ids[0] if payer_ids else None,
    }


def state_record(entry: dict, kb: KnowledgeBase) -> dict:
    return {
        "code": entry["code"],
        "name": entry["name"],
        "kind": entry["kind"],
        "jurisdiction": kb.jurisdiction_for_state(entry["code"]),
        "jurisdictions": kb.jurisdictions_for_state(entry["code"]),
    }


def diagnosis_record(entry: dict, kb: KnowledgeBase) -> dict:
    sources = [kb.catalogue_sources[i] for i in entry["sources"]]
    weakest = min((s.confidence for s in sources), key=CONFIDENCE_ORDER.index, default="unverified")
    return {
        "code": entry["code"],
        "billable": entry["billable"],
        "from": entry["from"],
        "replaced_by": list(entry.get("replaced_by", [])),
        "sources": [source_record(s) for s in sources],
        "confidence": entry.get("confidence", weakest),
        "note": entry.get("note"),
    }


def modifier_record(entry: dict) -> dict:
    return {"code": entry["code"], "label": entry["label"], "notes": entry.get("notes")}


def rule_record(rule: Rule, today: date) -> dict:
    """A rule with every fact field present (null when not recorded); the model made each confidence explicit."""
    record: dict[str, Any] = {
        "id": rule.id,
        "payer_id": rule.payer_id,
        "code": rule.code,
        "policy": rule.policy,
        "policy_title": rule.policy_title,
    }
    for name in FACT_FIELDS:
        record[name] = rule.facts.get(name)
    record["prior_auth_answers"] = prior_auth_answers(rule, today)
    record["sources"] = [source_record(s) for s in rule.sources]
    record["confidence"] = rule.confidence
    record["review"] = {
        "last_reviewed": rule.last_reviewed,
        "reviewed_by": rule.reviewed_by,
        "review_interval_days": rule.review_interval_days,
        "next_review_due": next_review_due(rule.last_reviewed, rule.review_interval_days),
        "status": rule_status(rule, today),
    }
    record["digest"] = rule_digest(record)
    return record


def prior_auth_answers(rule: Rule, today: date) -> dict:
    """setting -> the explicit answer on ``today`` for each desk setting (lcdkb.answers, with no state)."""
    return {
        setting: {
            "status": answer.status,
            "text": answer.text,
            "reason": answer.reason,
            "sources": list(answer.sources),
            "crd_code": answers.CRD_CODES[answer.status],
        }
        for setting, answer in answers.by_setting(rule, today).items()
    }


def rule_digest(record: dict) -> str:
    """Digest of everything in a rule record except what depends on the clock or on CMS's listing: the review
    status, the derived prior-authorization answers, the sources' listing fields (and the digest itself)."""
    return digest(digest_content(record))


def digest_content(record: dict) -> dict:
    """The part of a rule record its digest covers (see ``rule_digest``); changes.json compares the same part."""
    content = {k: v for k, v in record.items() if k != "digest" and k not in DERIVED_FIELDS}
    content["review"] = {k: v for k, v in record.get("review", {}).items() if k != "status"}
    content["sources"] = [source_content(s) for s in record.get("sources", [])]
    return content
