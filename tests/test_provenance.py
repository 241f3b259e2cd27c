"""Provenance: what a person read of each source, what CMS's listing shows, and the source-changed review status.

The contract (docs/data-guidelines.md): a source may carry read_from, content_read_on, listed_version, listed_on,
listed_status and compared_on. A rule whose cited source is retired in the listing, or listed at another version
than the one read, is source-changed everywhere statuses show: lcdkb stale, the exports, the site and reviews.ics.
"""

from __future__ import annotations

import inspect
import json
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from jsonschema import Draft202012Validator

from conftest import FIXTURE_TODAY, REPO, VALID
from export_helpers import doc, fixture_kb, render
from lcdkb import lookup
from lcdkb.cli import main
from lcdkb.coverage import provenance_rows
from lcdkb.coverage import render_text as coverage_text
from lcdkb.exports.changes import changes_document
from lcdkb.exports.reader import knowledge_base_from_export, read_export
from lcdkb.freshness import STATUSES, provenance, rule_status, source_change
from lcdkb.model import Source
from lcdkb.model_codec import from_plain, to_plain
from lcdkb.record import replace
from lcdkb.site.calendar import review_calendar
from lcdkb.site.dashboard import review_page
from lcdkb.site.markup import badge, text
from lcdkb.site.rule_view import View, rule_block
from lcdkb.validate import validate

PROVENANCE_FIELDS = ("read_from", "content_read_on", "listed_version", "listed_on", "listed_status", "compared_on")
DATA = REPO / "lcd_data"
# The fixture LCD L00001 has version "3"; the esi policy cites it, so every fixture-mac rule does.
MAC_RULES = {"fixture-mac/62323", "fixture-mac/64483", "fixture-mac/64484"}


def with_source_fields(data_dir: Path, source_id: str, **values: str) -> Path:
    """Add fields to one source of the fixture MAC's file, right after its checked date."""
    path = data_dir / "payers" / "fixture-mac.yaml"
    text = path.read_text()
    start = text.index(f"  - id: {source_id}\n")
    anchor = text.index("    checked:", start)
    end = text.index("\n", anchor) + 1
    added = "".join(f'    {key}: "{value}"\n' for key, value in values.items())
    path.write_text(text[:end] + added + text[end:])
    return data_dir


def newer_listed(data_dir: Path) -> Path:
    """CMS's listing shows L00001 at version 4, while version 3 was read."""
    return with_source_fields(
        data_dir, "L00001", listed_version="4", listed_on="2026-01-20", listed_status="active", compared_on="2026-01-25"
    )


def stale(capsys, data_dir, *args):
    code = main(["stale", "--data", str(data_dir), "--today", FIXTURE_TODAY.isoformat(), *args])
    return code, capsys.readouterr().out


# --- 1. the contract: schema, model, cache codec, export records ---------------------------------------------------


def test_every_field_is_optional_in_the_model_and_the_source_schema():
    defaults = {name: p.default for name, p in inspect.signature(Source).parameters.items()}
    assert all(defaults[name] is None for name in PROVENANCE_FIELDS)
    schema = json.loads((REPO / "schema" / "defs.schema.json").read_text())["$defs"]["source"]
    assert set(PROVENANCE_FIELDS) <= set(schema["properties"]) and not set(PROVENANCE_FIELDS) & set(schema["required"])
    assert all(schema["properties"][name].get("description") for name in PROVENANCE_FIELDS)
    assert schema["properties"]["listed_status"]["enum"] == ["active", "retired", "not-found"]


def test_a_source_with_every_field_validates_and_reaches_the_model_and_the_cache(data_dir):
    with_source_fields(
        data_dir,
        "L00001",
        read_from="https://copies.example.net/lcd",
        content_read_on="2026-01-10",
        listed_version="3",
        listed_on="2025-12-01",
        listed_status="active",
        compared_on="2026-01-25",
    )
    result = validate(data_dir, today=FIXTURE_TODAY)
    assert [p.as_text() for p in result.problems] == []
    kb = fixture_kb(data_dir)
    source = kb.payers["fixture-mac"].sources[0]
    assert (source.read_from, source.content_read_on, source.listed_version) == (
        "https://copies.example.net/lcd",
        "2026-01-10",
        "3",
    )
    assert (source.listed_on, source.listed_status, source.compared_on) == ("2025-12-01", "active", "2026-01-25")
    assert from_plain(json.loads(json.dumps(to_plain(kb)))).payers["fixture-mac"].sources[0] == source


