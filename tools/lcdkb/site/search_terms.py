"""What the site search should find each page by, and the near-miss table its search box applies to a query.

Both come from the model, so they grow with the catalogue and the payers:

- ``page_keywords``: per generated page, the words a biller types to reach it (the code and its family's common
  abbreviations on a code page; the payer's names, jurisdiction, states and the policy IDs its rules cite on a payer
  page; the state's name and abbreviation on a state page; the ICD-10-CM codes on a diagnosis page). The build puts
  them into the page's front matter as ``search_keywords``; the theme writes them into a ``<meta>`` that Pagefind
  reads as a searchable metadata field, which the search box weights above body text.
- ``alias_table``: phrases billers use for a family ("ESI", "facet RF", "TPI") mapped to the family's codes, and
  the known identifiers (codes with a page, policy IDs) the search box corrects a mistyped code to (one edit away:
  "6483" -> 64483).

Abbreviations and synonyms here are our own short words for code families, not descriptor text.
"""

from __future__ import annotations

import json
import re

from lcdkb.model import KnowledgeBase

ALIAS_FILE = "search/aliases.json"
ALIAS_VERSION = 1

# Words billers use for each code family. A phrase that names more than one family (ESI) maps to all of them.
FAMILY_TERMS: dict[str, tuple[str, ...]] = {
    "epidural-interlaminar": ("ESI", "epidural", "epidural steroid injection", "ILESI", "interlaminar"),
    "epidural-transforaminal": (
        "ESI",
        "epidural",
        "epidural steroid injection",
        "TFESI",
        "transforaminal",
        "nerve root block",
        "SNRB",
    ),
    "facet-injection": ("facet block", "facet injection", "MBB", "medial branch block"),
    "facet-rf-ablation": (
        "RFA",
        "facet RF",
        "facet RFA",
        "RF ablation",
        "radiofrequency",
        "radiofrequency ablation",
        "rhizotomy",
        "neurotomy",
    ),
    "trigger-point": ("TPI", "trigger point", "trigger point injection"),
    "chronic-pain-management": ("CPM", "chronic pain management"),
}
# Sources that name another document rather than being a payer's own policy (their IDs would point elsewhere).
NOT_POLICY_TYPES = frozenset({"secondary-summary", "society", "dataset"})
IDENTIFIER = re.compile(r"^[A-Za-z]{0,3}-?\d{3,6}$")


def _normal(phrase: str) -> str:
    return " ".join(phrase.lower().split())


def code_pages(kb: KnowledgeBase) -> list[str]:
    """The codes that have a page of their own (the key codes)."""
    return sorted(code for code, entry in kb.codes.items() if entry.get("scope") == "key")


def policy_ids(kb: KnowledgeBase, payer_id: str) -> list[str]:
    """The IDs of the payer's own documents that its rules cite (LCDs, articles, payer policies), sorted."""
    found = {
        source.id
        for rule in kb.rules_for(payer_id=payer_id)
        for source in rule.sources
        if source.type not in NOT_POLICY_TYPES
    }
    return sorted(found)


def _unique(words) -> list[str]:
    return list(dict.fromkeys(word for word in words if word))


def page_keywords(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Generated page path (as ``site.pages.all_pages`` names it) -> its search keywords, in a stable order."""
    keywords: dict[str, list[str]] = {}
    for code in code_pages(kb):
        entry = kb.codes[code]
        keywords[f"codes/{code}.md"] = _unique([code, entry.get("system", ""), *FAMILY_TERMS.get(entry["family"], ())])
    for payer in kb.payers.values():
        words = [payer.name, *payer.aliases]
        if payer.jurisdiction:
            jurisdiction = kb.jurisdictions.get(payer.jurisdiction, {})
            words += [payer.jurisdiction, jurisdiction.get("contractor", ""), jurisdiction.get("contractor_short", "")]
            words += jurisdiction.get("legacy_ids", [])
        for state in payer.states:
            words += [state, kb.states.get(state, {}).get("name", "")]
        words += policy_ids(kb, payer.id)
        keywords[f"payers/{payer.id}.md"] = _unique(words)
    for state, entry in kb.states.items():
        keywords[f"states/{state.lower()}.md"] = _unique([entry.get("name", ""), state])
    diagnoses: dict[str, set[str]] = {}
    for rule in kb.rules:
        fact = rule.facts.get("diagnoses") or {}
        for field in ("covered", "not_covered"):
            for code in fact.get(field, []):
                diagnoses.setdefault(code[:3], set()).add(code)
    for category, codes in diagnoses.items():
        keywords[f"diagnoses/{category.lower()}.md"] = sorted(codes)
    return keywords


def alias_table(kb: KnowledgeBase) -> dict:
    """The near-miss table the search box reads: {"version", "phrases": {phrase: [code, ...]}, "identifiers": [...]}.
    Phrases are lower case with single spaces; codes and identifiers are sorted."""
    pages = set(code_pages(kb))
    phrases: dict[str, set[str]] = {}
    for code in pages:
        for term in FAMILY_TERMS.get(kb.codes[code]["family"], ()):
            phrases.setdefault(_normal(term), set()).add(code)
    identifiers = set(pages)
    for payer_id in kb.payers:
        identifiers.update(i for i in policy_ids(kb, payer_id) if IDENTIFIER.match(i))
    return {
        "version": ALIAS_VERSION,
        "phrases": {phrase: sorted(codes) for phrase, codes in sorted(phrases.items())},
        "identifiers": sorted(identifiers, key=str.lower),
    }


def alias_json(kb: KnowledgeBase) -> bytes:
    """``alias_table`` as the bytes of ALIAS_FILE: sorted keys, one line, ending in a newline (deterministic)."""
    return (json.dumps(alias_table(kb), sort_keys=True, ensure_ascii=True, separators=(",", ":")) + "\n").encode()
