"""The one in-memory model every output reads: payers, codes, jurisdictions and fully resolved rules.

Built only from data that validated without errors. Authoring shorthand is resolved here, once:
a rule's policy facts are merged in (a fact on the rule replaces the policy's), source ids become
``Source`` objects, and a Medicare jurisdiction's states come from the jurisdiction catalogue.
"""

from __future__ import annotations

from lcdkb.record import TYPE_CHECKING, Record

if TYPE_CHECKING:  # only for the annotations: reading a cached model must not import the validator
    from pathlib import Path

    from lcdkb.validate import Validation

CONFIDENCE_ORDER = ("conflicting", "unverified", "verified-secondary", "verified-primary")


class Source(Record):
    FIELDS = (
        "id",
        "type",
        "checked",
        "confidence",
        "url",
        "locator",
        "title",
        "version",
        "effective_date",
        "note",
        "read_from",
        "content_read_on",
        "listed_version",
        "listed_on",
        "listed_status",
        "compared_on",
    )
    id: str
    type: str
    checked: str
    confidence: str
    url: str | None
    locator: str | None
    title: str | None
    version: str | None
    effective_date: str | None
    note: str | None
    # Provenance (docs/data-guidelines.md): where the text was read when not at url, when a person last read the
    # content, and what CMS's listing showed when the entry was last compared with it (lcdkb sources check).
    read_from: str | None
    content_read_on: str | None
    listed_version: str | None
    listed_on: str | None
    listed_status: str | None  # active, retired, not-found
    compared_on: str | None

    def __init__(
        self,
        id: str,
        type: str,
        checked: str,
        confidence: str,
        url: str | None = None,
        locator: str | None = None,
        title: str | None = None,
        version: str | None = None,
        effective_date: str | None = None,
        note: str | None = None,
        read_from: str | None = None,
        content_read_on: str | None = None,
        listed_version: str | None = None,
        listed_on: str | None = None,
        listed_status: str | None = None,
        compared_on: str | None = None,
    ) -> None:
        self._fill(locals())


class Payer(Record):
    FIELDS = (
        "id",
        "name",
        "kind",
        "jurisdiction",
        "states",
        "path",
        "aliases",
        "website",
        "notes",
        "review_interval_days",
        "sources",
    )
    id: str
    name: str
    kind: str
    jurisdiction: str | None
    states: tuple[str, ...]
    path: Path | None  # None when the model was read from an export or the desk index
    aliases: tuple[str, ...]
    website: str | None
    notes: str | None
    review_interval_days: int
    sources: tuple[Source, ...]  # every document the payer file lists, cited by a rule or not

    def __init__(
        self,
        id: str,
        name: str,
        kind: str,
        jurisdiction: str | None,
        states: tuple[str, ...],
        path: Path | None,
        aliases: tuple[str, ...] = (),
        website: str | None = None,
        notes: str | None = None,
        review_interval_days: int = 90,
        sources: tuple[Source, ...] = (),
    ) -> None:
        self._fill(locals())


class Rule(Record):
    FIELDS = (
        "payer_id",
        "code",
        "policy",
        "policy_title",
        "facts",
        "sources",
        "last_reviewed",
        "reviewed_by",
        "review_interval_days",
        "file",
        "line",
    )
    COMPARED = FIELDS[:-2]  # where the rule is written (file, line) is not part of what it says
    payer_id: str
    code: str
    policy: str | None
    policy_title: str | None
    facts: dict  # every structured fact carries its confidence (see _with_confidence)
    sources: tuple[Source, ...]  # the policy's and the rule's, then any a single fact cites
    last_reviewed: str
    reviewed_by: str
    review_interval_days: int
    file: str | None  # the YAML file and line the rule is written at,
    line: int | None  # for "edit this entry" links (None from an export)

    def __init__(
        self,
        payer_id: str,
        code: str,
        policy: str | None,
        policy_title: str | None,
        facts: dict,
        sources: tuple[Source, ...],
        last_reviewed: str,
        reviewed_by: str,
        review_interval_days: int,
        file: str | None = None,
        line: int | None = None,
    ) -> None:
        self._fill(locals())

    @property
    def id(self) -> str:
        return f"{self.payer_id}/{self.code}"

    @property
    def confidence(self) -> str:
        """The weakest confidence among the rule's sources and any fact's own confidence."""
        levels = [s.confidence for s in self.sources]
        levels += [f["confidence"] for f in _fact_dicts(self.facts) if "confidence" in f]
        return min(levels, key=CONFIDENCE_ORDER.index)


