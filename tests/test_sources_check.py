"""lcdkb sources check: the cited LCDs and articles compared with CMS's listing.

The listing is a real one: tests/fixtures/cms/ holds a slice of CMS's saved listing (every document the data cites,
plus a retired LCD and documents listed with a future version) and the same rows as the Coverage API's report
answers, built to the API's OpenAPI schemas; every answer served here is validated against those schemas first.
The HTTP tests run lcdkb's real client (requests, urllib3 retries, CacheControl) against a server on 127.0.0.1.
"""

from __future__ import annotations

import copy
import gzip
import json
import os
import re
import shutil
import stat
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from conftest import FIXTURES, REPO, VALID
from lcdkb.cli import main
from lcdkb.sources import client as client_module
from lcdkb.sources import listing as listing_module
from lcdkb.sources.listing import ListingError, from_csv_text, from_json_text
from lcdkb.validate import validate

CMS = FIXTURES / "cms"
SLICE = CMS / "documents_slice.csv"
LCDS = CMS / "local-coverage-final-lcds.json"
ARTICLES = CMS / "local-coverage-articles.json"
LCD_PATH = "/v1/reports/local-coverage-final-lcds/"
ARTICLE_PATH = "/v1/reports/local-coverage-articles/"
TODAY = "2026-12-04"
WRITTEN = re.compile(r"^ +(listed_version|listed_on|listed_status|compared_on): .*$")

# What the real data records that CMS's listing (updated through 2025-08-08) does not show as current.
CHANGED = {
    ("medicare-je", "L34211", "newer-version"),  # the data records version 34; CMS lists 37
    ("medicare-j5", "L34588", "not-found"),  # WPS's retired TPI LCD, kept for history: no longer listed
    ("medicare-j8", "L34588", "not-found"),
    ("medicare-je", "A57701", "differs"),  # no version recorded; CMS lists version 21, effective 2024-04-01
    ("medicare-j15", "A59480", "differs"),  # neither version nor date recorded
    ("medicare-jh", "A57751", "differs"),
    ("medicare-jl", "A57751", "differs"),
    ("medicare-jn", "A57114", "differs"),
}
AFFECTED = {
    ("medicare-je", "L34211"): ["medicare-je/20552", "medicare-je/20553"],
    ("medicare-je", "A57701"): ["medicare-je/20552", "medicare-je/20553"],
    ("medicare-j5", "L34588"): [],
    ("medicare-j15", "A59480"): ["medicare-j15/20552", "medicare-j15/20553"],
}


