"""Review metadata and dates: intervals in range, nothing reviewed in the future, date pairs in order."""

from __future__ import annotations

from datetime import date

from lcdkb.checks import check
from lcdkb.problems import WARNING

MIN_INTERVAL, MAX_INTERVAL = 60, 90


@check(
    "LCD030",
    "review-interval",
    f"Review intervals are {MIN_INTERVAL} to {MAX_INTERVAL} days (file default and per-rule overrides).",
)
def review_interval(ctx, report):
    for data_file in ctx.payers:
        _check_interval(report, data_file, ("review_interval_days",), data_file.data["review_interval_days"])
    for data_file, path, rule in ctx.rules():
        if "interval_days" in rule["review"]:
            _check_interval(report, data_file, path + ("review", "interval_days"), rule["review"]["interval_days"])


def _check_interval(report, data_file, path, days):
    if not MIN_INTERVAL <= days <= MAX_INTERVAL:
        report(
            data_file,
            path,
            f"review interval {days} days is outside {MIN_INTERVAL}-{MAX_INTERVAL}",
            f"payer rules are re-checked every {MIN_INTERVAL} to {MAX_INTERVAL} days; pick a value in that range",
        )


@check("LCD031", "no-future-review", "last_reviewed and a source's checked date are not after today.")
def no_future_review(ctx, report):
    for data_file, path, rule in ctx.rules():
        reviewed = rule["review"]["last_reviewed"]
        if date.fromisoformat(reviewed) > ctx.today:
            report(
                data_file,
                path + ("review", "last_reviewed"),
                f"last_reviewed {reviewed} is in the future",
                f"use the date you actually checked the rule (today is {ctx.today.isoformat()})",
            )
    for data_file in ctx.files:
        for index, source in enumerate(data_file.data.get("sources", [])):
            if date.fromisoformat(source["checked"]) > ctx.today:
                report(
                    data_file,
                    ("sources", index, "checked"),
                    f"source '{source['id']}' checked {source['checked']} is in the future",
                    f"use the date you read it (today is {ctx.today.isoformat()})",
                )


@check(
    "LCD032",
    "dates-in-order",
    "Date ranges run forwards: a prior authorization period, a fact's effective dates and a code's billable dates "
    "end on or after the day they start.",
)
def dates_in_order(ctx, report):
    for data_file, path, block in ctx.fact_blocks():
        for index, prior_auth in enumerate(block.get("prior_auth", [])):
            _in_order(
                report, data_file, path + ("prior_auth", index), prior_auth, "from", "until", "prior authorization"
            )
        for name, fact in block.items():
            for fact_path, item in _fact_items(path + (name,), fact):
                _in_order(report, data_file, fact_path, item, "effective_from", "effective_to", f"the {name} fact")
    codes = ctx.catalogues.get("codes")
    if codes is not None:
        for index, entry in enumerate(codes.data["codes"]):
            _in_order(report, codes, ("codes", index), entry, "effective_from", "effective_to", f"code {entry['code']}")


def _fact_items(path: tuple, fact):
    if isinstance(fact, dict):
        yield path, fact
    elif isinstance(fact, list):
        yield from ((path + (i,), item) for i, item in enumerate(fact) if isinstance(item, dict))


def _in_order(report, data_file, path: tuple, item: dict, first: str, last: str, what: str) -> None:
    start, end = item.get(first), item.get(last)
    if start and end and end < start:
        report(
            data_file,
            path + (last,),
            f"{what} ends ({end}) before it starts ({start})",
            "swap the dates or correct the one that is wrong",
        )


DATED_TYPES = {"LCD", "billing-article", "NCD", "payer-policy", "federal-rule"}


@check(
    "LCD034",
    "source-effective-date",
    "LCDs, articles, NCDs, payer policies and federal rules record the effective date of the version read.",
    severity=WARNING,
)
def source_effective_date(ctx, report):
    for data_file in ctx.files:
        for index, source in enumerate(data_file.data.get("sources", [])):
            if source["type"] in DATED_TYPES and "effective_date" not in source:
                report(
                    data_file,
                    ("sources", index, "id"),
                    f"source '{source['id']}' has no effective_date",
                    "add the effective date shown on the document; until someone reads it there, "
                    "this warning stays as a reminder",
                )
