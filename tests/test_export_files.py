"""The export files: envelope, slices, determinism and conformance to the published schema."""

import json

import pytest
from jsonschema import Draft202012Validator

from export_helpers import EPOCH, doc, fixture_kb, render
from lcdkb.exports.render import render_export


@pytest.fixture(scope="module")
def files():
    return render()


def test_same_data_gives_byte_identical_files(files):
    assert render() == files


def test_every_json_file_matches_the_published_self_contained_schema(files):
    export_schema = Draft202012Validator(
        json.loads(files["schema/export.schema.json"]), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    changes_schema = Draft202012Validator(json.loads(files["schema/export-changes.schema.json"]))
    checked = 0
    for path, content in files.items():
        if path.endswith(".json") and not path.startswith("schema/"):
            validator = changes_schema if path == "changes.json" else export_schema
            assert list(validator.iter_errors(json.loads(content))) == [], path
            checked += 1
    all_doc = doc(files, "all.json")
    assert checked == 2 + len(all_doc["payers"]) + len(all_doc["codes"]) + len(all_doc["states"])


def test_published_schema_rejects_a_broken_rule(files):
    validator = Draft202012Validator(json.loads(files["schema/export.schema.json"]))
    broken = doc(files, "all.json")
    broken["rules"][0]["coverage"] = "covered"  # shorthand instead of the explicit object
    del broken["rules"][1]["review"]["status"]
    assert len(list(validator.iter_errors(broken))) == 2


def test_envelope_contract(files):
    all_doc = doc(files, "all.json")
    assert all_doc["schema_version"] == "1.2.0"
    assert all_doc["generated_at"] == "2026-02-01T00:00:00Z" and all_doc["status_as_of"] == "2026-02-01"
    assert all_doc["scope"] == {"kind": "all", "id": None}
    assert all_doc["counts"] == {"payers": 2, "codes": 5, "rules": 4}
    mac = next(p for p in all_doc["payers"] if p["id"] == "fixture-mac")
    assert (mac["kind"], mac["jurisdiction"], mac["states"]) == ("medicare-mac", "JH", ["TX", "OK"])
    commercial = next(p for p in all_doc["payers"] if p["id"] == "fixture-commercial")
    assert commercial["jurisdiction"] is None
    assert {"code": "G3002", "system": "HCPCS"}.items() <= next(
        c for c in all_doc["codes"] if c["code"] == "G3002"
    ).items()


def test_rules_are_explicit(files):
    rule = next(r for r in doc(files, "all.json")["rules"] if r["id"] == "fixture-mac/64483")
    assert rule["coverage"] == {"status": "covered", "confidence": "verified-secondary"}  # weakest of L00001, A00001
    assert rule["levels_per_session"] == {"max": 2, "source": "summary-1", "confidence": "conflicting"}
    assert rule["frequency"]["confidence"] == "verified-secondary"  # its source A00001
    assert rule["repeat_criteria"]["confidence"] == "unverified"  # authored
    assert rule["units"] is None and rule["time_threshold"] is None  # not recorded
    assert rule["review"] == {
        "last_reviewed": "2026-01-10",
        "reviewed_by": "fixture-reviewer",
        "review_interval_days": 60,
        "next_review_due": "2026-03-11",
        "status": "current",
    }
    assert [s["id"] for s in rule["sources"]] == ["L00001", "A00001", "DL00001", "summary-1"]
    located = next(s for s in rule["sources"] if s["id"] == "DL00001")
    assert located["url"] is None and located["locator"] == "public code index file 12345"
    assert rule["digest"].startswith("sha256:")


def test_review_status_is_judged_on_the_stamp_date():
    day = 86400
    soon = doc(render(environ={"SOURCE_DATE_EPOCH": str(1769904000 + 28 * day)}), "all.json")  # 2026-03-01
    late = doc(render(environ={"SOURCE_DATE_EPOCH": str(1769904000 + 39 * day)}), "all.json")  # 2026-03-12
    status = lambda d: {r["id"]: r["review"]["status"] for r in d["rules"]}  # noqa: E731
    assert status(soon)["fixture-mac/64483"] == "due-soon"  # 60-day interval: due 2026-03-11
    assert status(late)["fixture-mac/64483"] == "overdue"
    assert status(late)["fixture-mac/64484"] == "current"  # 90 days: due 2026-04-10
    assert [r["digest"] for r in soon["rules"]] == [r["digest"] for r in late["rules"]]


def test_without_source_date_epoch_the_stamp_is_the_newest_data_date():
    files = render(environ={})
    assert doc(files, "all.json")["generated_at"] == "2026-01-10T00:00:00Z"


def test_bad_source_date_epoch_is_a_clear_error():
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH"):
        render(environ={"SOURCE_DATE_EPOCH": "yesterday"})


def test_payer_slice_holds_its_rules_and_what_they_refer_to(files):
    payer = doc(files, "payers/fixture-mac.json")
    assert payer["scope"] == {"kind": "payer", "id": "fixture-mac"}
    assert [r["code"] for r in payer["rules"]] == ["62323", "64483", "64484"]
    assert [j["id"] for j in payer["jurisdictions"]] == ["JH"]
    assert [s["code"] for s in payer["states"]] == ["OK", "TX"]
    assert [m["code"] for m in payer["modifiers"]] == ["50", "59"]
    assert {"62323", "64483", "64484"} <= {c["code"] for c in payer["codes"]}


def test_code_slice_is_the_reverse_index(files):
    code = doc(files, "codes/64483.json")
    assert [r["payer_id"] for r in code["rules"]] == ["fixture-mac"]
    assert [p["id"] for p in code["payers"]] == ["fixture-mac"]


def test_state_slice_has_the_mac_and_payers_listing_the_state(files):
    texas = doc(files, "states/TX.json")
    assert [p["id"] for p in texas["payers"]] == ["fixture-commercial", "fixture-mac"]  # the plan lists TX
    assert [p["id"] for p in doc(files, "states/PR.json")["payers"]] == []
    virginia = next(s for s in doc(files, "states/VA.json")["states"] if s["code"] == "VA")
    assert (virginia["jurisdiction"], virginia["jurisdictions"]) == ("JM", ["JM", "JL"])


def test_state_slices_keep_their_rules_and_list_them_by_reference(files):
    """Since 1.2.0 a state slice also names its rules in rule_refs; v1 keeps its rules list (no breaking change)."""
    texas = doc(files, "states/TX.json")
    expected = [r for r in doc(files, "all.json")["rules"] if r["payer_id"] in {"fixture-commercial", "fixture-mac"}]
    assert texas["rules"] == expected and texas["counts"]["rules"] == len(expected) > 0
    assert [ref["id"] for ref in texas["rule_refs"]] == [r["id"] for r in expected]
    for ref in texas["rule_refs"]:
        assert ref["id"] in [r["id"] for r in doc(files, ref["file"])["rules"]]


def test_sorted_keys_and_trailing_newline(files):
    text = files["all.json"].decode("utf-8")
    assert text.endswith("}\n")
    assert json.dumps(json.loads(text), sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n" == text


def test_export_comes_from_the_same_model_as_other_outputs():
    kb = fixture_kb()
    files = render_export(kb, environ=EPOCH)
    assert len(doc(files, "all.json")["rules"]) == len(kb.rules)


def test_nationwide_payers_stay_out_of_state_slices(data_dir):
    path = data_dir / "payers" / "fixture-commercial.yaml"
    path.write_text(path.read_text().replace("  states: [TX, VA]\n", ""))
    files = render(data_dir)
    assert [p["id"] for p in doc(files, "states/TX.json")["payers"]] == ["fixture-mac"]
    assert "fixture-commercial" in [p["id"] for p in doc(files, "codes/G3002.json")["payers"]]


# --- explicit prior-authorization answers (schema 1.1.0) ---------------------------------------------------------


def test_every_rule_has_a_dated_answer_for_each_desk_setting(files):
    rules = {r["id"]: r for r in doc(files, "all.json")["rules"]}
    assert all(set(r["prior_auth_answers"]) == {"office", "asc", "hospital-outpatient"} for r in rules.values())
    limited = rules["fixture-mac/62323"]["prior_auth_answers"]  # voluntary, TX only, office and ASC, from 2026-01-15
    assert limited["office"] == {
        "status": "conditional",
        "text": limited["office"]["text"],
        "reason": limited["office"]["reason"],
        "sources": limited["office"]["sources"],
        "crd_code": "conditional",
    }
    assert limited["office"]["text"].startswith("Depends: ") and "TX" in limited["office"]["text"]
    assert limited["hospital-outpatient"]["status"] == "unknown"
    assert limited["hospital-outpatient"]["text"] == "Unknown: confirm with the plan"
    assert limited["hospital-outpatient"]["crd_code"] is None and limited["hospital-outpatient"]["sources"] == []
    recorded_no = rules["fixture-commercial/G3002"]["prior_auth_answers"]["asc"]
    assert (recorded_no["status"], recorded_no["crd_code"]) == ("not-required", "no-auth")
    assert recorded_no["text"].startswith("Not required") and recorded_no["sources"]


def test_answers_follow_the_status_date_but_digests_and_changes_do_not(tmp_path):
    before = doc(render(environ={"SOURCE_DATE_EPOCH": "1767225600"}), "all.json")  # 2026-01-01: not yet in effect
    files = render()  # 2026-02-01
    after = doc(files, "all.json")
    answer = lambda d: next(r for r in d["rules"] if r["id"] == "fixture-mac/62323")["prior_auth_answers"]  # noqa: E731
    assert (answer(before)["office"]["status"], answer(after)["office"]["status"]) == ("unknown", "conditional")
    assert [r["digest"] for r in before["rules"]] == [r["digest"] for r in after["rules"]]
    assert before["source"]["data_digest"] == after["source"]["data_digest"]
    changes = doc(render(baseline=before, baseline_kind="export", baseline_ref="old"), "changes.json")
    assert changes["added"] == changes["changed"] == changes["removed"] == []
    from lcdkb.semantic_diff import diff_exports

    assert diff_exports(before, after) == []


def test_a_fact_change_is_reported_as_the_fact_not_as_the_derived_answers(data_dir):
    before = doc(render(), "all.json")
    path = data_dir / "payers" / "fixture-mac.yaml"
    path.write_text(path.read_text().replace("settings: [office, asc]", "settings: [office]"))
    changes = doc(render(data_dir, baseline=before, baseline_kind="export", baseline_ref="old"), "changes.json")
    changed = [(c["id"], c["fields"]) for c in changes["changed"]]  # the policy's requirement: all three rules
    assert changed == [(f"fixture-mac/{code}", ["prior_auth"]) for code in ("62323", "64483", "64484")]


def test_a_1_0_export_without_answers_still_reads_and_validates(tmp_path, files):
    from lcdkb import api

    current = doc(files, "all.json")
    older = json.loads(files["all.json"])
    older["schema_version"] = "1.0.0"
    for rule in older["rules"]:
        del rule["prior_auth_answers"]
    schema = Draft202012Validator(json.loads(files["schema/export.schema.json"]))
    assert list(schema.iter_errors(older)) == [] and list(schema.iter_errors(current)) == []
    (tmp_path / "old.json").write_text(json.dumps(older))
    (tmp_path / "new.json").write_bytes(files["all.json"])
    assert api.load_export(tmp_path / "old.json") == api.load_export(tmp_path / "new.json")
    older["schema_version"] = "1.1.0"  # from 1.1.0 on the answers are always written
    assert list(schema.iter_errors(older))
    (tmp_path / "bad.json").write_text(json.dumps(older))
    with pytest.raises(ValueError, match="prior_auth_answers"):
        api.load_export(tmp_path / "bad.json")
