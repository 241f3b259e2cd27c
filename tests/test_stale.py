"""lcdkb stale: statuses from last_reviewed + interval, urgency order, output formats and exit codes."""

import json

import pytest

from conftest import VALID
from lcdkb.cli import main

# The fixture rules were reviewed on 2026-01-10; fixture-mac/62323 and /64484 have a 90-day interval.


def stale(capsys, *args):
    code = main(["stale", "--data", str(VALID), *args])
    return code, capsys.readouterr().out


def status_of(out, rule_id):
    return next(r["status"] for r in json.loads(out)["result"]["rules"] if r["rule_id"] == rule_id)


@pytest.mark.parametrize(
    "today, status, exit_code",
    [
        ("2026-04-20", "overdue", 1),  # 100 days after the review
        ("2026-03-31", "due-soon", 1),  # 80 days: due in 10; exit 1 because the 60-day rules are overdue by then
        ("2026-01-20", "current", 0),  # 10 days
    ],
)
def test_status_by_days_since_review(capsys, today, status, exit_code):
    code, out = stale(capsys, "--today", today, "--format", "json")
    assert status_of(out, "fixture-mac/64484") == status
    assert code == exit_code


def test_json_lists_every_rule_most_urgent_first(capsys):
    _, out = stale(capsys, "--today", "2026-04-20", "--format", "json")
    data = json.loads(out)["result"]
    counts = {"current": 0, "due-soon": 0, "overdue": 4, "source-changed": 0}
    assert data["as_of"] == "2026-04-20" and data["counts"] == counts
    first = data["rules"][0]
    assert (first["rule_id"], first["days_until_due"], first["next_review_due"]) == (
        "fixture-commercial/G3002",
        -40,
        "2026-03-11",
    )
    assert [r["days_until_due"] for r in data["rules"]] == sorted(r["days_until_due"] for r in data["rules"])


def test_text_groups_by_payer_and_reviewer(capsys):
    _, out = stale(capsys, "--today", "2026-04-20")
    assert "0 current, 0 due-soon, 4 overdue, 0 source-changed (4 rules)" in out
    assert "Fixture MAC, Jurisdiction H (fixture-mac)" in out and "64483  overdue        40 days overdue" in out
    assert "fixture-reviewer: 0 current, 0 due-soon, 4 overdue, 0 source-changed" in out


def test_fail_on_and_due_within(capsys):
    assert stale(capsys, "--today", "2026-02-25", "--fail-on", "overdue")[0] == 0  # 60-day rules due in 14
    assert stale(capsys, "--today", "2026-02-25", "--fail-on", "due-soon")[0] == 1
    assert stale(capsys, "--today", "2026-02-25", "--fail-on", "due-soon", "--due-within", "7")[0] == 0
    assert stale(capsys, "--today", "2026-09-01", "--fail-on", "never")[0] == 0


def test_markdown_for_the_reviews_due_issue(capsys):
    _, out = stale(capsys, "--today", "2026-04-20", "--format", "markdown")
    assert "**4 overdue**" in out and "| Fixture MAC, Jurisdiction H (fixture-mac) | 62323 | overdue" in out
    _, quiet = stale(capsys, "--today", "2026-01-20", "--format", "markdown")
    assert "Nothing is overdue or due soon." in quiet


def test_bad_arguments_are_usage_errors(capsys):
    assert main(["stale", "--data", str(VALID), "--due-within", "-3"]) == 2
    with pytest.raises(SystemExit) as raised:
        main(["stale", "--data", str(VALID), "--today", "2026-02-30"])
    assert raised.value.code == 2


def test_markdown_report_values_are_inert(data_dir, capsys):
    """A reviewer name or payer name cannot open a cell, a link, HTML, or @-mention a team in the issue body."""
    mac = data_dir / "payers" / "fixture-mac.yaml"
    mac.write_text(
        mac.read_text().replace(
            "reviewed_by: fixture-reviewer}", 'reviewed_by: "@org/team | [x](https://e.test) *bold* <3"}', 1
        )
    )
    assert main(["stale", "--data", str(data_dir), "--today", "2026-04-20", "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "&#64;org" in line)
    assert row.count("|") == 7 and "@" not in row and "*" not in row and "<" not in row and "](" not in row


def test_markdown_capped_for_an_issue_body_keeps_whole_rows_and_says_what_is_left(data_dir, capsys):
    for payer in (data_dir / "payers").glob("*.yaml"):
        payer.write_text(payer.read_text().replace("reviewed_by: fixture-reviewer", "reviewed_by: " + "r" * 200))
    args = ["stale", "--data", str(data_dir), "--today", "2026-04-20", "--format", "markdown"]
    assert main(args) == 1
    whole = capsys.readouterr().out
    assert main(args + ["--max-chars", str(len(whole))]) == 1
    assert capsys.readouterr().out == whole  # everything fits: unchanged
    assert main(args + ["--max-chars", "1000", "--more-url", "https://example.org/review/"]) == 1
    capped = capsys.readouterr().out
    assert len(capped) <= 1000 < len(whole)
    assert capped.startswith(whole.split("\n", 1)[0])
    rows = [line for line in capped.splitlines() if line.startswith("| ") and "Payer" not in line]
    assert rows and all(line in whole.splitlines() for line in rows)
    assert f"_Showing the {len(rows)} most urgent of 4 rules due; {4 - len(rows)} more" in capped
    assert "[full list](https://example.org/review/)_" in capped


@pytest.mark.parametrize(
    "extra",
    [
        ["--max-chars", "10"],
        ["--format", "text", "--max-chars", "5000"],
        ["--more-url", "javascript:alert(1)"],
        ["--more-url", "https://x.test/a b"],
    ],
)
def test_bad_markdown_caps_are_usage_errors(capsys, extra):
    args = ["stale", "--data", str(VALID), "--today", "2026-04-20"]
    args += extra if "--format" in extra else ["--format", "markdown", *extra]
    assert main(args) == 2
