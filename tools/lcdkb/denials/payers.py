"""The payer of a remittance, as a payer ID of the data: ``--payer`` when given, else the payer's name in the file
(N1*PR) matched to a payer's ID, name or alias; a name two payers share ("Novitas": JH and JL) is settled by the
state of the payee's address (the practice's state decides its Medicare contractor), else it is a question back."""

from __future__ import annotations

from lcdkb.lookup import LookupError, find_payer
from lcdkb.model import KnowledgeBase


class PayerProblem(Exception):
    pass


def resolve_payer(kb: KnowledgeBase, name: str, state: str, override: str | None = None) -> str:
    if override is not None:
        if override not in kb.payers:
            raise PayerProblem(f"--payer {override!r} is not a payer ID; 'lcdkb lookup --list-payers' lists them")
        return override
    try:
        known_state = state.upper() if state.upper() in kb.states else None
        return find_payer(kb, name, known_state).id
    except LookupError as exc:
        raise PayerProblem(f"{exc}; or give --payer ID for this file") from None
