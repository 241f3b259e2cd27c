"""The Python API for programs that use lcdkb.

    from lcdkb import api
    kb = api.load()                          # the bundled YAML (or api.load("path/to/lcd_data"))
    kb = api.load_export("site/api/v1/all.json")
    kb.rules_for_state("TX", "64483")        # rules that apply to 64483 in Texas
    api.payers_requiring_prior_auth(kb, "64635", setting="hospital-outpatient")

Every function returns model objects (``Payer``, ``Rule``, ``Source``) from :mod:`lcdkb.model`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lcdkb.model import KnowledgeBase, Payer, Rule
from lcdkb.problems import Problem, has_errors

__all__ = [
    "DataError",
    "KnowledgeBase",
    "Payer",
    "Rule",
    "load",
    "load_export",
    "payers_requiring_prior_auth",
    "prior_auth_in_effect",
]


class DataError(Exception):
    """The data did not validate. ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in the data; first: {errors[0].as_text()}")


def load(data: str | Path | None = None) -> KnowledgeBase:
    """Validate a data folder (default: as the ``lcdkb`` command finds it) and build the knowledge base."""
    from lcdkb.model import build_model
    from lcdkb.paths import default_data_dir
    from lcdkb.validate import validate

    result = validate(Path(data) if data is not None else default_data_dir())
    if has_errors(result.problems):
        raise DataError(result.problems)
    return build_model(result)


def load_export(path: str | Path, max_bytes: int | None = None) -> KnowledgeBase:
    """Read an exported ``all.json`` (or a payer, code or state slice) of API v1 into a knowledge base.

    Fields a newer 1.x version adds are ignored. A file that is not a readable v1 export (not JSON, wrong types,
    missing fields, nesting deeper than 64 levels, larger than ``max_bytes``, 256 MiB by default) raises
    ``ValueError`` with a short reason and the path into the document; a file that cannot be opened raises
    ``OSError``.
    """
    from lcdkb.exports.reader import MAX_EXPORT_BYTES, knowledge_base_from_export, read_export

    return knowledge_base_from_export(read_export(path, MAX_EXPORT_BYTES if max_bytes is None else max_bytes))


def prior_auth_in_effect(
    rule: Rule, on: date | None = None, setting: str | None = None, state: str | None = None
) -> list[dict]:
    """The rule's prior authorization entries that apply on a day, in a setting and state (None: any)."""
    from lcdkb.answers import entry_applies

    day = on or date.today()
    return [entry for entry in rule.facts.get("prior_auth", []) if entry_applies(entry, day, setting, state)]


def payers_requiring_prior_auth(
    kb: KnowledgeBase,
    code: str,
    on: date | None = None,
    setting: str | None = None,
    state: str | None = None,
    voluntary: bool = False,
) -> list[Payer]:
    """Payers with a prior authorization requirement for ``code`` in effect (``voluntary=True`` adds WISeR-style
    voluntary programmes). With ``state``, only payers whose rules apply there."""
    wanted = {"required", "voluntary"} if voluntary else {"required"}
    rules = kb.rules_for_state(state, code) if state else kb.rules_for(code)
    payer_ids = sorted(
        {
            r.payer_id
            for r in rules
            if any(e["requirement"] in wanted for e in prior_auth_in_effect(r, on, setting, state))
        }
    )
    return [kb.payers[p] for p in payer_ids]
