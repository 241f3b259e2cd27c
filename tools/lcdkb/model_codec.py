"""The model as plain JSON-ready data and back, with the shape checked on the way in.

Used by the desk commands' cache. Plain data cannot run code when it is read (unlike pickle), and
``from_plain`` refuses anything that is not the shape ``to_plain`` writes (``CodecError``), so a damaged or
foreign file can never become a half-built model.
"""

from __future__ import annotations

from lcdkb.model import KnowledgeBase, Payer, Rule, Source
from lcdkb.record import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TypeVar

    K = TypeVar("K", bound=KnowledgeBase)


class CodecError(ValueError):
    pass


_SCALARS = (str, int, float, bool, type(None))
_SOURCE_FIELD_ORDER = Source.FIELDS
_SOURCE_FIELDS = set(_SOURCE_FIELD_ORDER)
_RULE_FIELDS = Rule.FIELDS
_PAYER_FIELDS = Payer.FIELDS
_SOURCE_REQUIRED = {"id", "type", "checked", "confidence"}


def to_plain(kb: KnowledgeBase) -> dict:
    """The model as JSON-ready data. Values are shared with the model, not copied (``dataclasses.asdict`` would
    deep-copy every fact): serialize the result, do not change it."""
    return {**catalogues_plain(kb), "rules": [rule_plain(r) for r in kb.rules]}


def catalogues_plain(kb: KnowledgeBase) -> dict:
    """Everything in ``to_plain`` but the rules, in the same order (the part every per-code cache file shares)."""
    return {
        "codes": kb.codes,
        "states": kb.states,
        "jurisdictions": kb.jurisdictions,
        "modifiers": kb.modifiers,
        "diagnoses": kb.diagnoses,
        "catalogue_sources": [_source_plain(s) for s in kb.catalogue_sources.values()],
        "payers": [_payer_plain(p) for p in kb.payers.values()],
    }


def rule_plain(rule: Rule) -> dict:
    plain = {name: getattr(rule, name) for name in _RULE_FIELDS}
    plain["sources"] = [_source_plain(s) for s in rule.sources]
    return plain


def _source_plain(source: Source) -> dict:
    return {name: getattr(source, name) for name in _SOURCE_FIELD_ORDER}


def _payer_plain(payer: Payer) -> dict:
    plain = {name: getattr(payer, name) for name in _PAYER_FIELDS}
    plain["path"] = str(payer.path) if payer.path is not None else None
    plain["sources"] = [_source_plain(s) for s in payer.sources]
    return plain


def from_plain(document) -> KnowledgeBase:
    kb: KnowledgeBase = catalogues_from_plain(document)
    kb.rules = [_rule(entry) for entry in _list(document, "rules")]
    return kb


def catalogues_from_plain(document, kb_class: type[K] = KnowledgeBase) -> K:  # type: ignore[assignment]
    """The catalogues and payers of ``document`` (``catalogues_plain``'s shape) as a ``kb_class``, no rules."""
    doc = _mapping(document, "document")
    kb: K = kb_class(
        codes=_table(doc, "codes"),
        states=_table(doc, "states"),
        jurisdictions=_table(doc, "jurisdictions"),
        modifiers=_table(doc, "modifiers"),
        diagnoses=_table(doc, "diagnoses"),
        catalogue_sources={s.id: s for s in map(_source, _list(doc, "catalogue_sources"))},
    )
    for entry in _list(doc, "payers"):
        payer = _payer(entry)
        kb.payers[payer.id] = payer
    return kb


def rule_from_plain(entry) -> Rule:
    """One rule of ``rule_plain``'s shape; ``CodecError`` for anything else."""
    return _rule(entry)


def _mapping(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise CodecError(f"{what} is not a mapping")
    return value


def _list(doc: dict, key: str) -> list:
    value = doc.get(key)
    if not isinstance(value, list):
        raise CodecError(f"{key} is not a list")
    return value


def _table(doc: dict, key: str) -> dict[str, dict]:
    value = _mapping(doc.get(key), key)
    if not all(isinstance(k, str) and isinstance(v, dict) for k, v in value.items()):
        raise CodecError(f"{key} holds entries of the wrong shape")
    return value


def _text(entry: dict, key: str, optional: bool = False):
    value = entry.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise CodecError(f"{key} is not text")
    return value


def _source(entry) -> Source:
    entry = _mapping(entry, "source")
    if not set(entry) <= _SOURCE_FIELDS or not set(entry) >= _SOURCE_REQUIRED:
        raise CodecError("a source has unexpected or missing fields")
    if not all(isinstance(v, _SCALARS) for v in entry.values()):
        raise CodecError("a source field is not a plain value")
    return Source(**entry)


def _texts(entry: dict, key: str) -> tuple[str, ...]:
    value = entry.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CodecError(f"{key} is not a list of text")
    return tuple(value)


def _whole(entry: dict, key: str, optional: bool = False):
    value = entry.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise CodecError(f"{key} is not a whole number")
    return value


def _payer(entry) -> Payer:
    entry = _mapping(entry, "payer")
    path = _text(entry, "path", optional=True)
    return Payer(
        id=_text(entry, "id"),
        name=_text(entry, "name"),
        kind=_text(entry, "kind"),
        jurisdiction=_text(entry, "jurisdiction", optional=True),
        states=_texts(entry, "states"),
        path=_path(path),
        aliases=_texts(entry, "aliases"),
        website=_text(entry, "website", optional=True),
        notes=_text(entry, "notes", optional=True),
        review_interval_days=_whole(entry, "review_interval_days"),
        sources=tuple(map(_source, _list(entry, "sources"))),
    )


def _path(text: str | None):
    if text is None:
        return None
    from pathlib import Path  # only when a payer's file is kept: the desk index leaves it out

    return Path(text)


def _rule(entry) -> Rule:
    entry = _mapping(entry, "rule")
    return Rule(
        payer_id=_text(entry, "payer_id"),
        code=_text(entry, "code"),
        policy=_text(entry, "policy", optional=True),
        policy_title=_text(entry, "policy_title", optional=True),
        facts=_mapping(entry.get("facts"), "facts"),
        sources=tuple(map(_source, _list(entry, "sources"))),
        last_reviewed=_text(entry, "last_reviewed"),
        reviewed_by=_text(entry, "reviewed_by"),
        review_interval_days=_whole(entry, "review_interval_days"),
        file=_text(entry, "file", optional=True),
        line=_whole(entry, "line", optional=True),
    )