class KnowledgeBase:
    """The catalogues, the payers and every rule. Equal when all of those are equal."""

    FIELDS = ("codes", "states", "jurisdictions", "modifiers", "catalogue_sources", "diagnoses", "payers", "rules")

    def __init__(
        self,
        codes: dict[str, dict],
        states: dict[str, dict],
        jurisdictions: dict[str, dict],
        modifiers: dict[str, dict],
        catalogue_sources: dict[str, Source] | None = None,  # sources the catalogues cite
        diagnoses: dict[str, dict] | None = None,  # ICD-10-CM codes with a billing status note
        payers: dict[str, Payer] | None = None,
        rules: list[Rule] | None = None,
    ) -> None:
        self.codes = codes
        self.states = states
        self.jurisdictions = jurisdictions
        self.modifiers = modifiers
        self.catalogue_sources: dict[str, Source] = {} if catalogue_sources is None else catalogue_sources
        self.diagnoses: dict[str, dict] = {} if diagnoses is None else diagnoses
        self.payers: dict[str, Payer] = {} if payers is None else payers
        self.rules: list[Rule] = [] if rules is None else rules

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.FIELDS)

    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({len(self.payers)} payers, {len(self.codes)} codes)"

    def rules_for(self, code: str | None = None, payer_id: str | None = None) -> list[Rule]:
        if code is not None and payer_id is not None:
            found = self.rule(payer_id, code)
            return [found] if found else []
        if code is not None:
            return list(self._index()[0].get(code, ()))
        if payer_id is not None:
            return list(self._index()[1].get(payer_id, ()))
        return list(self.rules)

    def rule(self, payer_id: str, code: str) -> Rule | None:
        return self._index()[2].get((payer_id, code))

    def replace(self, **changes) -> KnowledgeBase:
        """A knowledge base with ``changes`` to its fields, sharing the rest (like ``dataclasses.replace``)."""
        return KnowledgeBase(**{**{name: getattr(self, name) for name in self.FIELDS}, **changes})

    def only_code(self, code: str) -> KnowledgeBase:
        """The same knowledge base with only the rules for ``code`` (payers and catalogues kept)."""
        return self.replace(rules=self.rules_for(code))

    def _index(self):
        """(rules by code, rules by payer, rule by payer and code). Rebuilt when ``rules`` is replaced or grows;
        to change a rule, assign a new list rather than editing an item in place."""
        key = (id(self.rules), len(self.rules))
        if getattr(self, "_index_key", None) != key:
            by_code: dict[str, list[Rule]] = {}
            by_payer: dict[str, list[Rule]] = {}
            for rule in self.rules:
                by_code.setdefault(rule.code, []).append(rule)
                by_payer.setdefault(rule.payer_id, []).append(rule)
            self._index_cache = (by_code, by_payer, {(r.payer_id, r.code): r for r in self.rules})
            self._index_key = key
        return self._index_cache

    def payers_in_state(self, state: str) -> list[Payer]:
        """Payers whose rules apply in ``state``: its Medicare jurisdiction(s), national Medicare, and
        commercial or Medicare Advantage payers that list the state or apply nationwide."""
        jurisdictions = self.jurisdictions_for_state(state)
        return [
            p
            for p in self.payers.values()
            if (p.jurisdiction in jurisdictions)
            or p.kind == "medicare-national"
            or (p.kind in ("commercial", "medicare-advantage") and (not p.states or state in p.states))
        ]

    def rules_for_state(self, state: str, code: str | None = None) -> list[Rule]:
        payer_ids = {p.id for p in self.payers_in_state(state)}
        return [r for r in self.rules_for(code) if r.payer_id in payer_ids]

    def jurisdiction_for_state(self, state: str) -> str | None:
        """The A/B jurisdiction for the state as a whole (see ``jurisdictions_for_state`` for partial ones)."""
        for jurisdiction in self.jurisdictions.values():
            if state in jurisdiction["states"]:
                return jurisdiction["id"]
        return None

    def jurisdictions_for_state(self, state: str) -> list[str]:
        """The state's jurisdiction first, then any that take part of it (Part B in northern Virginia: JL)."""
        main = self.jurisdiction_for_state(state)
        partial = [
            j["id"] for j in self.jurisdictions.values() if any(e["state"] == state for e in j.get("exceptions", ()))
        ]
        return ([main] if main else []) + [j for j in partial if j != main]