@pytest.mark.parametrize(
    "field, value",
    [("listed_status", "gone"), ("read_from", "http://copies.example.net/lcd"), ("compared_on", "25 January 2026")],
)
def test_the_schema_refuses_bad_values(data_dir, field, value):
    with_source_fields(data_dir, "L00001", **{field: value})
    assert {p.code for p in validate(data_dir, today=FIXTURE_TODAY).problems} == {"LCD010"}


def test_read_from_must_differ_from_url(data_dir):
    with_source_fields(data_dir, "L00001", read_from="https://example.org/lcd")
    problems = validate(data_dir, today=FIXTURE_TODAY).problems
    assert [(p.code, "same address as url" in p.message) for p in problems] == [("LCD047", True)]


def test_dates_in_the_future_are_refused(data_dir):
    with_source_fields(data_dir, "L00001", compared_on="2026-02-02")
    assert {p.code for p in validate(data_dir, today=FIXTURE_TODAY).problems} == {"LCD046"}


# --- 2. the source-changed status -----------------------------------------------------------------------------------


def test_status_is_source_changed_when_the_listing_shows_another_version_or_retirement():
    rule = fixture_kb().rule("fixture-mac", "64484")
    lcd = rule.sources[0]
    assert lcd.id == "L00001" and lcd.version == "3"

    def status(**changes):
        sources = (replace(lcd, **changes),) + rule.sources[1:]
        return rule_status(replace(rule, sources=sources), FIXTURE_TODAY)

    assert status() == "current"
    assert status(listed_version="3", compared_on="2026-01-25") == "current"
    assert status(listed_version=" 3 ", compared_on="2026-01-25") == "current"
    assert status(listed_version="4", compared_on="2026-01-25") == "source-changed"
    assert status(listed_status="retired", compared_on="2026-01-25") == "source-changed"
    assert status(listed_status="not-found", compared_on="2026-01-25") == "current"
    assert status(version=None, listed_version="3", compared_on="2026-01-25") == "source-changed"
    # ahead of the clock: also on a day the rule is long overdue
    overdue = replace(rule, sources=(replace(lcd, listed_version="4"),) + rule.sources[1:])
    assert rule_status(overdue, date(2027, 1, 1)) == "source-changed"
    assert source_change(replace(lcd, listed_version="4", compared_on="2026-01-25")) == (
        "L00001: v3 was read; CMS lists v4 (compared 2026-01-25)"
    )


def test_stale_lists_source_changed_rules_first_in_every_format_and_fails_on_them(capsys, data_dir):
    newer_listed(data_dir)
    code, out = stale(capsys, data_dir, "--format", "json")
    data = json.loads(out)["result"]
    assert code == 1  # nothing is overdue on the fixture day: the changed source alone fails the default --fail-on
    assert data["counts"]["source-changed"] == 3 and set(data["counts"]) == set(STATUSES)
    changed = [r for r in data["rules"] if r["status"] == "source-changed"]
    assert {r["rule_id"] for r in changed} == MAC_RULES
    assert data["rules"][: len(changed)] == changed  # most urgent first
    assert changed[0]["source_changes"] == ["L00001: v3 was read; CMS lists v4 (compared 2026-01-25)"]

    code, text = stale(capsys, data_dir)
    assert code == 1 and "3 source-changed" in text
    assert "64483  source-changed" in text and "L00001: v3 was read; CMS lists v4 (compared 2026-01-25)" in text

    code, markdown = stale(capsys, data_dir, "--format", "markdown", "--fail-on", "never")
    assert code == 0 and "**3 source-changed**" in markdown
    assert "| 62323 | source-changed (" in markdown and "CMS lists v4" in markdown

    assert stale(capsys, data_dir, "--fail-on", "due-soon")[0] == 1
    assert stale(capsys, VALID)[0] == 0  # the same day without the listing change: nothing fails


