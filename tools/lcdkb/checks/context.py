"""What a check sees: the schema-valid files, indexed catalogues, and the date to judge by."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lcdkb.load import DataFile


@dataclass
class Context:
    catalogues: dict[str, DataFile]
    payers: list[DataFile]
    today: date
    codes: dict[str, dict] = field(init=False)
    states: set[str] | None = field(init=False)
    jurisdictions: dict[str, dict] | None = field(init=False)
    modifiers: set[str] | None = field(init=False)
    diagnoses: dict[str, dict] = field(init=False)

    def __post_init__(self):
        self.codes = self._index("codes", "code")
        self.states = set(self._index("states", "code")) if "states" in self.catalogues else None
        self.jurisdictions = self._index("jurisdictions", "id") if "jurisdictions" in self.catalogues else None
        self.modifiers = set(self._index("modifiers", "code")) if "modifiers" in self.catalogues else None
        self.diagnoses = self._index("diagnoses", "code")

    def _index(self, kind: str, key: str) -> dict:
        data_file = self.catalogues.get(kind)
        return {entry[key]: entry for entry in data_file.data[kind]} if data_file else {}

    @property
    def files(self) -> list[DataFile]:
        return list(self.catalogues.values()) + self.payers

    def rules(self, only: DataFile | None = None):
        """(file, path, rule) for every rule in every payer file, or in ``only``."""
        for data_file in [only] if only else self.payers:
            for index, rule in enumerate(data_file.data["rules"]):
                yield data_file, ("rules", index), rule

    def fact_blocks(self, only: DataFile | None = None):
        """(file, path, block) for every shared policy block and every rule, in all payer files or ``only``."""
        for data_file in [only] if only else self.payers:
            for name, policy in data_file.data.get("policies", {}).items():
                yield data_file, ("policies", name), policy
            yield from self.rules(data_file)


def walk_strings(value, path=()):
    """(path, text) for every string value in a document, keys excluded, in document order.

    Collects into a list with a plain recursive function (the data nests at most ``strict_yaml.MAX_DEPTH``
    deep): nested generators pass every string up through one generator per level, which made this walk a
    large part of ``validate``."""
    if isinstance(value, str):
        return iter([(path, value)])
    found: list = []
    if isinstance(value, (dict, list)):
        _collect_strings(value, path, found)
    return iter(found)


def _collect_strings(value, path: tuple, found: list) -> None:
    for key, item in value.items() if isinstance(value, dict) else enumerate(value):
        if isinstance(item, str):
            found.append((path + (key,), item))
        elif isinstance(item, (dict, list)):
            _collect_strings(item, path + (key,), found)
