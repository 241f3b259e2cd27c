"""lcdkb sources pull-codes: a billing article's code lists imported from the CMS Coverage API.

The real client (requests, urllib3 retries) runs against a server on 127.0.0.1 serving recorded article answers
(tests/fixtures/cms/articles/), each validated against the OpenAPI schemas of its path first. The descriptor
fields hold SENTINEL texts standing in for AMA CPT descriptors: none may reach the YAML or the output.
"""

from __future__ import annotations

import copy
import json
import shutil
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from conftest import FIXTURES, REPO
from lcdkb.cli import main
from lcdkb.sources import client as client_module
from lcdkb.validate import validate

HERE = FIXTURES / "cms" / "articles"
A57701 = HERE / "A57701"
TODAY = "2026-12-04"
PATHS = {
    "license-agreement": "/v1/metadata/license-agreement/",
    "article": "/v1/data/article/",
    "hcpc-code": "/v1/data/article/hcpc-code",
    "icd10-covered": "/v1/data/article/icd10-covered",
    "icd10-covered-group": "/v1/data/article/icd10-covered-group",
}
REMOVED = [  # the two listing values, and the policy's diagnoses, which no rule would inherit any more (LCD036)
    '    listed_version: "21"',
    '    listed_on: "2025-08-08"',
    "    diagnoses:",
    "      completeness: complete",
    '      covered: ["G44.201", "G44.209", "G44.211", "G44.219", "G44.221", "G44.229", "M79.10", "M79.11", "M79.12", '
    '"M79.18"]',
    "      source: rubric-tpi-je",
    "      note: Tension-type headache and myalgia only; the headers M79.1 and G44.20-G44.22 are not billable.",
]
GROUP_1 = ["G44.201", "G44.209", "G44.211", "G44.219", "G44.221", "G44.229", "M79.10", "M79.11", "M79.12", "M79.18"]


def _validator(path: str) -> jsonschema.Draft4Validator:
    spec = json.loads((HERE / "coverage-api-articles.openapi.json").read_text())
    uri = "urn:cms:coverage-api-articles"
    registry: Registry = Registry().with_resource(uri, Resource.from_contents(spec, default_specification=DRAFT4))
    pointer = path.replace("~", "~0").replace("/", "~1")
    return jsonschema.Draft4Validator(
        {"$ref": f"{uri}#/paths/{pointer}/get/responses/200/content/application~1json/schema"}, registry=registry
    )


def answers() -> dict[str, dict]:
    found = {name: json.loads((A57701 / f"{name}.json").read_text()) for name in PATHS if name != "license-agreement"}
    found["license-agreement"] = json.loads((HERE / "license-agreement.json").read_text())
    return found


