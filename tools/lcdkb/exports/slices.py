"""The export documents: all.json plus per-payer, per-code and per-state slices sharing one envelope.

A slice holds the payers and rules in its scope and the catalogue entries they refer to. A state slice also
lists its rules by reference (``rule_refs``, since 1.2.0: each rule's ID and the payer file that holds it). Its
``rules`` stay in v1, as the compatibility promise requires (docs/consumers.md); a reference-only state slice is
a breaking change kept for api/v2. Rows are sorted and the time stamp comes from the data (or SOURCE_DATE_EPOCH),
so the same data gives the same documents.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime

from lcdkb import __version__
from lcdkb.exports import SCHEMA_VERSION
from lcdkb.exports.records import (
    code_record,
    diagnosis_record,
    digest,
    jurisdiction_record,
    modifier_record,
    payer_record,
    rule_record,
    state_record,
)
from lcdkb.model import KnowledgeBase

NOTICE = (
    "Codes are listed by number only. Labels for CPT codes are lcdkb's own plain-language words, not AMA "
    "descriptors; CPT is a registered trademark of the American Medical Association. HCPCS Level II "
    "descriptors are CMS public text. Coverage rules summarise payer documents in lcdkb's own words: check "
    "each rule's sources and confidence before relying on it."
)


@dataclass(frozen=True)
class Stamp:
    generated_at: str  # 2026-11-28T00:00:00Z
    status_as_of: date


def stamp_for(kb: KnowledgeBase, environ=os.environ) -> Stamp:
    """SOURCE_DATE_EPOCH when set, else midnight UTC of the newest review or check date in the data."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            moment = datetime.fromtimestamp(int(epoch), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise ValueError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not '{epoch}'") from None
    else:
        moment = datetime.combine(date.fromisoformat(newest_data_date(kb)), datetime.min.time(), UTC)
    return Stamp(moment.strftime("%Y-%m-%dT%H:%M:%SZ"), moment.date())


def newest_data_date(kb: KnowledgeBase) -> str:
    """The newest day anyone looked at the data: a review, a check, a reading or a comparison with CMS's listing
    (never the listing's own dates)."""
    sources = [s for p in kb.payers.values() for s in p.sources] + list(kb.catalogue_sources.values())
    dates = [r.last_reviewed for r in kb.rules]
    dates += [d for s in sources for d in (s.checked, s.content_read_on, s.compared_on) if d]
    return max(dates, default="1970-01-01")


class Records:
    """Every record built once, indexed for slicing."""

    def __init__(self, kb: KnowledgeBase, today: date):
        self.kb = kb
        self.payers = {pid: payer_record(kb.payers[pid], kb) for pid in sorted(kb.payers)}
        self.codes = {c: code_record(kb.codes[c], kb) for c in sorted(kb.codes)}
        self.jurisdictions = {j: jurisdiction_record(kb.jurisdictions[j], kb) for j in sorted(kb.jurisdictions)}
        self.states = {s: state_record(kb.states[s], kb) for s in sorted(kb.states)}
        self.modifiers = {m: modifier_record(kb.modifiers[m]) for m in sorted(kb.modifiers)}
        self.diagnoses = {d: diagnosis_record(kb.diagnoses[d], kb) for d in sorted(kb.diagnoses)}
        self.rules = [rule_record(r, today) for r in sorted(kb.rules, key=lambda r: (r.payer_id, r.code))]
        self.data_digest = digest(
            {
                "payers": self.payers,
                "codes": self.codes,
                "jurisdictions": self.jurisdictions,
                "states": self.states,
                "modifiers": self.modifiers,
                "diagnoses": self.diagnoses,
                "rules": [r["digest"] for r in self.rules],
            }
        )


