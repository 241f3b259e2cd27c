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
    cards = json.loads(out)["result"]["cards"]
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
    assert "Prior auth (office): Depends: voluntary only in OK, TX (WISeR model) [unverified]" in out


def test_setting_filters_prior_auth(capsys):
    _, out, _ = lookup(
        capsys, "64493", "--payer", "medicare-national", "--setting", "office", "--format", "json", *REAL
    )
    [card] = json.loads(out)["result"]["cards"]
    assert [e["requirement"] for e in card["prior_auth"]] == ["not-required"]
    assert (
        list(card["prior_auth_answers"]) == ["office"]
        and card["prior_auth_answers"]["office"]["text"] == "Not required"
    )


def test_without_payer_or_state_every_payer(capsys):
    _, out, _ = lookup(capsys, "62323", "--format", "json", "--data", str(VALID))
    answer = json.loads(out)["result"]
    assert [c["payer_id"] for c in answer["cards"]] == ["fixture-mac"] and answer["prior_auth"] is None


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


def answer_json(capsys, *args) -> dict:
    code, out, err = lookup(capsys, *args, "--format", "json", *REAL)
    assert code == 0, err
    return json.loads(out)["result"]


def test_ohio_hospital_outpatient_64635_leads_with_the_national_opd_requirement(capsys):
    code, out, _ = lookup(capsys, "64635", "--state", "OH", "--setting", "hospital-outpatient", *REAL)
    lead = out.splitlines()[1]
    assert code == 0 and lead.startswith("  Prior auth in a hospital outpatient department: Required")
    assert "OPD prior authorization) since 2023-07-01" in lead and "national rules" in lead
    verdict = answer_json(capsys, "64635", "--state", "OH", "--setting", "hospital-outpatient")["prior_auth"]
    parts = {p["payer_id"]: p["status"] for p in verdict["hospital-outpatient"]["parts"]}
    assert (
        verdict["hospital-outpatient"]["status"] == "required"
        and verdict["hospital-outpatient"]["crd_code"] == "auth-needed"
    )
    assert parts == {"medicare-j15": "unknown", "medicare-national": "required"}


def test_64495_in_a_hospital_outpatient_department_depends_on_the_date_of_service(capsys):
    args = ("64495", "--payer", "medicare-national", "--setting", "hospital-outpatient", "--date")
    early = answer_json(capsys, *args, "2024-01-15")["prior_auth"]["hospital-outpatient"]
    late = answer_json(capsys, *args, "2025-06-01")["prior_auth"]["hospital-outpatient"]
    assert early["status"] == "required" and early["text"].startswith("Required")
    assert late["status"] == "not-required" and late["text"].startswith("Not required")
    office = answer_json(capsys, "64495", "--payer", "medicare-national", "--setting", "office", "--date", "2024-01-15")
    assert office["prior_auth"]["office"]["status"] == "not-required"


def test_no_card_leaves_prior_auth_blank(capsys):
    answer = answer_json(capsys, "64483", "--state", "TX")
    texts = [a["text"] for c in answer["cards"] for a in c["prior_auth_answers"].values()]
    assert texts and all(
        t.startswith(("Required", "Not required", "Depends: ", "Unknown: confirm with the plan")) for t in texts
    )
    _, out, _ = lookup(capsys, "64483", "--payer", "aetna", *REAL)
    assert "none recorded" not in out and "Prior auth (office): Unknown: confirm with the plan" in out


def test_a_payer_and_a_state_together(capsys):
    answer = answer_json(capsys, "64483", "--payer", "aetna", "--state", "Texas")
    assert (
        answer["payer_id"] == "aetna"
        and answer["state"] == "TX"
        and [c["payer_id"] for c in answer["cards"]] == ["aetna"]
    )
    code, _, err = lookup(capsys, "64483", "--payer", "medicare-jh", "--state", "OH", *REAL)
    assert code == 2 and "does not apply in Ohio (OH)" in err


def test_an_alias_shared_by_two_contractors_asks_which(capsys):
    code, _, err = lookup(capsys, "64483", "--payer", "novitas", *REAL)
    assert code == 2 and "could mean more than one payer" in err and "medicare-jh" in err and "medicare-jl" in err
    assert answer_json(capsys, "64483", "--payer", "novitas", "--state", "NJ")["payer_id"] == "medicare-jl"


def test_virginia_explains_the_northern_virginia_part_b_exception(capsys):
    answer = answer_json(capsys, "64483", "--state", "VA")
    [note] = answer["notes"]
    assert "Arlington County, Fairfax County, City of Alexandria go to Jurisdiction JL" in note
    assert "the rest of Virginia is Jurisdiction JM" in note
    assert {c["payer_id"] for c in answer["cards"]} >= {"medicare-jm", "medicare-jl"}
