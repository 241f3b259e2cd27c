"""Catalogue consistency: the jurisdiction map covers every state exactly once."""

from __future__ import annotations

from lcdkb.checks import check


@check(
    "LCD033",
    "state-in-one-jurisdiction",
    "Every state, DC and territory in catalog/states.yaml belongs to exactly one Medicare A/B jurisdiction; "
    "sub-state exceptions point at another jurisdiction's state.",
)
def state_in_one_jurisdiction(ctx, report):
    if ctx.jurisdictions is None or ctx.states is None:
        return
    catalogue = ctx.catalogues["jurisdictions"]
    home: dict[str, str] = {}
    for index, entry in enumerate(catalogue.data["jurisdictions"]):
        for n, state in enumerate(entry["states"]):
            if state in home and home[state] != entry["id"]:
                report(
                    catalogue,
                    ("jurisdictions", index, "states", n),
                    f"state {state} is in both {home[state]} and {entry['id']}",
                    "a state belongs to one jurisdiction; record partial coverage under 'exceptions'",
                )
            home.setdefault(state, entry["id"])
    for index, entry in enumerate(catalogue.data["jurisdictions"]):
        for e, exception in enumerate(entry.get("exceptions", [])):
            if home.get(exception["state"]) == entry["id"]:
                report(
                    catalogue,
                    ("jurisdictions", index, "exceptions", e, "state"),
                    f"exception for {exception['state']} points at {entry['id']}'s own state",
                    "exceptions name areas of a state that another jurisdiction serves",
                )
    missing = sorted(ctx.states - set(home))
    if missing and len(ctx.jurisdictions) > 0:
        report(
            catalogue,
            ("jurisdictions",),
            f"no jurisdiction serves {', '.join(missing)}",
            "add each missing state to the jurisdiction that serves it",
        )