def documents(kb: KnowledgeBase, stamp: Stamp) -> dict[str, dict]:
    """Relative path -> JSON document, for all.json and every slice."""
    rec = Records(kb, stamp.status_as_of)
    docs = {"all.json": _envelope(rec, stamp, "all", None, list(rec.payers), rec.rules, everything=True)}
    for payer_id in rec.payers:
        docs[f"payers/{payer_id}.json"] = _envelope(
            rec, stamp, "payer", payer_id, [payer_id], [r for r in rec.rules if r["payer_id"] == payer_id]
        )
    for code in rec.codes:
        rules = [r for r in rec.rules if r["code"] == code]
        docs[f"codes/{code}.json"] = _envelope(rec, stamp, "code", code, _payers_of(rules), rules, extra_codes=[code])
    for state in rec.states:
        # Medicare (the state's contractors and the national rules) and payers that list the state. Nationwide
        # commercial payers are left out: they would repeat in every state file (see payers/ and codes/).
        payer_ids = [
            p.id
            for p in kb.payers_in_state(state)
            if (p.kind.startswith("medicare-") and p.kind != "medicare-advantage") or state in p.states
        ]
        rules = [r for r in rec.rules if r["payer_id"] in payer_ids]
        state_doc = _envelope(rec, stamp, "state", state, sorted(payer_ids), rules, extra_states=[state])
        state_doc["rule_refs"] = [rule_ref(r) for r in rules]
        docs[f"states/{state}.json"] = state_doc
    return docs


def rule_ref(rule: dict) -> dict:
    """Where a state slice's rule is: its ID, payer and code, and the payer file (relative to api/v1) holding it."""
    return {
        "id": rule["id"],
        "payer_id": rule["payer_id"],
        "code": rule["code"],
        "file": f"payers/{rule['payer_id']}.json",
    }


def _payers_of(rules: list[dict]) -> list[str]:
    return sorted({r["payer_id"] for r in rules})


def _envelope(
    rec: Records,
    stamp: Stamp,
    kind: str,
    scope_id: str | None,
    payer_ids: list[str],
    rules: list[dict],
    everything: bool = False,
    extra_codes=(),
    extra_states=(),
) -> dict:
    if everything:
        codes, jurisdictions = set(rec.codes), set(rec.jurisdictions)
        states, modifiers = set(rec.states), set(rec.modifiers)
    else:
        codes = _referenced_codes(rec, rules, extra_codes)
        jurisdictions = {rec.payers[p]["jurisdiction"] for p in payer_ids} - {None}
        states = {s for p in payer_ids for s in rec.payers[p]["states"]} | set(extra_states)
        states |= {e["state"] for j in jurisdictions for e in rec.jurisdictions[j]["exceptions"]}
        modifiers = {m["code"] for r in rules for m in (r["modifiers"] or [])}
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": stamp.generated_at,
        "status_as_of": stamp.status_as_of.isoformat(),
        "scope": {"kind": kind, "id": scope_id},
        "source": {"project": "lcdkb", "generator": f"lcdkb {__version__}", "data_digest": rec.data_digest},
        "notice": NOTICE,
        "counts": {"payers": len(payer_ids), "codes": len(codes), "rules": len(rules)},
        "payers": [rec.payers[p] for p in sorted(payer_ids)],
        "codes": [rec.codes[c] for c in sorted(codes)],
        "jurisdictions": [rec.jurisdictions[j] for j in sorted(jurisdictions)],
        "states": [rec.states[s] for s in sorted(states)],
        "modifiers": [rec.modifiers[m] for m in sorted(modifiers)],
        "diagnoses": list(rec.diagnoses.values()),
        "rules": rules,
    }


def _referenced_codes(rec: Records, rules: list[dict], extra=()) -> set[str]:
    codes = {r["code"] for r in rules} | set(extra)
    for rule in rules:
        for conflict in rule["not_same_session"] or []:
            codes.update(conflict["codes"])
    codes |= {p for c in list(codes) for p in rec.codes[c]["add_on_of"]}
    return codes
