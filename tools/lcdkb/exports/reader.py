"""An exported all.json read back into the model, so consumers can query an export without the YAML."""
from __future__ import annotations

from lcdkb.exports.records import FACT_FIELDS
from lcdkb.model import KnowledgeBase, Payer, Rule, Source


def _compact(record: dict, drop=()) -> dict:
    return {k: v for k, v in record.items() if k not in drop and v is not None and v != []}


def _source_ids(record: dict, sources: dict[str, Source]) -> dict:
    entry = _compact(record, drop=("sources",))
    if record.get("sources"):
        for s in record["sources"]:
            sources[s["id"]] = Source(**s)
        entry["sources"] = [s["id"] for s in record["sources"]]
    return entry


def knowledge_base_from_export(document: dict) -> KnowledgeBase:
    catalogue_sources: dict[str, Source] = {}
    kb = KnowledgeBase(
        codes={c["code"]: _source_ids(c, catalogue_sources) for c in document["codes"]},
        states={s["code"]: {k: s[k] for k in ("code", "name", "kind")} for s in document["states"]},
        jurisdictions={j["id"]: _source_ids({k: v for k, v in j.items() if k != "payer_id"}, catalogue_sources)
                       for j in document["jurisdictions"]},
        modifiers={m["code"]: _compact(m) for m in document["modifiers"]},
        catalogue_sources=catalogue_sources,
    )
    kb.diagnoses = {d["code"]: _source_ids(d, catalogue_sources) for d in document.get("diagnoses", [])}
    for p in document["payers"]:
        kb.payers[p["id"]] = Payer(
            id=p["id"], name=p["name"], kind=p["kind"], jurisdiction=p["jurisdiction"], states=tuple(p["states"]),
            path=None, aliases=tuple(p["aliases"]), website=p["website"], notes=p["notes"],
            review_interval_days=p["review_interval_days"], sources=tuple(Source(**s) for s in p["sources"]))
    for r in document["rules"]:
        review = r["review"]
        kb.rules.append(Rule(
            payer_id=r["payer_id"], code=r["code"], policy=r["policy"], policy_title=r["policy_title"],
            facts={k: r[k] for k in FACT_FIELDS if r.get(k) is not None},
            sources=tuple(Source(**s) for s in r["sources"]), last_reviewed=review["last_reviewed"],
            reviewed_by=review["reviewed_by"], review_interval_days=review["review_interval_days"]))
    kb.rules.sort(key=lambda r: (r.payer_id, r.code))
    return kb
