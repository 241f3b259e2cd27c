"""Diagnosis lists: ICD-10-CM ranges run from low to high within one chapter letter."""

from __future__ import annotations

from lcdkb.checks import check
from lcdkb.problems import WARNING


@check(
    "LCD043",
    "icd10-ranges",
    "An ICD-10-CM range such as M47.812-M47.817 starts at or below where it ends, within one letter.",
)
def icd10_ranges(ctx, report):
    for data_file, path, block in ctx.fact_blocks():
        diagnoses = block.get("diagnoses", {})
        for field in ("covered", "not_covered"):
            for index, item in enumerate(diagnoses.get(field, [])):
                if "-" not in item:
                    continue
                start, end = item.split("-", 1)
                if start[0] != end[0] or start.replace(".", "") > end.replace(".", ""):
                    report(
                        data_file,
                        path + ("diagnoses", field, index),
                        f"range '{item}' runs backwards or crosses letters",
                        "write the lower code first, and split ranges that span two letters",
                    )


@check(
    "LCD044",
    "billable-diagnoses",
    "Covered-diagnosis lists do not name a code the diagnosis catalogue marks non-billable.",
    severity=WARNING,
)
def billable_diagnoses(ctx, report):
    for data_file, path, block in ctx.fact_blocks():
        for index, item in enumerate(block.get("diagnoses", {}).get("covered", [])):
            entry = ctx.diagnoses.get(item)
            if entry is not None:
                instead = ", ".join(entry.get("replaced_by", [])) or "a more specific code"
                report(
                    data_file,
                    path + ("diagnoses", "covered", index),
                    f"'{item}' is not billable for dates of service from {entry['from']}",
                    f"list the billable codes instead: {instead}",
                )
