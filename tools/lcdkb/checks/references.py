"""Referential integrity: every code, state, jurisdiction, modifier, policy and source a file names exists."""

from __future__ import annotations

import difflib

from lcdkb.checks import check


def _did_you_mean(value: str, known) -> str:
    close = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def _unknown(report, data_file, path, what, value, known, catalogue):
    hint = _did_you_mean(value, known)
    add = f"add it to catalog/{catalogue}.yaml if it is real"
    report(data_file, path, f"unknown {what} '{value}'", f"{hint} {add}".strip() if hint else add)


@check("LCD021", "known-codes", "Every code a rule, a conflict list or an add-on link names is in catalog/codes.yaml.")
def known_codes(ctx, report):
    if "codes" not in ctx.catalogues:
        return
    codes = ctx.codes
    catalogue = ctx.catalogues["codes"]
    for index, entry in enumerate(catalogue.data["codes"]):
        for n, primary in enumerate(entry.get("add_on_of", [])):
            if primary not in codes:
                _unknown(report, catalogue, ("codes", index, "add_on_of", n), "primary code", primary, codes, "codes")
    for data_file, path, block in ctx.fact_blocks():
        if "code" in block and block["code"] not in codes:
            _unknown(report, data_file, path + ("code",), "code", block["code"], codes, "codes")
        for i, conflict in enumerate(block.get("not_same_session", [])):
            for n, code in enumerate(conflict["codes"]):
                if code not in codes:
                    _unknown(
                        report, data_file, path + ("not_same_session", i, "codes", n), "code", code, codes, "codes"
                    )


@check(
    "LCD022",
    "known-jurisdictions",
    "Every Medicare jurisdiction a payer file or catalogue names is in catalog/jurisdictions.yaml.",
)
def known_jurisdictions(ctx, report):
    if ctx.jurisdictions is None:
        return
    for data_file in ctx.payers:
        jurisdiction = data_file.data["payer"].get("jurisdiction")
        if jurisdiction and jurisdiction not in ctx.jurisdictions:
            _unknown(
                report,
                data_file,
                ("payer", "jurisdiction"),
                "jurisdiction",
                jurisdiction,
                ctx.jurisdictions,
                "jurisdictions",
            )
    catalogue = ctx.catalogues["jurisdictions"]
    for index, entry in enumerate(catalogue.data["jurisdictions"]):
        for n, legacy in enumerate(entry.get("legacy_ids", [])):
            if legacy in ctx.jurisdictions:
                report(
                    catalogue,
                    ("jurisdictions", index, "legacy_ids", n),
                    f"legacy id '{legacy}' is also a current jurisdiction",
                    "remove it from legacy_ids",
                )


@check("LCD023", "known-states", "Every state a file names is in catalog/states.yaml.")
def known_states(ctx, report):
    if ctx.states is None:
        return
    for data_file in ctx.files:
        for path, value in _state_values(ctx, data_file):
            if value not in ctx.states:
                _unknown(report, data_file, path, "state", value, ctx.states, "states")


def _state_values(ctx, data_file):
    data = data_file.data
    if data_file.kind == "jurisdictions":
        for i, entry in enumerate(data["jurisdictions"]):
            for n, state in enumerate(entry["states"]):
                yield ("jurisdictions", i, "states", n), state
            for e, exception in enumerate(entry.get("exceptions", [])):
                yield ("jurisdictions", i, "exceptions", e, "state"), exception["state"]
    elif data_file.kind == "payer":
        for n, state in enumerate(data["payer"].get("states", [])):
            yield ("payer", "states", n), state
        for _, path, block in ctx.fact_blocks(data_file):
            for p, prior_auth in enumerate(block.get("prior_auth", [])):
                for n, state in enumerate(prior_auth.get("states", [])):
                    yield path + ("prior_auth", p, "states", n), state


@check("LCD024", "known-modifiers", "Every modifier a rule names is in catalog/modifiers.yaml.")
def known_modifiers(ctx, report):
    if ctx.modifiers is None:
        return
    for data_file, path, block in ctx.fact_blocks():
        for i, modifier in enumerate(block.get("modifiers", [])):
            if modifier["code"] not in ctx.modifiers:
                _unknown(
                    report,
                    data_file,
                    path + ("modifiers", i, "code"),
                    "modifier",
                    modifier["code"],
                    ctx.modifiers,
                    "modifiers",
                )


@check(
    "LCD027",
    "add-on-with-primary",
    "An add-on code has a rule only where its payer also has a rule for one of its primary codes, "
    "and no code is its own primary.",
)
def add_on_with_primary(ctx, report):
    codes = ctx.codes
    if not codes:
        return
    catalogue = ctx.catalogues["codes"]
    for index, entry in enumerate(catalogue.data["codes"]):
        for n, primary in enumerate(entry.get("add_on_of", [])):
            if primary == entry["code"]:
                report(
                    catalogue,
                    ("codes", index, "add_on_of", n),
                    f"'{primary}' is listed as its own primary code",
                    "list the codes it is billed in addition to",
                )
    for data_file in ctx.payers:
        have = {rule["code"] for rule in data_file.data["rules"]}
        for index, rule in enumerate(data_file.data["rules"]):
            primaries = codes.get(rule["code"], {}).get("add_on_of", [])
            if primaries and not have.intersection(primaries):
                report(
                    data_file,
                    ("rules", index, "code"),
                    f"add-on code '{rule['code']}' has a rule but none of its primary codes "
                    f"({', '.join(primaries)}) does",
                    "add the primary code's rule, or remove the add-on's rule",
                )


@check(
    "LCD028",
    "known-references",
    "Every policy a rule names and every source id a fact cites is defined in the same file.",
)
def known_references(ctx, report):
    for data_file in ctx.files:
        source_ids = {s["id"] for s in data_file.data.get("sources", [])}
        policies = data_file.data.get("policies", {})
        for path, key, value in _references(data_file.data):
            if key == "policy":
                if value not in policies:
                    hint = _did_you_mean(value, policies) or "define it under 'policies' in this file"
                    report(data_file, path, f"unknown policy '{value}'", hint)
            elif value not in source_ids:
                hint = _did_you_mean(value, source_ids) or "add the document to this file's 'sources' list"
                report(data_file, path, f"unknown source '{value}'", hint)


def _references(value, path=()):
    """(path, kind, value) for every 'policy', 'source' and 'sources' reference in a document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "policy" and isinstance(item, str):
                yield path + (key,), "policy", item
            elif key == "source" and isinstance(item, str):
                yield path + (key,), "source", item
            elif key == "sources" and path and isinstance(item, list) and all(isinstance(i, str) for i in item):
                for n, ref in enumerate(item):
                    yield path + (key, n), "source", ref
            else:
                yield from _references(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _references(item, path + (index,))


@check("LCD029", "rule-cites-sources", "Every rule cites at least one source, itself or through its policy.")
def rule_cites_sources(ctx, report):
    for data_file, path, rule in ctx.rules():
        policies = data_file.data.get("policies", {})
        if "policy" in rule and rule["policy"] not in policies:
            continue  # LCD028 reports the unknown policy
        policy = policies.get(rule.get("policy"), {})
        if not rule.get("sources") and not policy.get("sources"):
            report(
                data_file,
                path + ("code",),
                f"rule for '{rule['code']}' cites no source",
                "add 'sources: [<id>]' naming the documents this rule was read in",
            )