def test_the_export_says_source_changed_and_matches_its_schema(data_dir):
    files = render(newer_listed(data_dir))
    all_doc = doc(files, "all.json")
    statuses = {r["id"]: r["review"]["status"] for r in all_doc["rules"]}
    assert {i for i, s in statuses.items() if s == "source-changed"} == MAC_RULES
    assert {s for i, s in statuses.items() if i not in MAC_RULES} == {"current"}
    lcd = next(s for s in all_doc["payers"][1]["sources"] if s["id"] == "L00001")
    assert {k: lcd[k] for k in PROVENANCE_FIELDS} == {
        "read_from": None,
        "content_read_on": None,
        "listed_version": "4",
        "listed_on": "2026-01-20",
        "listed_status": "active",
        "compared_on": "2026-01-25",
    }
    schema = json.loads(files["schema/export.schema.json"])
    assert "source-changed" in schema["$defs"]["review"]["properties"]["status"]["enum"]
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert list(validator.iter_errors(all_doc)) == []
    csv_text = files["rules.csv"].decode("utf-8-sig")
    assert csv_text.count(",source-changed\r\n") == 3  # review_status is the last column


def test_the_export_reads_back_with_every_field(tmp_path, data_dir):
    with_source_fields(data_dir, "L00001", read_from="https://copies.example.net/lcd", content_read_on="2026-01-10")
    newer_listed(data_dir)
    (tmp_path / "all.json").write_bytes(render(data_dir)["all.json"])
    kb = knowledge_base_from_export(read_export(tmp_path / "all.json"))
    rule = kb.rule("fixture-mac", "64484")
    assert rule.sources[0] == fixture_kb(data_dir).rule("fixture-mac", "64484").sources[0]
    assert rule_status(rule, FIXTURE_TODAY) == "source-changed"


def test_a_comparison_alone_does_not_change_digests_or_changes_json(data_dir):
    before = doc(render(), "all.json")
    after = doc(render(newer_listed(data_dir)), "all.json")
    assert [r["digest"] for r in before["rules"]] == [r["digest"] for r in after["rules"]]
    assert changes_document(after, before)["changed"] == []


def test_a_recorded_reading_changes_the_digest_of_the_rules_citing_it(data_dir):
    before = doc(render(), "all.json")
    after = doc(render(with_source_fields(data_dir, "L00001", content_read_on="2026-01-10")), "all.json")
    changed = changes_document(after, before)["changed"]
    assert {c["id"] for c in changed} == MAC_RULES and {tuple(c["fields"]) for c in changed} == {("sources",)}


def test_the_site_review_page_badges_and_rule_warning_say_source_changed(data_dir):
    view = View(fixture_kb(newer_listed(data_dir)), FIXTURE_TODAY)
    page = review_page(view)
    assert f"| {badge('source-changed')} | 3 |" in page
    assert text("L00001: v3 was read; CMS lists v4 (compared 2026-01-25)") in page
    block = rule_block(view, view.kb.rule("fixture-mac", "64483"))
    assert '!!! danger "Source changed since it was read"' in block
    assert badge("source-changed") in block
    calendar = review_calendar(view.kb, "2026-02-01T00:00:00Z").decode()
    assert "SUMMARY:Source changed: Fixture MAC\\, Jurisdiction H (3 rules)" in calendar
    assert "DTSTART;VALUE=DATE:20260201" in calendar
    plain = review_page(View(fixture_kb(), FIXTURE_TODAY))
    assert f"| {badge('source-changed')} | 0 |" in plain  # the row is there, with no rules


# --- 3. the wording on the site and in lcdkb lookup -----------------------------------------------------------------


