"""Review metadata and dates: intervals in range, nothing reviewed in the future, date pairs in order."""

from __future__ import annotations

import re
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


_HTTPS = re.compile(r"https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][A-Za-z0-9\-._~!$&()*+,;=:@%/?#]*)?\Z")
LISTING_FIELDS = ("listed_version", "listed_on", "listed_status")


def _sources(ctx):
    for data_file in ctx.files:
        for index, source in enumerate(data_file.data.get("sources", [])):
            yield data_file, ("sources", index), source


@check(
    "LCD046",
    "provenance-dates",
    "A source's content_read_on and compared_on are not after today; content_read_on is not after checked "
    "(reading the content is a check); the listing's listed_on is not after compared_on.",
)
def provenance_dates(ctx, report):
    for data_file, path, source in _sources(ctx):
        for name in ("content_read_on", "compared_on"):
            if name in source and date.fromisoformat(source[name]) > ctx.today:
                report(
                    data_file,
                    path + (name,),
                    f"source '{source['id']}' {name} {source[name]} is in the future",
                    f"use the day it actually happened (today is {ctx.today.isoformat()})",
                )
        if "content_read_on" in source and source["content_read_on"] > source["checked"]:
            report(
                data_file,
                path + ("content_read_on",),
                f"source '{source['id']}' content_read_on {source['content_read_on']} is after checked "
                f"{source['checked']}",
                "reading the content is a check: set checked to the same day or later",
            )
        if "listed_on" in source and "compared_on" in source and source["listed_on"] > source["compared_on"]:
            report(
                data_file,
                path + ("listed_on",),
                f"source '{source['id']}' listed_on {source['listed_on']} is after compared_on {source['compared_on']}",
                "listed_on is the listing's own 'updated on' date as seen when compared; it cannot be later",
            )


@check(
    "LCD047",
    "provenance-fields",
    "A source's listing fields (listed_version, listed_on, listed_status) come with compared_on, the day they "
    "were seen; a document listed as not-found has no listed version; read_from is a plain https:// address "
    "other than url.",
)
def provenance_fields(ctx, report):
    for data_file, path, source in _sources(ctx):
        listed = [name for name in LISTING_FIELDS if name in source]
        if listed and "compared_on" not in source:
            report(
                data_file,
                path + (listed[0],),
                f"source '{source['id']}' has {', '.join(listed)} but no compared_on",
                "add compared_on: the day the listing was compared (lcdkb sources check writes both)",
            )
        if source.get("listed_status") == "not-found" and "listed_version" in source:
            report(
                data_file,
                path + ("listed_version",),
                f"source '{source['id']}' is listed as not-found but has listed_version {source['listed_version']}",
                "a document the listing does not hold has no listed version; remove one of the two",
            )
        read_from = source.get("read_from")
        if read_from is None:
            continue
        if read_from == source.get("url"):
            report(
                data_file,
                path + ("read_from",),
                f"source '{source['id']}' read_from is the same address as url",
                "leave read_from out when the text was read at url; it is for a copy read elsewhere",
            )
        elif not _HTTPS.match(read_from):
            report(
                data_file,
                path + ("read_from",),
                f"source '{source['id']}' read_from '{read_from[:80]}' holds characters an address cannot hold",
                "copy the address from the browser's address bar; spaces and quotes are written %20 and %22",
            )