def _fact_dicts(facts: dict):
    for value in facts.values():
        if isinstance(value, dict):
            yield value
        elif isinstance(value, list):
            yield from (item for item in value if isinstance(item, dict))


def build_model(validation: Validation) -> KnowledgeBase:
    """The knowledge base from a validation that found no errors."""
    ctx = validation.context
    kb = KnowledgeBase(
        codes=dict(ctx.codes),
        states={e["code"]: e for e in ctx.catalogues["states"].data["states"]},
        jurisdictions=dict(ctx.jurisdictions or {}),
        modifiers={e["code"]: e for e in ctx.catalogues["modifiers"].data["modifiers"]},
        catalogue_sources={
            s["id"]: Source(**s)
            for kind in ("codes", "jurisdictions", "diagnoses")
            if kind in ctx.catalogues
            for s in ctx.catalogues[kind].data.get("sources", [])
        },
        diagnoses=dict(ctx.diagnoses),
    )
    for data_file in sorted(ctx.payers, key=lambda f: f.data["payer"]["id"]):
        data = data_file.data
        sources = {s["id"]: Source(**s) for s in data["sources"]}
        payer = _payer(data, data_file.path, kb, tuple(sources.values()))
        kb.payers[payer.id] = payer
        policies = data.get("policies", {})
        for index, rule in enumerate(data["rules"]):
            line, _ = data_file.doc.position(("rules", index))
            kb.rules.append(
                _rule(
                    payer.id,
                    rule,
                    policies,
                    sources,
                    data["review_interval_days"],
                    f"payers/{data_file.path.name}",
                    line,
                )
            )
    kb.rules.sort(key=lambda r: (r.payer_id, r.code))
    return kb


def _payer(data: dict, path: Path, kb: KnowledgeBase, sources: tuple[Source, ...]) -> Payer:
    entry = data["payer"]
    jurisdiction = entry.get("jurisdiction")
    states = kb.jurisdictions[jurisdiction]["states"] if jurisdiction else entry.get("states", [])
    return Payer(
        id=entry["id"],
        name=entry["name"],
        kind=entry["kind"],
        jurisdiction=jurisdiction,
        states=tuple(states),
        path=path,
        aliases=tuple(entry.get("aliases", ())),
        website=entry.get("website"),
        notes=entry.get("notes"),
        review_interval_days=data["review_interval_days"],
        sources=sources,
    )


def _rule(
    payer_id: str, rule: dict, policies: dict, sources: dict[str, Source], default_interval: int, file: str, line: int
) -> Rule:
    policy = policies.get(rule.get("policy"), {})
    facts = {k: v for k, v in policy.items() if k not in ("title", "sources")}
    facts.update({k: v for k, v in rule.items() if k not in ("code", "policy", "review", "sources")})
    block_ids = list(dict.fromkeys(policy.get("sources", []) + rule.get("sources", [])))
    fact_source_ids = [f["source"] for f in _fact_dicts(facts) if "source" in f]
    source_ids = list(dict.fromkeys(block_ids + fact_source_ids))
    fallback = min((sources[i].confidence for i in block_ids), key=CONFIDENCE_ORDER.index, default="unverified")
    facts = {name: _with_confidence(value, sources, fallback) for name, value in facts.items()}
    review = rule["review"]
    return Rule(
        payer_id=payer_id,
        code=rule["code"],
        policy=rule.get("policy"),
        policy_title=policy.get("title"),
        facts=facts,
        sources=tuple(sources[i] for i in source_ids),
        last_reviewed=review["last_reviewed"],
        reviewed_by=review["reviewed_by"],
        review_interval_days=review.get("interval_days", default_interval),
        file=file,
        line=line,
    )


def _with_confidence(value, sources: dict[str, Source], fallback: str):
    """A fact with its confidence written out: its own, else its source's, else the weakest of the sources
    the rule and its policy cite. Plain values (notes) are left as they are."""
    if isinstance(value, dict):
        if "confidence" in value:
            return value
        return {**value, "confidence": sources[value["source"]].confidence if "source" in value else fallback}
    if isinstance(value, list):
        return [_with_confidence(item, sources, fallback) for item in value]
    return value