def test_provenance_wording():
    lcd = Source(id="L36920", type="LCD", checked="2026-11-28", confidence="verified-primary", version="92")
    listed = replace(lcd, listed_version="92", listed_on="2025-08-06", listed_status="active", compared_on="2026-11-28")
    assert provenance(replace(listed, content_read_on="2026-11-28")) == (
        "L36920 v92 as listed by CMS on 2025-08-06 (compared 2026-11-28); content last read 2026-11-28"
    )
    assert provenance(listed) == (
        "L36920 v92 as listed by CMS on 2025-08-06 (compared 2026-11-28); "
        "content not read by a person: compared with the CMS listing only"
    )
    assert provenance(replace(listed, listed_version="93", listed_on="2026-10-01")).startswith(
        "L36920 v92 read; CMS's listing of 2026-10-01 shows v93 (compared 2026-11-28); "
    )
    assert provenance(replace(listed, listed_status="retired", listed_version=None)).startswith(
        "L36920 v92 retired in the CMS listing of 2025-08-06 (compared 2026-11-28); "
    )
    assert provenance(lcd) == (
        "L36920 v92 (not compared with the CMS listing); content not read by a person (entry checked 2026-11-28)"
    )
    policy = Source(
        id="2022T0107AA",
        type="payer-policy",
        checked="2026-11-28",
        confidence="verified-secondary",
        content_read_on="2026-11-28",
        read_from="https://5y1.org/info/x.html",
    )
    assert provenance(policy) == "2022T0107AA; content last read 2026-11-28 in a copy at https://5y1.org/info/x.html"


def test_lookup_and_the_site_print_the_provenance_line(capsys, data_dir):
    with_source_fields(data_dir, "L00001", content_read_on="2026-01-10")
    newer_listed(data_dir)
    code = main(["lookup", "64484", "--payer", "fixture-mac", "--data", str(data_dir), "--date", "2026-02-01"])
    out = capsys.readouterr().out
    line = "L00001 v3 read; CMS's listing of 2026-01-20 shows v4 (compared 2026-01-25); content last read 2026-01-10"
    assert code == 0 and line in out
    assert "(source-changed)" in out and "Source changed: L00001: v3 was read; CMS lists v4" in out
    assert "A00001 (not compared with the CMS listing); content not read by a person (entry checked 2026-01-10)" in out
    kb = fixture_kb(data_dir)
    card = lookup.card(kb, kb.rule("fixture-mac", "64484"), FIXTURE_TODAY)
    assert card["review_status"] == "source-changed" and card["sources"][0]["provenance"] == line
    block = rule_block(View(kb, FIXTURE_TODAY), kb.rule("fixture-mac", "64484"))
    assert text(line) in block  # the site escapes the same line


def test_the_site_links_the_copy_that_was_read(data_dir):
    with_source_fields(data_dir, "L00001", content_read_on="2026-01-10", read_from="https://copies.example.net/lcd")
    kb = fixture_kb(data_dir)
    block = rule_block(View(kb, FIXTURE_TODAY), kb.rule("fixture-mac", "64484"))
    assert text("content last read 2026-01-10 in a copy at https://copies.example.net/lcd") in block
    assert '<a href="https://copies.example.net/lcd">the copy read</a>' in block  # under Source details (HTML)


# --- 4. lcdkb coverage -------------------------------------------------------------------------------------------


def test_coverage_reports_fact_shares_and_comparisons_per_payer(data_dir):
    newer_listed(with_source_fields(data_dir, "A00001", compared_on="2026-01-20"))
    kb = fixture_kb(data_dir)
    rows = {r.payer_id: r for r in provenance_rows(kb)}
    mac = rows["fixture-mac"]
    assert mac.primary + mac.secondary + mac.unverified == mac.facts > 0
    assert (mac.sources, mac.compared, mac.latest_compared, mac.content_read) == (4, 2, "2026-01-25", 0)
    assert rows["fixture-commercial"].latest_compared is None
    text = coverage_text(kb)
    line = next(li for li in text.splitlines() if li.startswith("fixture-mac ") and "%" in li)
    assert line.split()[2:5] == [mac.share(mac.primary), mac.share(mac.secondary), mac.share(mac.unverified)]
    assert line.split()[-2:] == ["2", "2026-01-25"]
    assert "never" in next(li for li in text.splitlines() if li.startswith("fixture-commercial ") and "%" in li)


# --- 5. the migration of the real data ---------------------------------------------------------------------------


def real_sources() -> dict[tuple[str, str], dict]:
    """(file stem, source id) -> the source entry, for every data file."""
    found = {}
    for path in sorted(DATA.glob("*/*.yaml")):
        for source in yaml.safe_load(path.read_text()).get("sources") or []:
            found[(path.stem, source["id"])] = source
    return found