class FakeApi:
    """The Coverage API's article endpoints on 127.0.0.1; data endpoints need the license token."""

    def __init__(self, served: dict[str, dict]) -> None:
        for name, answer in served.items():
            assert _validator(PATHS[name]).is_valid(answer), f"{name} does not match CMS's OpenAPI schema"
        self.served = served
        self.requests: list[tuple[str, str]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                api.requests.append((self.path, self.headers.get("Authorization", "")))
                name = next((n for n, p in PATHS.items() if p == parts.path), None)
                token = api.served["license-agreement"]["data"][0]["token"]
                if name is None:
                    status, body = 404, b'{"message":"no","code":404}'
                elif name != "license-agreement" and self.headers.get("Authorization") != f"Bearer {token}":
                    status, body = 401, b'{"message":"license not accepted","code":401}'
                else:
                    status, body = 200, json.dumps(api.served[name]).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def data(tmp_path) -> Path:
    target = tmp_path / "lcd_data"
    shutil.copytree(REPO / "lcd_data", target)
    return target


@pytest.fixture
def serve(monkeypatch):
    monkeypatch.setattr(client_module, "BACKOFF_FACTOR", 0.01)
    servers: list[FakeApi] = []

    def start(served: dict[str, dict] | None = None) -> FakeApi:
        server = FakeApi(served or answers())
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def run(capsys, data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["sources", "pull-codes", *args, "--data", str(data), "--today", TODAY])
    out, err = capsys.readouterr()
    return code, out, err


def changed_lines(diff: str) -> tuple[list[str], list[str]]:
    added = [line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    return added, removed


def note(groups: str, code: str) -> str:
    return (
        f'      note: "Imported from A57701 version 23 through the CMS Coverage API, retrieved {TODAY}: the covered '
        f'ICD-10-CM codes of {groups}, which apply to {code}."'
    )


def expected_added() -> list[str]:
    def block(code: str, codes: list[str], groups: str) -> list[str]:
        return [
            "    diagnoses:",
            "      completeness: complete",
            "      covered: [" + ", ".join(json.dumps(c) for c in codes) + "]",
            '      source: "A57701"',
            note(groups, code),
        ]

    return [
        '    listed_version: "23"',
        f'    listed_on: "{TODAY}"',
        *block("20552", GROUP_1, "group 1"),
        *block("20553", [*GROUP_1, "M79.7"], "groups 1, 2"),
    ]


def test_dry_run_over_http_prints_exactly_the_expected_lines_and_changes_nothing(capsys, data, serve):
    api = serve()
    before = (data / "payers" / "medicare-je.yaml").read_bytes()
    code, out, err = run(capsys, data, "A57701", "--payer", "medicare-je", "--api-url", api.url)
    assert code == 0, err
    added, removed = changed_lines(out)
    review = [line for line in added if line.startswith("    review:")]
    assert sorted(set(added) - set(review)) == sorted(set(expected_added()))
    assert {line for line in removed if line not in review} == set(REMOVED)
    assert (data / "payers" / "medicare-je.yaml").read_bytes() == before
    assert "SENTINEL" not in out + err
    # the token was asked for first and sent with every data request; the version with the code lists
    assert api.requests[0] == ("/v1/metadata/license-agreement/", "")
    assert all(auth == "Bearer fixture-token-0123456789abcdef" for _, auth in api.requests[1:])
    assert {p for p, _ in api.requests[2:]} == {
        f"{PATHS[n]}?articleid=57701&ver=23" for n in ("hcpc-code", "icd10-covered", "icd10-covered-group")
    }


def test_write_produces_valid_yaml_with_the_codes_and_keeps_everything_else(capsys, data, serve):
    api = serve()
    path = data / "payers" / "medicare-je.yaml"
    old = path.read_text(encoding="utf-8")
    code, out, err = run(capsys, data, "A57701", "--payer", "medicare-je", "--api-url", api.url, "--write")
    assert code == 0, err
    new = path.read_text(encoding="utf-8")
    assert "SENTINEL" not in new + out + err
    assert not [p for p in validate(data).problems if p.severity == "error"]
    rules = {r["code"]: r for r in yaml.safe_load(new)["rules"]}
    assert rules["20552"]["diagnoses"]["covered"] == GROUP_1
    assert rules["20553"]["diagnoses"]["covered"] == [*GROUP_1, "M79.7"]
    assert rules["20553"]["diagnoses"]["completeness"] == "complete"
    source = next(s for s in yaml.safe_load(new)["sources"] if s["id"] == "A57701")
    assert (source["listed_version"], source["listed_on"], source["compared_on"]) == ("23", TODAY, TODAY)
    # only the expected lines were added and removed
    gained = Counter(new.splitlines())
    gained.subtract(Counter(old.splitlines()))
    wanted = Counter(expected_added())
    wanted.subtract(Counter(REMOVED))
    assert +gained == +wanted and -gained == -wanted
    # a second run proposes nothing new
    code, out, _ = run(capsys, data, "A57701", "--payer", "medicare-je", "--api-url", api.url)
    assert code == 0 and out == ""


def test_code_option_and_response_dir_offline(capsys, data):
    code, out, err = run(
        capsys,
        data,
        "A57701",
        "--payer",
        "medicare-je",
        "--code",
        "20552",
        "--code",
        "99999",
        "--response-dir",
        str(A57701),
    )
    assert code == 0, err
    added, _ = changed_lines(out)
    assert sum(line == "    diagnoses:" for line in added) == 1
    assert "apply to 20552" in out and "apply to 20553" not in out
    assert "99999: no rule for this code" in err


def hostile(name: str, change) -> dict[str, dict]:
    served = copy.deepcopy(answers())
    change(served[name]["data"])
    return served


@pytest.mark.parametrize(
    ("served", "said"),
    [
        (
            hostile("hcpc-code", lambda d: d[0].update(hcpc_code_id="20552 Injection(s); single or multiple")),
            "is not an HCPCS/CPT code",
        ),
        (hostile("hcpc-code", lambda d: d[0].update(long_description="x" * 30_000)), "over 20000 characters"),
        (hostile("icd10-covered", lambda d: d[0].update(icd10_code_id="M79.1\x1b[31m")), "control characters"),
        (hostile("icd10-covered", lambda d: d[0].update(icd10_code_id="DROP TABLE")), "is not an ICD-10-CM code"),
        (hostile("icd10-covered", lambda d: d[0].update(icd10_code_id="U07.1")), "is not an ICD-10-CM code"),
        (hostile("icd10-covered", lambda d: d[0].update(article_id=12345)), "about another article"),
        (hostile("hcpc-code", lambda d: d[0].update(article_version=22)), "another version"),
        (hostile("icd10-covered-group", lambda d: d[0].update(paragraph="ok\u202egnp.exe")), "control characters"),
    ],
)
def test_hostile_answers_are_refused_with_one_line(capsys, data, serve, served, said):
    api = serve(served)
    before = (data / "payers" / "medicare-je.yaml").read_bytes()
    code, out, err = run(capsys, data, "A57701", "--payer", "medicare-je", "--api-url", api.url, "--write")
    assert code == 2
    assert out == ""
    errors = [line for line in err.splitlines() if line.startswith("lcdkb: error:")]
    assert said in err and len(errors) == 1 and said in errors[0]
    assert "\x1b" not in err and "\u202e" not in err and "single or multiple" not in err
    assert (data / "payers" / "medicare-je.yaml").read_bytes() == before


def test_bad_article_id_and_unknown_source(capsys, data):
    code, _, err = run(capsys, data, "L34211", "--payer", "medicare-je", "--response-dir", str(A57701))
    assert code == 2 and "not a billing article ID" in err
    code, _, err = run(capsys, data, "A57701", "--payer", "aetna", "--response-dir", str(A57701))
    assert code == 2 and "no source entry for A57701" in err
