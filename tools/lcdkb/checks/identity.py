"""Identity checks: IDs match file names, and nothing is defined twice."""

from __future__ import annotations

from lcdkb.checks import check
from lcdkb.editor_schemas import modeline
from lcdkb.load import DataFile

CATALOGUE_KEYS = {"codes": "code", "states": "code", "jurisdictions": "id", "modifiers": "code", "diagnoses": "code"}


@check("LCD020", "payer-id-matches-file", "A payer file's payer.id equals its file name, so the path is the stable ID.")
def payer_id_matches_file(ctx, report):
    for data_file in ctx.payers:
        payer_id = data_file.data["payer"]["id"]
        if payer_id != data_file.path.stem:
            report(
                data_file,
                ("payer", "id"),
                f"payer.id '{payer_id}' differs from the file name '{data_file.path.name}'",
                f"rename the file to {payer_id}.yaml, or set payer.id to '{data_file.path.stem}'",
            )


@check("LCD025", "one-rule-per-code", "A payer file has at most one rule per code.")
def one_rule_per_code(ctx, report):
    for data_file in ctx.payers:
        first: dict[str, int] = {}
        for index, rule in enumerate(data_file.data["rules"]):
            code = rule["code"]
            if code in first:
                line, _ = data_file.doc.position(("rules", first[code]))
                report(
                    data_file,
                    ("rules", index, "code"),
                    f"second rule for code '{code}' (first on line {line})",
                    "merge the two rules into one",
                )
            else:
                first[code] = index


@check(
    "LCD026",
    "unique-entries",
    "Catalogue entries, source ids within a file, and Medicare jurisdictions across payer files are each defined once.",
)
def unique_entries(ctx, report):
    for kind, data_file in ctx.catalogues.items():
        key = CATALOGUE_KEYS[kind]
        _report_repeats(report, data_file, kind, [e[key] for e in data_file.data[kind]], key)
    for data_file in ctx.files:
        sources = data_file.data.get("sources", [])
        _report_repeats(report, data_file, "sources", [s["id"] for s in sources], "id")
    owner: dict[str, DataFile] = {}
    for data_file in ctx.payers:
        payer = data_file.data["payer"]
        if payer["kind"] != "medicare-mac":
            continue
        jurisdiction = payer["jurisdiction"]
        if jurisdiction in owner:
            report(
                data_file,
                ("payer", "jurisdiction"),
                f"jurisdiction {jurisdiction} already has a payer file: {owner[jurisdiction].display}",
                "put all of one jurisdiction's rules in one file",
            )
        else:
            owner[jurisdiction] = data_file


def _report_repeats(report, data_file, list_key, values, field):
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            line, _ = data_file.doc.position((list_key, seen[value]))
            report(
                data_file,
                (list_key, index, field),
                f"'{value}' is defined twice in {list_key} (first on line {line})",
                "keep one entry and merge what the two say",
            )
        else:
            seen[value] = index


@check(
    "LCD035",
    "editor-schema-line",
    "Each data file starts with '# yaml-language-server: $schema=../../schema/editor/<kind>.schema.json', "
    "so editors validate while people type, with the self-contained editor schema.",
)
def editor_schema_line(ctx, report):
    for data_file in ctx.files:
        expected = modeline(data_file.kind)
        if data_file.first_line != expected:
            report(
                data_file,
                None,
                "the first line is not the editor schema line",
                f"make the first line exactly: {expected}",
            )