# Verified against the source notes and research notes: only a listing row, the MCD header, an index entry, a
# summary or a memo was read, never the document's text.
NOT_READ = [
    ("medicare-jh", "L36920"),  # "the LCD body was not read" (CMS Coverage API report, fact sheet S02)
    ("medicare-jl", "A56670"),  # research/fcso-novitas.md: fact sheet S02 only, "No body text or summary found"
    ("medicare-j5", "A58477"),  # "the article body was not read and no summary of it was found"
    ("medicare-jh", "A59816"),  # the stored MCD copy shows only the header
    ("medicare-j8", "A58919"),  # "Only the MCD header was read"
    ("medicare-jf", "L36859"),  # a CMS Coverage API export row only (research/tpi-articles.md)
    ("medicare-jn", "L33906"),  # "The LCD body was read only through the summary verity-L33906"
    ("medicare-j6", "DL35936"),  # read only through the project fact sheet (S11)
    ("aetna", "CPB-0016"),  # "The bulletin itself was not opened"
    ("unitedhealthcare", "2026T0004WW"),  # "The UHC PDF itself was not read" (read in a GitHub memo)
    ("cigna", "0551"),  # "Read only in a third-party summary"
    ("cigna", "CMM-200"),  # number and title on the eviCore index only
    ("humana-medicare-advantage", "humana-ma-dsnp-pal-2026"),  # "Humana's PDF was not opened"
    ("anthem", "MSK01-1122.2"),  # header and table of contents only
]
# Read in a third-party copy: the copy is never passed off as the payer's own document. It is always read_from;
# url is the official address where one was found stated, else there is no url and a locator says how to find it.
COPIES = {
    ("unitedhealthcare", "2022T0107AA"): "5y1.org",
    ("unitedhealthcare", "2024T0616I"): "alohafreshvending.com",
    ("unitedhealthcare", "2023T0616H"): "5y1.org",
    ("unitedhealthcare", "PAIN-019.35"): "readkong.com",
    ("unitedhealthcare", "PAIN-024.5"): "cupdf.com",
    ("cigna", "CMM-200-v2019"): "pdfslide.net",
    ("cigna", "CMM-200-v2021"): "readkong.com",
    ("cigna", "CMM-201-v2020"): "pdfslide.net",
    ("cigna", "cigna-evicore-msk-precert"): "givearchwikiscreens.pages.dev",
    ("humana", "humana-commercial-pal-2020"): "dokumen.tips",
    ("medicare-jf", "CMS-5056-N"): "federalstatelaw.com",
    ("medicare-jh", "CMS-5056-N"): "federalstatelaw.com",
    ("medicare-jl", "CMS-5056-N"): "federalstatelaw.com",
    ("medicare-national", "CMS-1772-FC"): "regulations.justia.com",
}
# Copies whose official address was found stated (the Federal Register's own pages, named in public files).
OFFICIAL = {
    ("unitedhealthcare", "2022T0107AA"): "www.uhcprovider.com",
    ("medicare-jf", "CMS-5056-N"): "www.federalregister.gov",
    ("medicare-jh", "CMS-5056-N"): "www.federalregister.gov",
    ("medicare-jl", "CMS-5056-N"): "www.federalregister.gov",
    ("medicare-national", "CMS-1772-FC"): "www.federalregister.gov",
}
# Sites that host copies of other organisations' documents: never a source's url.
COPY_HOSTS = {
    "5y1.org",
    "alohafreshvending.com",
    "cupdf.com",
    "documents.pub",
    "dokumen.tips",
    "fdocuments.net",
    "federalstatelaw.com",
    "fliphtml5.com",
    "frnow.com",
    "givearchwikiscreens.pages.dev",
    "healthdocbox.com",
    "pdfslide.net",
    "readkong.com",
    "regulations.justia.com",
    "scribd.com",
}


def on_copy_host(url: str) -> bool:
    host = urlparse(url).hostname or ""
    return any(host == h or host.endswith("." + h) for h in COPY_HOSTS)


