"""lcdkb lookup: a card per payer for one code; forgiving names and helpful errors."""

import json

from conftest import REPO, VALID
from lcdkb.cli import main

REAL = ["--data", str(REPO / "lcd_data")]


def lookup(capsys, *args):
    code = main(["lookup", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_state_gives_medicare_contractor_and_national_rules(capsys):
    code, out, _ = lookup(
        capsys,
        "64493",
        "--state",
        "texas",
        "--setting",
        "hospital-outpatient",
        "--date",
        "2026-12-01",
        "--format",
        "json",
        *REAL,
    )
    cards = json.loads(out)["result"]
    assert code == 0 and [c["payer_id"] for c in cards] == ["medicare-jh", "medicare-national"]
    national = cards[1]
    assert national["prior_auth"][0]["requirement"] == "required" and national["prior_auth"][0]["from"] == "2023-07-01"
    assert cards[0]["sources"][0]["id"] == "L34892" and cards[0]["review_status"] == "current"


def test_payer_by_alias_text_card(capsys):
    code, out, _ = lookup(
        capsys, "64483", "--payer", "Novitas JH", "--setting", "office", "--date", "2026-12-01", *REAL
    )
    assert code == 0
    assert "Novitas Solutions, Medicare Jurisdiction H (medicare-jh) - 64483" in out
    assert "Modifier:      50: when bilateral" in out and "Source:        L36920 (LCD, verified-primary)" in out
    assert "Prior auth (office): Voluntary (WISeR model)" in out


def test_setting_filters_prior_auth(capsys):
    _, out, _ = lookup(
        capsys, "64493", "--payer", "medicare-national", "--setting", "office", "--format", "json", *REAL
    )
    assert [e["requirement"] for e in json.loads(out)["result"][0]["prior_auth"]] == ["not-required"]


def test_without_payer_or_state_every_payer(capsys):
    _, out, _ = lookup(capsys, "62323", "--format", "json", "--data", str(VALID))
    assert [c["payer_id"] for c in json.loads(out)["result"]] == ["fixture-mac"]


def test_unknown_names_suggest_close_matches(capsys):
    code, _, err = lookup(capsys, "64438", *REAL)
    assert code == 2 and "unknown code '64438' (did you mean" in err and "64483" in err
    code, _, err = lookup(capsys, "64483", "--payer", "medicare-jhh", *REAL)
    assert code == 2 and "did you mean medicare-jh" in err
    code, _, err = lookup(capsys, "64483", "--state", "Texsa", *REAL)
    assert code == 2 and "did you mean Texas" in err


def test_no_rule_is_said_plainly(capsys):
    code, out, _ = lookup(capsys, "G3002", "--payer", "aetna", *REAL)
    assert code == 0 and "No rule for G3002 is recorded for Aetna (commercial plans)." in out