# --- helpers ---


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(["sources", "check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def result_of(out: str) -> dict:
    document = json.loads(out)
    assert document["format"] == "lcdkb.sources-check" and document["format_version"] == 1
    return document["result"]


def changed(result: dict) -> set[tuple[str, str, str]]:
    return {(s["payer_id"], s["source_id"], s["status"]) for s in result["sources"] if s["status"] != "unchanged"}


def entry(result: dict, payer: str, source: str) -> dict:
    return next(s for s in result["sources"] if (s["payer_id"], s["source_id"]) == (payer, source))


@pytest.fixture
def real_data(tmp_path) -> Path:
    """The repository's data as it was before any comparison was recorded in it."""
    target = tmp_path / "lcd_data"
    shutil.copytree(REPO / "lcd_data", target)
    for payer in (target / "payers").glob("*.yaml"):
        payer.write_text(written_lines_removed(payer.read_text(encoding="utf-8")), encoding="utf-8")
    return target


def _openapi_validator(path: str) -> jsonschema.Draft4Validator:
    """The 200 answer schema of one report path, with its #/components references resolved in the spec."""
    spec = json.loads((CMS / "coverage-api-reports.openapi.json").read_text())
    uri = "urn:cms:coverage-api"
    registry: Registry = Registry().with_resource(uri, Resource.from_contents(spec, default_specification=DRAFT4))
    pointer = path.replace("~", "~0").replace("/", "~1")
    schema = {"$ref": f"{uri}#/paths/{pointer}/get/responses/200/content/application~1json/schema"}
    return jsonschema.Draft4Validator(schema, registry=registry)


VALIDATORS = {LCD_PATH: _openapi_validator(LCD_PATH), ARTICLE_PATH: _openapi_validator(ARTICLE_PATH)}


def conforms(path: str, answer: object) -> bool:
    return VALIDATORS[path].is_valid(answer)


def load_answer(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# --- a local Coverage API ---


class FakeApi:
    """A Coverage API on 127.0.0.1 serving recorded answers. ``answers[path]`` is a list of
    (status, headers, body) served in turn (the last one repeats); every request is recorded. A request whose
    If-None-Match or If-Modified-Since matches the answer's ETag or Last-Modified gets a 304."""

    def __init__(self) -> None:
        self.answers: dict[str, list[tuple[int, dict[str, str], bytes]]] = {}
        self.requests: list[tuple[str, dict[str, str], int]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                queue = api.answers.get(self.path)
                if not queue:
                    status, headers, body = 404, {"Content-Type": "application/json"}, b'{"message":"no","code":404}'
                else:
                    status, headers, body = queue.pop(0) if len(queue) > 1 else queue[0]
                request_headers = {k.lower(): v for k, v in self.headers.items()}
                if status == 200 and (
                    ("etag" in headers and request_headers.get("if-none-match") == headers["etag"])
                    or (
                        "last-modified" in headers
                        and request_headers.get("if-modified-since") == headers["last-modified"]
                    )
                ):
                    status, body = 304, b""
                api.requests.append((self.path, request_headers, status))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.closed = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def serve(self, path: str, answer: object, status: int = 200, **headers: str) -> None:
        """Add an answer; a 200 answer must conform to the OpenAPI schema of its path."""
        if status == 200 and not isinstance(answer, bytes):
            assert conforms(path, answer), f"the fixture answer for {path} does not match CMS's OpenAPI schema"
        body = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        wanted = {"content-type": "application/json", **{k.replace("_", "-").lower(): v for k, v in headers.items()}}
        self.answers.setdefault(path, []).append((status, wanted, body))

    def serve_reports(self, **headers: str) -> None:
        self.serve(LCD_PATH, load_answer(LCDS), **headers)
        self.serve(ARTICLE_PATH, load_answer(ARTICLES), **headers)

    def requests_to(self, path: str) -> list[tuple[str, dict[str, str], int]]:
        return [r for r in self.requests if r[0] == path]

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def api(monkeypatch, tmp_path):
    monkeypatch.setenv("LCDKB_CACHE_DIR", str(tmp_path / "cache"))  # each test its own HTTP cache
    monkeypatch.setattr(client_module, "BACKOFF_FACTOR", 0.01)  # retries without waiting seconds
    server = FakeApi()
    yield server
    server.close()


# --- the fixtures are what they say ---


def test_fixture_answers_match_the_openapi_schemas_and_the_csv_slice():
    lcds, articles = load_answer(LCDS), load_answer(ARTICLES)
    assert conforms(LCD_PATH, lcds) and conforms(ARTICLE_PATH, articles)
    broken = copy.deepcopy(lcds)
    broken["data"][0]["document_version"] = "37"  # the schema says integer: a shape error is caught
    assert not conforms(LCD_PATH, broken)
    from_csv = from_csv_text(SLICE.read_text(encoding="utf-8"))
    from_api = from_json_text(LCDS.read_text())
    from_api.merge(from_json_text(ARTICLES.read_text()))
    assert from_csv.documents == from_api.documents
    assert from_csv.kinds == {"LCD", "Article"} and from_csv.count() == 53


# --- the real data against the real listing ---


def test_real_data_against_the_listing_slice(capsys):
    code, out, _ = run(capsys, "--data", str(REPO / "lcd_data"), "--listing", str(SLICE), "--today", TODAY, "-q")
    assert code == 1
    code, out, _ = run(
        capsys, "--data", str(REPO / "lcd_data"), "--listing", str(SLICE), "--today", TODAY, "--format", "json"
    )
    result = result_of(out)
    assert code == 1 and changed(result) == CHANGED
    for (payer, source), rules in AFFECTED.items():
        assert entry(result, payer, source)["rules"] == rules
    l34211 = entry(result, "medicare-je", "L34211")
    assert l34211["recorded"] == {"version": "34", "effective_date": "2024-04-01"}
    assert (l34211["listed"]["version"], l34211["listed"]["updated_on"], l34211["listed_status"]) == (
        "37",
        "2024-04-02",
        "active",
    )
    assert entry(result, "medicare-j5", "L34588")["listed"] is None
    assert result["counts"] == {"newer-version": 1, "retired": 0, "not-found": 2, "differs": 5, "unchanged": 75}
    assert result["listing"]["updated_through"] == "2025-08-06" and result["not_compared"] == []
    # Every cited document except the long-retired L34588 is in the slice: the slice is complete.
    assert {s["source_id"] for s in result["sources"] if s["listed"] is None} == {"L34588"}


def test_text_and_markdown_reports(capsys):
    args = ["--data", str(REPO / "lcd_data"), "--listing", str(SLICE), "--today", TODAY, "-q"]
    _, text, _ = run(capsys, *args)
    assert "Compared on 2026-12-04: 1 newer version, 0 retired, 2 not found, 5 differ, 75 unchanged" in text
    assert (
        "newer-version  L34211 (LCD) in medicare-je: CMS lists version 37, effective 2024-04-01; "
        "the data records version 34\n    rules affected: medicare-je/20552, medicare-je/20553"
    ) in text
    assert "L39240" not in text  # unchanged sources are listed only with --all
    _, everything, _ = run(capsys, *args, "--all")
    assert "unchanged  L39240 (LCD) in medicare-je: version 7, effective 2022-06-19, as recorded" in everything
    _, markdown, _ = run(capsys, *args, "--format", "markdown")
    assert "**1 newer version**" in markdown and markdown.count("\n| ") == 1 + len(CHANGED)
    _, capped, _ = run(capsys, *args, "--format", "markdown", "--max-chars", "1000", "--more-url", "https://x.test/s")
    assert len(capped) <= 1000 and "[full list](https://x.test/s)" in capped and "most urgent first" in capped


def test_the_api_reports_offline_give_the_same_answer_as_the_csv(capsys):
    base = ["--data", str(REPO / "lcd_data"), "--today", TODAY, "--format", "json", "-q"]
    _, csv_out, _ = run(capsys, *base, "--listing", str(SLICE))
    code, api_out, _ = run(capsys, *base, "--listing", str(LCDS), "--listing", str(ARTICLES))
    assert code == 1
    assert result_of(api_out)["sources"] == result_of(csv_out)["sources"]
    code, _, err = run(capsys, *base, "--listing", str(LCDS))  # LCDs only: articles cannot be compared
    assert code == 2 and "the listing holds no billing articles" in err and "repeat --listing" in err


# --- each status, on the small fixture data ---

HEADER = "document_display_id,document_type,document_version,effective_date,retirement_date,updated_on,title\n"


def fixture_listing(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "listing.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "lcd_row, status, reason",
    [
        ("L00001,LCD,3,01/01/2025,N/A,12/20/2024,T", "unchanged", "version 3, effective 2025-01-01, as recorded"),
        ("L00001,LCD,5,06/01/2025,N/A,05/20/2025,T", "newer-version", "the data records version 3"),
        ("L00001,LCD,3,01/01/2025,03/31/2026,03/01/2026,T", "retired", "retired on 2026-03-31 (last version 3)"),
        ("L00001,LCD,3,01/01/2025,09/30/2027,03/01/2026,T", "retired", "retires on 2027-09-30"),
        ("L00001,LCD,3,02/01/2025,N/A,12/20/2024,T", "differs", "same version with effective date 2025-01-01"),
        ("L00001,LCD,2,01/01/2025,N/A,12/20/2024,T", "differs", "the data records version 3, which CMS does not"),
        ("L00009,LCD,1,01/01/2025,N/A,12/20/2024,T", "not-found", "not in CMS's listing"),
    ],
)
def test_each_status(tmp_path, capsys, lcd_row, status, reason):
    listing = fixture_listing(tmp_path, lcd_row, "A00001,Article,4,02/01/2025,N/A,01/20/2025,T")
    code, out, _ = run(
        capsys, "--data", str(VALID), "--listing", str(listing), "--today", "2026-06-01", "--format", "json"
    )
    lcd = entry(result_of(out), "fixture-mac", "L00001")
    assert lcd["status"] == status and reason in lcd["reason"]
    assert lcd["rules"] == ["fixture-mac/62323", "fixture-mac/64483", "fixture-mac/64484"]
    assert code == 1 and entry(result_of(out), "fixture-mac", "A00001")["status"] == "differs"


def test_an_article_without_a_recorded_version(tmp_path, capsys):
    """A00001 records only its effective date 2025-02-01: a later CMS date is a newer version; the same date cannot
    tell the version, so it differs until someone records it."""
    lcd = "L00001,LCD,3,01/01/2025,N/A,12/20/2024,T"
    for article, status in (
        ("A00001,Article,4,03/01/2026,N/A,02/20/2026,T", "newer-version"),
        ("A00001,Article,4,02/01/2025,N/A,01/20/2025,T", "differs"),
    ):
        listing = fixture_listing(tmp_path, lcd, article)
        _, out, _ = run(
            capsys, "--data", str(VALID), "--listing", str(listing), "--today", "2026-06-01", "--format", "json"
        )
        assert entry(result_of(out), "fixture-mac", "A00001")["status"] == status


def test_a_future_version_is_a_newer_version_that_takes_effect_later(tmp_path, capsys):
    listing = fixture_listing(
        tmp_path,
        "L00001,LCD,3,01/01/2025,N/A,12/20/2024,T",
        "L00001,LCD,4,09/01/2026,N/A,05/20/2026,T",
        "A00001,Article,4,02/01/2025,N/A,01/20/2025,T",
    )
    _, out, _ = run(
        capsys, "--data", str(VALID), "--listing", str(listing), "--today", "2026-06-01", "--format", "json"
    )
    lcd = entry(result_of(out), "fixture-mac", "L00001")
    assert lcd["status"] == "newer-version" and lcd["takes_effect_later"] is True
    assert lcd["reason"].endswith("the new version takes effect on 2026-09-01")


# --- the real HTTP client ---


def test_online_fetch_gives_the_same_answer_and_names_lcdkb(api, capsys):
    api.serve_reports(etag='"v1"')
    args = ["--data", str(REPO / "lcd_data"), "--today", TODAY, "--format", "json", "--api-url", api.url]
    code, out, err = run(capsys, *args, "--verbose")
    assert code == 1
    online = result_of(out)
    _, offline, _ = run(
        capsys, "--data", str(REPO / "lcd_data"), "--today", TODAY, "--format", "json", "-q", "--listing", str(SLICE)
    )
    assert online["sources"] == result_of(offline)["sources"] and online["listing"]["origin"] == "api"
    assert [r[0] for r in api.requests] == [LCD_PATH, ARTICLE_PATH]
    headers = api.requests[0][1]
    assert headers["user-agent"].startswith("lcdkb/0.1.0 (") and headers["accept"] == "application/json"
    assert f"GET {api.url}{LCD_PATH}: downloaded" in err


def test_a_503_is_retried(api, capsys):
    api.serve(LCD_PATH, b'{"message": "busy", "code": 503}', status=503)
    api.serve_reports()
    code, out, _ = run(
        capsys, "--data", str(REPO / "lcd_data"), "--today", TODAY, "--format", "json", "--api-url", api.url
    )
    assert code == 1 and changed(result_of(out)) == CHANGED
    assert [r[2] for r in api.requests_to(LCD_PATH)] == [503, 200]


def test_a_429_waits_as_told_but_never_longer_than_the_cap(api, capsys, monkeypatch):
    monkeypatch.setattr(client_module, "MAX_RETRY_AFTER", 0.05)  # the real cap is a minute
    api.serve(LCD_PATH, b'{"message": "slow down", "code": 429}', status=429, retry_after="3600")
    api.serve_reports()
    started = time.monotonic()
    code, _, _ = run(capsys, "--data", str(REPO / "lcd_data"), "--api-url", api.url, "-q")
    assert code == 1 and time.monotonic() - started < 30
    assert [r[2] for r in api.requests_to(LCD_PATH)] == [429, 200]


def test_a_server_that_stays_down_is_a_clear_error(api, capsys):
    api.serve(LCD_PATH, b'{"message": "down for maintenance", "code": 503}', status=503)
    code, out, err = run(capsys, "--data", str(REPO / "lcd_data"), "--api-url", api.url, "-q")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "answered HTTP 503" in err and "down for maintenance" in err
    assert len(api.requests_to(LCD_PATH)) == 1 + client_module.RETRIES


@pytest.mark.parametrize(
    "validator", [{"etag": '"listing-2025-08-08"'}, {"last_modified": "Fri, 08 Aug 2025 12:00:00 GMT"}]
)
def test_a_second_run_revalidates_the_cached_answer(api, capsys, validator):
    api.serve_reports(**validator)
    args = ["--data", str(REPO / "lcd_data"), "--today", TODAY, "--format", "json", "--api-url", api.url, "-v"]
    _, first, _ = run(capsys, *args)
    code, second, err = run(capsys, *args)
    assert code == 1 and result_of(second)["sources"] == result_of(first)["sources"]
    assert [r[2] for r in api.requests] == [200, 200, 304, 304]
    header = "if-none-match" if "etag" in validator else "if-modified-since"
    assert [header in r[1] for r in api.requests] == [False, False, True, True]
    assert "unchanged since the cached copy (304)" in err
    assert all(r[1]["cache-control"] == "no-cache" for r in api.requests)


def test_a_damaged_cache_file_is_a_miss(api, capsys, tmp_path):
    api.serve_reports(etag='"v1"')
    args = ["--data", str(REPO / "lcd_data"), "--today", TODAY, "--format", "json", "--api-url", api.url, "-q"]
    assert run(capsys, *args)[0] == 1
    cached = [p for p in (tmp_path / "cache" / "http").rglob("*") if p.is_file() and not p.name.endswith(".lock")]
    assert len(cached) == 2
    for path in cached:
        path.write_bytes(b"cc=4," + os.urandom(200))
    code, out, _ = run(capsys, *args)
    assert code == 1 and changed(result_of(out)) == CHANGED
    assert [r[2] for r in api.requests] == [200, 200, 200, 200]  # nothing usable was cached: full downloads


def test_offline_is_one_clear_line_and_exit_2(api, capsys):
    api.close()  # nothing listens on the port any more
    code, out, err = run(capsys, "--data", str(REPO / "lcd_data"), "--api-url", api.url)
    assert code == 2 and out == ""
    line = err.splitlines()[-1]
    assert line == (
        f"lcdkb: error: cannot reach the CMS Coverage API at {api.url} (connection refused); check the network "
        "connection, or give a saved listing with --listing FILE"
    )


@pytest.mark.parametrize(
    "url",
    ["http://api.coverage.cms.gov", "ftp://x", "https://x.test/a b", "https://x.test/\x1b[2J", "file:///etc/passwd"],
)
def test_an_api_url_must_be_https_or_loopback(capsys, url):
    code, _, err = run(capsys, "--data", str(VALID), "--api-url", url)
    assert code == 2 and "--api-url must be an https:// address" in err and "\x1b" not in err


# --- hostile answers ---


def hostile(answer_path: Path, **fields) -> dict:
    answer = load_answer(answer_path)
    answer["data"][0].update(fields)
    return answer


def test_control_characters_in_listing_texts_are_data_in_every_output(api, capsys):
    """A title or note with escape sequences, bidi overrides or Markdown is kept as data: the text and Markdown
    reports never print it, and JSON carries it as an escaped string."""
    evil = "\x1b[2J\x1b]8;;https://evil.test\x07click\u202e<img src=x onerror=alert(1)>[x](javascript:y) @team"
    lcds = load_answer(LCDS)
    for item in lcds["data"]:
        if item["document_display_id"] == "L34211":
            item.update(title=evil, note=evil, contractor_name_type=evil)
    api.serve(LCD_PATH, lcds)
    api.serve(ARTICLE_PATH, load_answer(ARTICLES))
    args = ["--data", str(REPO / "lcd_data"), "--today", TODAY, "--api-url", api.url, "-q"]
    for form in ("text", "markdown", "json"):
        code, out, _ = run(capsys, *args, "--format", form)
        assert code == 1 and "\x1b" not in out and "\x07" not in out
        if form == "json":  # data, in a JSON string: control characters escaped by the encoder
            assert entry(result_of(out), "medicare-je", "L34211")["listed"]["title"] == evil
        else:  # never shown at all
            assert "\u202e" not in out and "<img" not in out and "evil.test" not in out and "@team" not in out


@pytest.mark.parametrize(
    "fields, message, schema_catches",
    [
        ({"document_display_id": "L34211\x1b[2J"}, "is not an LCD or article ID", False),
        ({"document_display_id": "X99999"}, "is not an LCD or article ID", False),
        ({"document_version": -1}, "document_version -1 is out of range", False),
        ({"document_version": True}, "expected a whole number", True),
        ({"document_version": None}, "document_version is missing", True),
        ({"effective_date": "2024-04-01"}, 'effective_date "2024-04-01" is not a date (MM/DD/YYYY)', False),
        ({"effective_date": "02/30/2024"}, "is not a date", False),
        ({"retirement_date": 20240401}, "retirement_date is a number, expected text", True),
        ({"updated_on": "x" * 5000}, "updated_on is 5000 characters long", False),
        ({"title": "T" * 3_000_000}, "title is 3000000 characters long; the limit is 2000", False),
        ({"document_type": "Article"}, 'is listed as "Article", not LCD', False),
    ],
)
def test_malformed_fields_are_refused_with_their_place(api, capsys, fields, message, schema_catches):
    """The OpenAPI schema catches wrong types only; lcdkb also refuses values of the right type and the wrong shape,
    and never echoes a huge or hostile value."""
    answer = hostile(LCDS, **fields)
    assert conforms(LCD_PATH, answer) is not schema_catches
    api.serve(LCD_PATH, json.dumps(answer).encode())  # served as is, conforming to the schema or not
    api.serve(ARTICLE_PATH, load_answer(ARTICLES))
    code, out, err = run(capsys, "--data", str(REPO / "lcd_data"), "--api-url", api.url, "-q")
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert f"{LCD_PATH} data[0]: " in err and message in err and "\x1b" not in err
    assert len(err) < 600


@pytest.mark.parametrize(
    "body, content_type, message",
    [
        (b"<html>maintenance</html>", "text/html", "answered with text/html, not JSON"),
        (b'{"meta": {}, "data": [NaN]}', "application/json", "NaN is not a JSON number"),
        (b'{"data": [], "data": []}', "application/json", "appears twice"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", "nested too deeply"),
        (b'{"data": {"a": 1}}', "application/json", "an object with a 'data' list"),
        (b'{"data": [1]}', "application/json", "data[0]: expected an object, found a number"),
        (b"\xff\xfe{}", "application/json", "not UTF-8"),
    ],
)
def test_answers_that_are_not_reports_are_refused(api, capsys, body, content_type, message):
    api.serve(LCD_PATH, body, content_type=content_type)
    code, out, err = run(capsys, "--data", str(REPO / "lcd_data"), "--api-url", api.url, "-q")
    assert code == 2 and out == "" and message in err, err


def test_an_oversized_answer_is_refused(api, capsys, monkeypatch):
    monkeypatch.setattr(client_module, "MAX_BYTES", 10_000)
    api.serve(LCD_PATH, load_answer(LCDS))
    code, _, err = run(capsys, "--data", str(REPO / "lcd_data"), "--api-url", api.url, "-q")
    assert code == 2 and "bytes, over the 10000 bytes limit" in err, err


def test_a_compressed_answer_that_inflates_past_the_limit_is_refused_while_it_is_read(api, capsys, monkeypatch):
    monkeypatch.setattr(client_module, "MAX_BYTES", 10_000)
    packed = gzip.compress(json.dumps(load_answer(LCDS)).encode())
    assert len(packed) < 10_000
    api.serve(LCD_PATH, packed, content_encoding="gzip")
    code, _, err = run(capsys, "--data", str(REPO / "lcd_data"), "--api-url", api.url, "-q")
    assert code == 2 and "answered with more than 10000 bytes; it is not a CMS report" in err, err


def test_a_redirect_is_not_followed(api, capsys):
    api.serve(LCD_PATH, b"", status=301, location="https://evil.test/")
    code, _, err = run(capsys, "--data", str(REPO / "lcd_data"), "--api-url", api.url, "-q")
    assert code == 2 and "redirected (HTTP 301); lcdkb does not follow redirects" in err
    assert len(api.requests) == 1


def test_hostile_saved_listings(tmp_path, capsys, monkeypatch):
    def refused(content: bytes | str, message: str) -> None:
        path = tmp_path / "listing"
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        code, out, err = run(capsys, "--data", str(VALID), "--listing", str(path), "-q")
        assert code == 2 and out == "" and message in err and "\x1b" not in err, err

    refused("", "is empty")
    refused("a,b\n1,2\n", "the header has no document_display_id")
    refused(HEADER + "L00001,LCD,3,01/01/2025,N/A,12/20/2024,T,extra\n", "more fields than the header")
    refused(HEADER + 'L00001,LCD,3,01/01/2025,N/A,12/20/2024,"' + "x" * 200_000 + '"\n', "not a readable CSV row")
    refused(HEADER + "L00001\x1b[31m,LCD,3,01/01/2025,N/A,12/20/2024,T\n", "line 2: document_display_id")
    refused(b"\xef\xbb\xbf" + HEADER.encode() + b"L00001,LCD,\xff,01/01/2025,N/A,12/20/2024,T\n", "is not UTF-8")
    refused(HEADER, "lists no documents")
    monkeypatch.setattr(listing_module, "MAX_BYTES", 100)
    refused(HEADER + "L00001,LCD,3,01/01/2025,N/A,12/20/2024,T\n" * 3, "over the 100 bytes limit")
    code, _, err = run(capsys, "--data", str(VALID), "--listing", str(tmp_path))
    assert code == 2 and "is a folder" in err
    code, _, err = run(capsys, "--data", str(VALID), "--listing", str(tmp_path / "missing.csv"))
    assert code == 2 and "cannot read" in err


def test_a_listing_too_long_to_be_cms_is_refused(monkeypatch):
    monkeypatch.setattr(listing_module, "MAX_DOCUMENTS", 5)
    rows = "".join(f"L0000{i},LCD,1,01/01/2025,N/A,12/20/2024,T\n" for i in range(6))
    with pytest.raises(ListingError, match="more than 5 documents"):
        from_csv_text(HEADER + rows)


# --- --write ---


def written_lines_removed(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not WRITTEN.match(line.rstrip("\r\n")))


def test_write_records_the_listing_and_changes_nothing_else(real_data, capsys):
    before = {p.name: p.read_bytes() for p in (real_data / "payers").glob("*.yaml")}
    code, _, err = run(capsys, "--data", str(real_data), "--listing", str(SLICE), "--today", TODAY, "--write")
    assert code == 1 and "recorded the listing of 2026-12-04 in 83 source entries" in err
    after = {p.name: p.read_bytes() for p in (real_data / "payers").glob("*.yaml")}
    touched = {name for name in after if after[name] != before[name]}
    assert touched == {
        f"medicare-{j}.yaml" for j in ("j15", "j5", "j6", "j8", "je", "jf", "jh", "jj", "jk", "jl", "jm", "jn")
    }
    for name in after:  # take away the inserted lines and every byte is as it was
        assert written_lines_removed(after[name].decode()) == before[name].decode(), name
    je = (real_data / "payers" / "medicare-je.yaml").read_text()
    assert (
        '    version: "34"\n    effective_date: "2024-04-01"\n    listed_version: "37"\n    listed_on: "2025-08-06"\n'
        '    listed_status: active\n    compared_on: "2026-12-04"\n    checked: "2026-11-28"\n'
    ) in je
    j5 = (real_data / "payers" / "medicare-j5.yaml").read_text()
    assert '    effective_date: "2023-08-31"\n    listed_status: not-found\n    compared_on: "2026-12-04"\n' in j5
    # The written data validates against the schema (the listed_* fields) and the model reads them.
    result = validate(real_data)
    assert not [p for p in result.problems if p.severity == "error"], [p.as_text() for p in result.problems]
    from lcdkb.model import build_model

    kb = build_model(result)
    l34211 = next(s for s in kb.payers["medicare-je"].sources if s.id == "L34211")
    assert (l34211.listed_version, l34211.listed_on, l34211.listed_status, l34211.compared_on) == (
        "37",
        "2025-08-06",
        "active",
        "2026-12-04",
    )
    # A second comparison changes only compared_on's value; JSON says nothing new was listed.
    code, out, _ = run(
        capsys,
        "--data",
        str(real_data),
        "--listing",
        str(SLICE),
        "--today",
        "2026-12-11",
        "--write",
        "--format",
        "json",
    )
    assert not any(s["new_since_last_compare"] for s in result_of(out)["sources"])
    again = {p.name: p.read_bytes() for p in (real_data / "payers").glob("*.yaml")}
    for name in touched:
        assert again[name] == after[name].replace(b'compared_on: "2026-12-04"', b'compared_on: "2026-12-11"')


def test_write_removes_listed_values_when_a_document_leaves_the_listing(data_dir, tmp_path, capsys):
    mac = data_dir / "payers" / "fixture-mac.yaml"
    full = fixture_listing(
        tmp_path, "L00001,LCD,3,01/01/2025,N/A,12/20/2024,T", "A00001,Article,4,02/01/2025,N/A,01/20/2025,T"
    )
    run(capsys, "--data", str(data_dir), "--listing", str(full), "--today", "2026-06-01", "--write")
    original = (VALID / "payers" / "fixture-mac.yaml").read_text()
    assert written_lines_removed(mac.read_text()) == original
    gone = fixture_listing(
        tmp_path, "A00001,Article,4,02/01/2025,N/A,01/20/2025,T", "L00002,LCD,1,01/01/2025,N/A,01/01/2025,T"
    )
    code, _, _ = run(capsys, "--data", str(data_dir), "--listing", str(gone), "--today", "2026-06-02", "--write", "-q")
    assert code == 1
    text = mac.read_text()
    assert (
        '    effective_date: "2025-01-01"\n    listed_status: not-found\n    compared_on: "2026-06-02"\n    checked:'
    ) in text
    assert written_lines_removed(text) == original


def test_write_keeps_bom_crlf_comments_quoting_and_mode(data_dir, tmp_path, capsys):
    mac = data_dir / "payers" / "fixture-mac.yaml"
    text = (VALID / "payers" / "fixture-mac.yaml").read_text()
    text = text.replace('    version: "3"\n', "    version: '3'   # as read on the page\n")
    text = text.replace(
        '    checked: "2026-01-10"\n    confidence: verified-primary\n',
        "    checked: \"2026-01-10\"\n    listed_version: '2'  # old\n    compared_on: '2026-01-10'\n"
        "    confidence: verified-primary\n",
        1,
    )
    original = b"\xef\xbb\xbf" + text.rstrip("\n").replace("\n", "\r\n").encode()
    mac.write_bytes(original)
    mac.chmod(0o640)
    listing = fixture_listing(
        tmp_path, "L00001,LCD,3,01/01/2025,N/A,12/20/2024,T", "A00001,Article,4,02/01/2025,N/A,01/20/2025,T"
    )
    code, _, err = run(capsys, "--data", str(data_dir), "--listing", str(listing), "--today", "2026-06-01", "--write")
    assert code == 1, err  # A00001 records no version: it differs
    new = mac.read_bytes()
    assert stat.S_IMODE(mac.stat().st_mode) == 0o640
    assert new.startswith(b"\xef\xbb\xbf") and not new.endswith(b"\n") and b"\n" not in new.replace(b"\r\n", b"")
    decoded = new[3:].decode()
    # The existing value is replaced in its own quoting, its comment kept; the new keys follow it.
    assert (
        "    listed_version: '3'  # old\r\n    compared_on: '2026-06-01'\r\n    listed_on: \"2025-01-20\"\r\n"
        "    listed_status: active\r\n    confidence: verified-primary\r\n"
    ) in decoded
    assert '    effective_date: "2025-02-01"\r\n    listed_version: "4"\r\n' in decoded  # A00001
    kept = "".join(
        line for line in decoded.splitlines(keepends=True) if not WRITTEN.match(line.rstrip("\r\n")) or "'" in line
    )
    old_values = kept.replace("listed_version: '3'", "listed_version: '2'").replace("'2026-06-01'", "'2026-01-10'")
    assert old_values == original[3:].decode()


def test_write_at_the_end_of_a_file_without_a_final_newline(data_dir, tmp_path, capsys):
    mac = data_dir / "payers" / "fixture-mac.yaml"
    text = mac.read_text()
    start, end = text.index("  - id: A00001"), text.index("  - id: summary-1")
    text = text[:start] + text[end:]
    sources_start, sources_end = text.index("sources:\n"), text.index("policies:\n")
    article = (
        "  - id: A00001\n    type: billing-article\n    title: Fixture article\n    url: https://example.org/article\n"
        '    checked: "2026-01-10"\n    confidence: verified-secondary\n    effective_date: "2025-02-01"'
    )
    text = text[:sources_start] + text[sources_end:] + text[sources_start:sources_end] + article
    mac.write_text(text)
    listing = fixture_listing(
        tmp_path, "L00001,LCD,3,01/01/2025,N/A,12/20/2024,T", "A00001,Article,4,02/01/2025,N/A,01/20/2025,T"
    )
    code, _, err = run(capsys, "--data", str(data_dir), "--listing", str(listing), "--today", "2026-06-01", "--write")
    assert code == 1, err
    assert mac.read_text().endswith(
        '    effective_date: "2025-02-01"\n    listed_version: "4"\n    listed_on: "2025-01-20"\n'
        '    listed_status: active\n    compared_on: "2026-06-01"'
    )
    assert not [p for p in validate(data_dir).problems if p.severity == "error"]


def test_write_refuses_a_flow_style_source_and_leaves_the_file(data_dir, tmp_path, capsys):
    mac = data_dir / "payers" / "fixture-mac.yaml"
    text = mac.read_text()
    block = text[text.index("  - id: A00001") : text.index("  - id: summary-1")]
    flow = (
        '  - {id: A00001, type: billing-article, title: Fixture article, url: "https://example.org/article", '
        'effective_date: "2025-02-01", checked: "2026-01-10", confidence: verified-secondary}\n'
    )
    mac.write_text(text.replace(block, flow))
    before = mac.read_bytes()
    listing = fixture_listing(
        tmp_path, "L00001,LCD,3,01/01/2025,N/A,12/20/2024,T", "A00001,Article,4,02/01/2025,N/A,01/20/2025,T"
    )
    code, out, err = run(capsys, "--data", str(data_dir), "--listing", str(listing), "--today", "2026-06-01", "--write")
    assert code == 2 and out == ""
    assert "fixture-mac.yaml:20: source A00001 is written in flow style ({...}); write it as a block mapping" in err
    assert mac.read_bytes() == before
    code, _, _ = run(capsys, "--data", str(data_dir), "--listing", str(listing), "--today", "2026-06-01", "-q")
    assert code == 1  # without --write the check itself works


def test_write_refuses_a_comparison_date_before_the_listing(data_dir, tmp_path, capsys):
    listing = fixture_listing(
        tmp_path, "L00001,LCD,3,01/01/2025,N/A,12/20/2024,T", "A00001,Article,4,02/01/2025,N/A,01/20/2025,T"
    )
    before = (data_dir / "payers" / "fixture-mac.yaml").read_bytes()
    code, _, err = run(capsys, "--data", str(data_dir), "--listing", str(listing), "--today", "2025-01-01", "--write")
    assert code == 2 and "CMS's listing of 2025-01-20 (for A00001) is dated after the comparison date 2025-01-01" in err
    assert (data_dir / "payers" / "fixture-mac.yaml").read_bytes() == before


def test_write_refuses_a_read_only_file(data_dir, tmp_path, capsys):
    mac = data_dir / "payers" / "fixture-mac.yaml"
    mac.chmod(0o444)  # refused by its mode, as lcdkb review mark does, even for root
    listing = fixture_listing(
        tmp_path, "L00001,LCD,3,01/01/2025,N/A,12/20/2024,T", "A00001,Article,4,02/01/2025,N/A,01/20/2025,T"
    )
    code, _, err = run(capsys, "--data", str(data_dir), "--listing", str(listing), "--write")
    assert code == 2 and "is read-only" in err


def test_usage_errors(capsys, tmp_path):
    base = ["--data", str(VALID)]
    assert run(capsys, *base, "--listing", str(SLICE), "--api-url", "https://x.test")[0] == 2
    code, _, err = run(capsys, *base, "--listing", str(SLICE), "--payer", "nobody")
    assert code == 2 and "no payer nobody" in err
    code, _, err = run(capsys, *base, "--listing", str(SLICE), "--max-chars", "2000")
    assert code == 2 and "only apply to --format markdown" in err
    code, _, err = run(capsys, *base, "--timeout", "0")
    assert code == 2 and "--timeout" in err


def test_payer_filter(capsys):
    code, out, _ = run(
        capsys, "--data", str(REPO / "lcd_data"), "--listing", str(SLICE), "--payer", "medicare-jf", "--format", "json"
    )
    result = result_of(out)
    assert code == 0 and {s["payer_id"] for s in result["sources"]} == {"medicare-jf"}
    assert result["counts"]["unchanged"] == len(result["sources"]) == 6