# Content read by a person on the day checked says (research notes of 2026-11-28).
READ = [
    ("medicare-jn", "A57787"),  # MCD copies of versions 21 and 26 and the current page
    ("medicare-jj", "A58350"),  # the opening of versions 7 and 22
    ("medicare-jf", "noridian-jf-facet-qa"),
    ("medicare-jj", "DL39671"),  # the proposed LCD's note, read on the MCD
    ("medicare-jh", "verity-A56681"),
    ("cigna", "evicore-cigna-guidelines"),  # the index itself is the document
    ("diagnoses", "icdlist-m54-5"),
]


@pytest.mark.parametrize("key", NOT_READ, ids=["/".join(k) for k in NOT_READ])
def test_no_source_claims_a_reading_that_did_not_happen(key):
    source = real_sources()[key]
    assert "content_read_on" not in source and "read_from" not in source
    assert "listed_version" not in source or "compared_on" in source  # a listing comparison, never a reading


@pytest.mark.parametrize("key", sorted(COPIES), ids=["/".join(k) for k in sorted(COPIES)])
def test_a_copy_that_was_read_is_named_as_such(key):
    source = real_sources()[key]
    host = COPIES[key]
    assert source["confidence"] == "verified-secondary"
    assert source["content_read_on"] == source["checked"]
    assert urlparse(source["read_from"]).hostname.endswith(host) and on_copy_host(source["read_from"])
    if key in OFFICIAL:  # the official address was found stated: url is it
        assert urlparse(source["url"]).hostname == OFFICIAL[key]
    else:  # not found: no url at all (never a built one), and a locator that says the address was not found
        assert "url" not in source
        assert "not found" in source["locator"]


def test_no_source_url_is_a_copy_site():
    on_copy = [k for k, s in real_sources().items() if "url" in s and on_copy_host(s["url"])]
    assert on_copy == []
    read_in_copies = {k for k, s in real_sources().items() if "read_from" in s}
    assert read_in_copies == set(COPIES)  # every copy named above, and no other, is recorded as read_from


def test_the_one_copy_with_a_known_payer_address_points_to_it():
    sources = real_sources()
    old, new = sources[("unitedhealthcare", "2022T0107AA")], sources[("unitedhealthcare", "2026T0107II")]
    assert old["url"] == new["url"] and urlparse(old["url"]).hostname == "www.uhcprovider.com"
    assert old["read_from"] == "https://5y1.org/info/lumbar-facet-injection-cost_2_2efdb3.html"


@pytest.mark.parametrize("key", READ, ids=["/".join(k) for k in READ])
def test_sources_whose_content_was_read_say_when(key):
    source = real_sources()[key]
    assert source["content_read_on"] == source["checked"]


def test_the_migration_is_consistent_across_files():
    sources = real_sources()
    assert sum("content_read_on" in s for s in sources.values()) == 180 and len(sources) == 277
    by_id: dict[str, set] = {}
    for (_, source_id), source in sources.items():
        by_id.setdefault(source_id, set()).add("content_read_on" in source)
    assert [i for i, seen in by_id.items() if len(seen) > 1] == []  # one document, one answer in every file
    for source in sources.values():
        note = source.get("note", "")
        if "content_read_on" in source:
            assert "body was not read" not in note and "Only the MCD header" not in note, source["id"]
    # Listing fields come only from lcdkb sources check, which always records the comparison date with them.
    assert all("compared_on" in s for s in sources.values() if "listed_status" in s)


def test_no_fact_is_more_certain_than_an_unread_or_copied_source_allows():
    unread_or_copied = {k for k, s in real_sources().items() if "content_read_on" not in s or "read_from" in s}
    unread_or_copied |= set(COPIES)
    for path in sorted((DATA / "payers").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        blocks = list(data.get("policies", {}).values()) + data["rules"]
        for block in blocks:
            for value in block.values():
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, dict) and (path.stem, item.get("source")) in unread_or_copied:
                        assert item.get("confidence") != "verified-primary", (path.stem, item)


def test_the_real_data_validates_with_the_migration():
    result = validate(DATA)
    assert [p.as_text() for p in result.problems if p.severity == "error"] == []


def test_export_version_stays_1_1_0():
    """The fields and the status value are additive within 1.1.0, which was never published (see the commit)."""
    assert doc(render(), "all.json")["schema_version"] == "1.2.0"
