"""The CARC/RARC crosswalk (reasons.yaml beside this file): loaded with the project's strict YAML reader, checked
against a JSON Schema and for references (every code names a known group), and turned into the reason group of
one adjusted service line.

A line's reason: its largest adjustment that is not routine (deductible, coinsurance, contractual write-off ...)
decides; a broad CARC marked ``refine_by_remark`` (16, 50, 96, 204) takes the group of the first remark code on
the line that the crosswalk maps to a more specific group. A CARC the crosswalk does not list counts as ``other``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jsonschema

from lcdkb.strict_yaml import YamlError, parse_yaml

PATH = Path(__file__).with_name("reasons.yaml")
GROUP_ORDER = (
    "medical-necessity",
    "diagnosis",
    "documentation",
    "prior-authorization",
    "modifier",
    "bundling",
    "frequency-units",
    "eligibility",
    "timely-filing",
    "other",
)
_CODE_ENTRY = {
    "type": "object",
    "required": ["group", "label", "confidence"],
    "additionalProperties": False,
    "properties": {
        "group": {"enum": list(GROUP_ORDER)},
        "label": {"type": "string", "minLength": 3, "maxLength": 90},
        "confidence": {"enum": ["high", "medium", "low"]},
        "refine_by_remark": {"type": "boolean"},
    },
}
SCHEMA = {
    "type": "object",
    "required": ["checked", "sources", "groups", "routine", "carc", "rarc"],
    "additionalProperties": False,
    "properties": {
        "checked": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "sources": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "url", "note"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "url": {"type": "string", "pattern": "^https://"},
                    "note": {"type": "string"},
                },
            },
        },
        "groups": {
            "type": "object",
            "required": list(GROUP_ORDER),
            "additionalProperties": False,
            "properties": {name: {"type": "string", "minLength": 3} for name in GROUP_ORDER},
        },
        "routine": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z0-9]{1,4}$"}},
        "carc": {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Z0-9]{1,4}$"},
            "additionalProperties": _CODE_ENTRY,
        },
        "rarc": {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Z]{1,2}[0-9]{1,4}$"},
            "additionalProperties": _CODE_ENTRY,
        },
    },
}


class CrosswalkError(Exception):
    pass


@dataclass(frozen=True)
class Crosswalk:
    checked: str
    sources: tuple[dict, ...]
    groups: dict[str, str]  # group -> our label
    routine: frozenset[str]
    carc: dict[str, dict]
    rarc: dict[str, dict]

    def carc_group(self, code: str) -> str:
        entry = self.carc.get(code)
        return entry["group"] if entry else "other"

    def line_group(self, adjustments: list[tuple[str, float]], remarks: list[str]) -> str | None:
        """The reason group of a line from its (CARC, amount) adjustments and remark codes; None when every
        adjustment is routine (the line was not denied)."""
        denials = [(amount, code) for code, amount in adjustments if code not in self.routine]
        if not denials:
            return None
        code = max(denials, key=lambda item: item[0])[1]
        entry = self.carc.get(code)
        if entry is None:
            return "other"
        if entry.get("refine_by_remark"):
            for remark in remarks:
                refined = self.rarc.get(remark)
                if refined is not None and refined["group"] != "other":
                    return refined["group"]
        return entry["group"]

    def as_data(self) -> dict:
        return {
            "checked": self.checked,
            "sources": list(self.sources),
            "groups": [{"group": g, "label": self.groups[g]} for g in GROUP_ORDER],
            "routine": sorted(self.routine, key=_code_order),
            "carc": [{"code": c, **self.carc[c]} for c in sorted(self.carc, key=_code_order)],
            "rarc": [{"code": c, **self.rarc[c]} for c in sorted(self.rarc, key=_code_order)],
        }


def _code_order(code: str) -> tuple[int, int, str]:
    return (0, int(code), "") if code.isdigit() else (1, 0, code)


def parse(text: str, name: str = "reasons.yaml") -> Crosswalk:
    """A crosswalk from YAML text; CrosswalkError names the place of the first problem."""
    try:
        document = parse_yaml(text)
    except YamlError as exc:
        raise CrosswalkError(f"{name}:{exc.line}: {exc.message}") from None
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(document.data), key=lambda e: list(e.path))
    if errors:
        error = errors[0]
        line, _ = document.position(tuple(error.path))
        where = "/".join(str(p) for p in error.path) or "(top)"
        raise CrosswalkError(f"{name}:{line}: {where}: {error.message}")
    data = document.data
    overlap = set(data["routine"]) & set(data["carc"])
    if overlap:
        raise CrosswalkError(f"{name}: CARC {', '.join(sorted(overlap))} is both routine and a denial reason")
    return Crosswalk(
        checked=data["checked"],
        sources=tuple(data["sources"]),
        groups=dict(data["groups"]),
        routine=frozenset(data["routine"]),
        carc=dict(data["carc"]),
        rarc=dict(data["rarc"]),
    )


@lru_cache(maxsize=1)
def load() -> Crosswalk:
    """The crosswalk shipped with lcdkb."""
    return parse(PATH.read_text(encoding="utf-8"))
