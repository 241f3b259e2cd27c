"""lcdkb denials: import synthetic 835s with planted trends, report them with the rules that explain them, and
prove what the import promises: idempotent, transactional, named problems, no PHI in the database."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from lcdkb import api
from lcdkb.cli import main
from lcdkb.denials import reasons
from lcdkb.denials.synthetic import PLANTED, Scenario, text_for, write_claims_csv, write_files

DATA = ["--data", str(REPO / "lcd_data")]
FIXTURES = Path(__file__).parent / "fixtures" / "denials"


@pytest.fixture(scope="module")
def kb():
    return api.load(REPO / "lcd_data")


@pytest.fixture(scope="module")
def remits(tmp_path_factory):
    """Synthetic 835 files (14 weeks, 6 payers, the planted trends), a claims CSV for them, and a database with
    all of them imported once."""
    folder = tmp_path_factory.mktemp("denials")
    scenario = Scenario()
    paths = write_files(folder / "in", scenario)
    write_claims_csv(folder / "claims.csv", scenario)
    db = folder / "denials.duckdb"
    assert main(["denials", "import", *map(str, paths), "--db", str(db), "-q", *DATA]) == 0
    return folder, scenario, paths, db


def _counts(db: Path) -> tuple[int, int, int, int]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return tuple(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES)  # type: ignore[return-value]


TABLES = ("lines", "adjustments", "remarks", "files")


def _report(capsys, db: Path, *extra: str) -> dict:
    capsys.readouterr()
    assert main(["denials", "report", "--db", str(db), "--format", "json", *extra, *DATA]) == 0
    return json.loads(capsys.readouterr().out)


def test_report_finds_each_planted_trend_and_links_it_to_its_rule(remits, capsys, kb):
    _, _, _, db = remits
    document = _report(capsys, db)
    assert document["format"] == "lcdkb.denials-report"
    found = {(t["kind"], t["payer_id"], t["code"], t["reason"]): t for t in document["result"]["trends"]}
    planted = {(p.kind, p.payer_id, p.code, p.group) for p in PLANTED}
    assert set(found) == planted
    for (_, payer_id, code, _), trend in found.items():
        assert trend["advice"]["rule_id"] == f"{payer_id}/{code}"
        assert trend["advice"]["page"] == f"payers/{payer_id}/#{code}"

    diagnosis = found[("spike", "medicare-jh", "20552", "diagnosis")]
    assert diagnosis["latest_week"] == 14 and diagnosis["p_value"] < 0.001
    assert diagnosis["weekly_amounts"][-1] == 14 * 180.0  # each planted 20552 line was billed 180.00, paid 0
    facts = " | ".join(diagnosis["advice"]["facts"])
    assert "Covered diagnoses: Unknown" in facts  # Novitas JH's TPI rule records no list: said, not invented
    replacements = ", ".join(kb.diagnoses["M79.1"]["replaced_by"])
    assert f"M79.1 is not billable since {kb.diagnoses['M79.1']['from']}; bill one of {replacements}" in facts

    documentation = found[("pattern", "medicare-jl", "62323", "documentation")]
    checklist = kb.rule("medicare-jl", "62323").facts["documentation"]["items"]
    assert [f.split(" [")[0] for f in documentation["advice"]["facts"]] == [f"Checklist: {i}" for i in checklist]
    assert documentation["weeks_with_denials"] == 8

    prior_auth = found[("spike", "cigna", "64635", "prior-authorization")]
    assert all("Required" in fact for fact in prior_auth["advice"]["facts"])
    frequency = found[("pattern", "medicare-j15", "64483", "frequency-units")]
    assert any(fact.startswith("At most 4 sessions") for fact in frequency["advice"]["facts"])


def test_text_report_names_the_trends_and_the_stated_rules(remits, capsys):
    _, _, _, db = remits
    capsys.readouterr()
    assert main(["denials", "report", "--db", str(db), *DATA]) == 0
    out = capsys.readouterr().out
    assert out.count("SPIKE ") == 2 and out.count("PATTERN ") == 2
    assert "Poisson" in out and "in at least 6 of the last 8 weeks" in out and "at least 5% of" in out
    assert "rule: medicare-jh/20552 (policy tpi), payers/medicare-jh/#20552" in out


def test_filters_and_site_url(remits, capsys):
    _, _, _, db = remits
    result = _report(capsys, db, "--payer", "cigna", "--site-url", "https://example.org/lcdkb/")["result"]
    assert {t["payer_id"] for t in result["trends"]} == {"cigna"}
    assert {cell["payer_id"] for cell in result["top"]} == {"cigna"}
    result = _report(capsys, db, "--code", "62323", "--weeks", "4")["result"]
    assert len(result["window"]["weeks"]) == 4
    assert {cell["code"] for cell in result["top"]} == {"62323"}
    assert main(["denials", "report", "--db", str(db), "--site-url", "http://x", *DATA]) == 2
    assert main(["denials", "report", "--db", str(db), "--payer", "nobody", *DATA]) == 2


def test_claims_precheck_counts_what_lcdkb_check_would_have_flagged(remits, capsys):
    folder, scenario, _, db = remits
    precheck = _report(capsys, db, "--claims", str(folder / "claims.csv"))["result"]["precheck"]
    assert precheck["claim_lines"] == len(scenario.planted_claims)
    assert precheck["denied_lines_matched"] == len(scenario.planted_claims)
    # The M79.1 claims fail the diagnosis check and the claims without authorization fail the PA check; the
    # documentation and frequency denials are not something a one-claim pre-check can see.
    assert precheck["same_reason_by_reason"] == {"diagnosis": 15, "prior-authorization": 9}


def test_claims_precheck_without_room_for_the_claim_ids_is_one_line(remits, capsys, monkeypatch):
    from lcdkb.claims import seen

    def no_room(self, claim_id):
        raise seen.SeenStoreError("cannot keep the claim IDs met so far in a temporary file (disk full)")

    monkeypatch.setattr(seen.SeenClaims, "add", no_room)
    folder, _, _, db = remits
    assert main(["denials", "report", "--db", str(db), "--claims", str(folder / "claims.csv"), *DATA]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.strip().splitlines()[-1].startswith("lcdkb: error: cannot keep the claim IDs met")
    assert "Traceback" not in err


def test_reimport_adds_nothing(remits, tmp_path, capsys):
    _, _, paths, db = remits
    before = _counts(db)
    assert main(["denials", "import", str(paths[0]), "--db", str(db), *DATA]) == 0
    assert "already imported" in capsys.readouterr().out
    # The same remittance sent again in a new envelope (other interchange control number) is a new file whose
    # lines are all stored already.
    resent = tmp_path / "resent.835"
    resent.write_text(
        paths[0].read_text().replace("*000000001*0*P*", "*000000999*0*P*").replace("IEA*1*000000001", "IEA*1*000000999")
    )
    assert main(["denials", "import", str(resent), "--db", str(db), *DATA]) == 0
    assert "0 added" in capsys.readouterr().out
    after = _counts(db)
    assert after[:3] == before[:3] and after[3] == before[3] + 1


CORRUPTIONS = [
    ("SVC*HC:20553*210.00*", "SVC*HC:20553*21O.00*", "(SVC): element 2 is not an amount"),
    ("SE*", "SE*9", "(SE): SE01 says 9"),
    ("IEA*1*", "IEA*1*9", "(IEA): IEA02 does not match"),
    ("DTM*472*2026", "DTM*472*2025", None),  # still a valid date: imported
    ("CAS*CO*45*", "CAS*XX*45*", "(CAS): CAS01 'XX' is not an adjustment group"),
    ("AMT*B6*", "QQ*B6*", "(QQ): not a segment an 835 holds"),
]


@pytest.mark.parametrize(("old", "new", "message"), CORRUPTIONS)
def test_malformed_file_adds_nothing_and_names_the_segment(tmp_path, capsys, old, new, message):
    text = text_for(Scenario(claims_per_file=30, seed=3))
    assert old in text
    bad = tmp_path / "bad.835"
    bad.write_text(text.replace(old, new, 1))
    good = tmp_path / "good.835"
    good.write_text(text_for(Scenario(claims_per_file=5, seed=4), payer_index=3))
    db = tmp_path / "db.duckdb"
    code = main(["denials", "import", str(bad), str(good), "--db", str(db), *DATA])
    err = capsys.readouterr().err
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        files = {row[0] for row in con.execute("SELECT name FROM files").fetchall()}
    if message is None:
        assert code == 0 and files == {"bad.835", "good.835"}
        return
    assert code == 1
    assert files == {"good.835"}  # the bad file added nothing; the good one still went in
    assert "bad.835: segment " in err and message in err and "nothing from this file was added" in err


def test_truncated_and_non_x12_files(tmp_path, capsys):
    text = text_for(Scenario(claims_per_file=5))
    cut = tmp_path / "cut.835"
    cut.write_text(text[: text.index("~", len(text) // 2) + 1])  # whole segments, no trailer
    binary = tmp_path / "binary.835"
    binary.write_bytes(b"ISA\x00\xff" * 40)
    db = tmp_path / "db.duckdb"
    assert main(["denials", "import", str(cut), str(binary), "--db", str(db), *DATA]) == 1
    err = capsys.readouterr().err
    assert "cut.835: segment " in err and "the file ends before its IEA trailer" in err
    assert "binary.835: byte 5 is not UTF-8 text" in err


def test_no_patient_name_member_id_or_claim_id_in_the_database(remits):
    import re

    import duckdb

    _, scenario, paths, db = remits
    raw = db.read_bytes()
    assert paths[0].name.encode() in raw  # the grep can see stored text (a value that is stored is found)
    assert len(scenario.member_ids) > 1000
    for pattern in (rb"ZQ\d{9}", rb"PCN\d{8}", rb"MAIN ST", rb"PO BOX"):  # member IDs, claim IDs, addresses
        assert re.search(pattern, raw) is None, pattern
    for name in set(scenario.names):
        for form in (name, name.upper()):
            assert form.encode() not in raw, form
    # And in every text column, as the database reads it back (in case storage compressed a value).
    planted = set(scenario.names) | {n.upper() for n in scenario.names}
    with duckdb.connect(str(db), read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE data_type = 'VARCHAR'"
        ).fetchall()
        for table, column in columns:
            values = {row[0] for row in con.execute(f'SELECT DISTINCT "{column}" FROM "{table}"').fetchall()}
            assert not {v for v in values if v and re.fullmatch(r"ZQ\d{9}|PCN\d{8}.*", v)}, (table, column)
            assert not values & planted, (table, column)


def test_unknown_payer_names_the_segment_and_payer_option_overrides(tmp_path, capsys):
    text = text_for(Scenario(claims_per_file=3)).replace("N1*PR*NOVITAS", "N1*PR*ACME HEALTH PLAN")
    remit = tmp_path / "acme.835"
    remit.write_text(text)
    db = tmp_path / "db.duckdb"
    assert main(["denials", "import", str(remit), "--db", str(db), *DATA]) == 1
    err = capsys.readouterr().err
    assert "acme.835: segment 7 (N1): unknown payer 'ACME HEALTH PLAN'" in err and "--payer" in err
    assert main(["denials", "import", str(remit), "--db", str(db), "--payer", "aetna", *DATA]) == 0
    assert main(["denials", "import", str(remit), "--db", str(db), "--payer", "nobody", *DATA]) == 2


def test_ambiguous_contractor_name_is_settled_by_the_payee_state(tmp_path, capsys):
    db = tmp_path / "db.duckdb"
    for index, state in ((0, "TX"), (1, "PA")):
        path = tmp_path / f"{state}.835"
        path.write_text(text_for(Scenario(claims_per_file=2), payer_index=index))
        assert main(["denials", "import", str(path), "--db", str(db), *DATA]) == 0
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        assert {r[0] for r in con.execute("SELECT DISTINCT payer_id FROM lines").fetchall()} == {
            "medicare-jh",
            "medicare-jl",
        }


def test_csv_denial_export(tmp_path, capsys):
    db = tmp_path / "db.duckdb"
    source = FIXTURES / "denials-export.csv"
    assert main(["denials", "import", str(source), "--db", str(db), *DATA]) == 0
    assert "csv, 4 service line(s), 4 added" in capsys.readouterr().out
    raw = db.read_bytes()
    assert b"Winterbottom" not in raw and b"ZQ777000111" not in raw and b"CLM-0042" not in raw
    result = _report(capsys, db, "--until", "2026-11-04")["result"]
    reasons_found = {(c["payer_id"], c["code"], c["reason"]) for c in result["top"]}
    assert reasons_found == {
        ("medicare-jh", "20552", "diagnosis"),
        ("medicare-jl", "62323", "documentation"),
        ("cigna", "64635", "prior-authorization"),
    }
    bad = tmp_path / "bad.csv"
    bad.write_text(source.read_text().replace("CO-11:180.00", "CO-11=180.00"))
    assert main(["denials", "import", str(bad), "--db", str(tmp_path / "other.duckdb"), *DATA]) == 1
    assert "bad.csv: line 2: adjustments must look like CO-50:120.00" in capsys.readouterr().err


def test_strict_validates_with_pyx12(tmp_path, capsys):
    from lcdkb.denials.x12_validate import first_problem

    text = text_for(Scenario(claims_per_file=10))
    assert first_problem(text) is None  # pyx12 accepts the synthetic files
    wrong = text.replace("*MB*", "*Q9*", 1)  # a claim filing indicator that is not a code: only pyx12 knows
    path = tmp_path / "filing.835"
    path.write_text(wrong)
    db = tmp_path / "db.duckdb"
    assert main(["denials", "import", str(path), "--db", str(db), "--strict", *DATA]) == 1
    err = capsys.readouterr().err
    assert "filing.835: segment " in err and "(CLP): " in err and "CLP06" in err and "Q9" not in err
    assert main(["denials", "import", str(path), "--db", str(db), *DATA]) == 0


def test_reasons_command_and_crosswalk_checks(capsys):
    assert main(["denials", "reasons", *DATA]) == 0
    out = capsys.readouterr().out
    assert "https://x12.org/codes/claim-adjustment-reason-codes" in out and "checked 2026-12-04" in out
    assert main(["denials", "reasons", "--format", "json", *DATA]) == 0
    data = json.loads(capsys.readouterr().out)["result"]
    carc = {e["code"]: e for e in data["carc"]}
    assert carc["50"]["group"] == "medical-necessity" and carc["197"]["group"] == "prior-authorization"
    assert "45" in data["routine"]
    text = reasons.PATH.read_text()
    with pytest.raises(reasons.CrosswalkError, match=r"reasons.yaml:\d+: carc/4/group"):
        reasons.parse(
            text.replace('group: modifier, label: "Modifier missing', 'group: modifers, label: "Modifier missing')
        )
    with pytest.raises(reasons.CrosswalkError, match="both routine and a denial reason"):
        reasons.parse(text.replace('routine: ["1",', 'routine: ["4", "1",'))


def test_trend_rules_on_their_edges():
    from lcdkb.denials.weekly import Cell, Settings, find_trends, poisson_tail

    settings = Settings()
    assert abs(poisson_tail(1, 2.0) - (1 - 2.718281828459045**-2)) < 1e-12

    def kinds(counts, lines):
        cell = Cell("p", "20552", "diagnosis", counts, [0.0] * len(counts))
        return [t.kind for t in find_trends([cell], settings, {("p", "20552"): lines})]

    quiet = [0] * 11
    assert kinds([*quiet, 5], [40] * 12) == ["spike"]  # 5 on a floor of 0.5 a week: p = 0.00017
    assert kinds([*quiet, 4], [40] * 12) == []  # under the minimum count
    assert kinds([4] * 11 + [9], [400] * 12) == []  # p = 0.021 at a baseline of 4: not a spike
    assert kinds([4] * 11 + [13], [400] * 12) == ["spike"]  # p = 0.00027
    assert kinds([0] * 6 + [3] * 6, [20] * 12) == ["pattern"]  # 6 of the last 8 weeks at 15%
    assert kinds([0] * 7 + [3] * 5, [20] * 12) == []  # only 5 of 8
    assert kinds([0] * 6 + [3] * 6, [100] * 12) == []  # 3%: a trickle, not a pattern
    assert kinds([0] * 6 + [1] * 6, [10] * 12) == []  # one line a week is under the minimum


def test_line_group_uses_the_largest_denial_and_refines_broad_codes():
    crosswalk = reasons.load()
    assert crosswalk.line_group([("45", 50.0), ("2", 10.0)], []) is None
    assert crosswalk.line_group([("16", 100.0)], ["M127"]) == "documentation"
    assert crosswalk.line_group([("16", 100.0)], ["M76"]) == "diagnosis"
    assert crosswalk.line_group([("96", 100.0)], ["N115"]) == "medical-necessity"
    assert crosswalk.line_group([("4", 20.0), ("197", 300.0)], []) == "prior-authorization"
    assert crosswalk.line_group([("11", 100.0)], ["M127"]) == "diagnosis"  # a specific CARC is not refined
    assert crosswalk.line_group([("Z9", 100.0)], []) == "other"


def test_html_report_is_self_contained_and_escaped(remits, tmp_path, capsys):
    _, _, _, db = remits
    out = tmp_path / "report.html"
    assert main(["denials", "report", "--db", str(db), "--format", "html", "--out", str(out), *DATA]) == 0
    html = out.read_text()
    assert html.count('src="data:image/svg+xml;base64,') == 5  # four trends and the reasons-by-payer chart
    assert "<script" not in html and "http://" not in html
    assert "default-src 'none'" in html
    assert "Novitas Solutions, Medicare Jurisdiction H" in html


def test_report_without_database_is_a_usage_error(tmp_path, capsys):
    assert main(["denials", "report", "--db", str(tmp_path / "none.duckdb"), *DATA]) == 2
    assert "no denial database here yet" in capsys.readouterr().err


def test_copy_of_a_file_under_another_name_is_recognised(remits, tmp_path, capsys):
    _, _, paths, db = remits
    copy = tmp_path / "renamed.835"
    shutil.copy(paths[1], copy)
    assert main(["denials", "import", str(copy), "--db", str(db), *DATA]) == 0
    assert "already imported (same content)" in capsys.readouterr().out


def test_html_escapes_every_text(remits, capsys):
    from lcdkb.denials.report_html import render

    _, _, _, db = remits
    report = _report(capsys, db)["result"]
    hostile = '<script>alert(1)</script>"onmouseover="x'
    trend = report["trends"][0]
    trend["payer_name"] = hostile
    trend["advice"]["facts"] = [hostile]
    trend["advice"]["sources"] = [{"id": hostile, "url": "javascript:alert(1)", "confidence": hostile}]
    report["top"][0]["payer_name"] = hostile
    report["reasons_by_payer"][0]["payer_name"] = hostile
    html = render(report, {**reasons.load().groups, "diagnosis": hostile})
    assert "<script" not in html and "javascript:" not in html and '"onmouseover="' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover=&quot;x" in html


def test_reports_are_deterministic_and_import_speaks_json(remits, tmp_path, capsys):
    folder, _, paths, db = remits
    outputs = []
    for run in range(2):
        out = tmp_path / f"report-{run}.html"
        command = ["denials", "report", "--db", str(db), "--format", "html", "--out", str(out)]
        assert main([*command, "--claims", str(folder / "claims.csv"), *DATA]) == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    capsys.readouterr()
    assert main(["denials", "import", str(paths[2]), "--db", str(db), "--format", "json", *DATA]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["format"] == "lcdkb.denials-import"
    assert document["result"]["files"] == [
        {
            "file": str(paths[2]),
            "status": "already-imported",
            "kind": "",
            "lines_read": 0,
            "lines_added": 0,
            "problem": None,
        }
    ]


def test_missing_extra_is_a_usage_error_not_a_traceback(tmp_path, capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "duckdb" else real(name, *a))
    assert main(["denials", "report", "--db", str(tmp_path / "db.duckdb"), *DATA]) == 2
    assert "lcdkb denials needs duckdb: install the denials extra (in a clone: pip install -c constraints" in (
        capsys.readouterr().err
    )
