"""lcdkb review mark: only the review values change; comments and layout stay as they were."""

import difflib
from datetime import date

import pytest

from lcdkb.cli import main
from lcdkb.review_mark import mark_reviewed
from lcdkb.strict_yaml import parse_yaml

BLOCK_STYLE_RULE = """  # A rule written in block style, with comments that must survive.
  - code: "64484"
    policy: esi   # inherits the epidural policy
    review:
      last_reviewed: "2026-01-10"   # checked against L00001
      reviewed_by: fixture-reviewer
"""


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_marks_one_code_and_changes_exactly_its_review_values(data_dir):
    path = data_dir / "payers" / "fixture-mac.yaml"
    before = path.read_text()
    assert (
        main(
            [
                "review",
                "mark",
                "fixture-mac",
                "--code",
                "64483",
                "--by",
                "Dana Reviewer",
                "--on",
                "2026-01-20",
                "--data",
                str(data_dir),
            ]
        )
        == 0
    )
    assert changed_lines(before, path.read_text()) == [
        '-    review: {last_reviewed: "2026-01-10", reviewed_by: fixture-reviewer, interval_days: 60}',
        '+    review: {last_reviewed: "2026-01-20", reviewed_by: Dana Reviewer, interval_days: 60}',
    ]


def test_block_style_reviews_and_comments_are_preserved(data_dir):
    path = data_dir / "payers" / "fixture-mac.yaml"
    text = path.read_text()
    start = text.index('  - code: "64484"')
    path.write_text(text[:start] + BLOCK_STYLE_RULE)
    before = path.read_text()
    assert main(["review", "mark", str(path), "--by", "Lee", "--on", "2026-01-25", "--data", str(data_dir)]) == 0
    after = path.read_text()
    changed = changed_lines(before, after)
    assert len(changed) == 8  # two flow-style review lines and two block-style lines, old and new
    assert all("last_reviewed" in line or "reviewed_by" in line for line in changed)
    assert '      last_reviewed: "2026-01-25"   # checked against L00001' in after
    assert "# A rule written in block style" in after and "policy: esi   # inherits" in after
    assert all(r["review"]["reviewed_by"] == "Lee" for r in parse_yaml(after).data["rules"])


def test_names_that_need_quotes_are_quoted(data_dir):
    path = data_dir / "payers" / "fixture-commercial.yaml"
    assert (
        main(
            [
                "review",
                "mark",
                "fixture-commercial",
                "--by",
                "O'Brien: QA",
                "--on",
                "2026-01-20",
                "--data",
                str(data_dir),
            ]
        )
        == 0
    )
    assert parse_yaml(path.read_text()).data["rules"][0]["review"]["reviewed_by"] == "O'Brien: QA"


def test_refuses_future_dates_and_leaves_the_file_alone(data_dir, capsys):
    path = data_dir / "payers" / "fixture-mac.yaml"
    before = path.read_bytes()
    assert main(["review", "mark", "fixture-mac", "--by", "X", "--on", "2999-01-01", "--data", str(data_dir)]) == 2
    assert "in the future" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_refuses_to_move_a_review_back_in_time(data_dir, capsys):
    assert main(["review", "mark", "fixture-mac", "--by", "X", "--on", "2025-12-01", "--data", str(data_dir)]) == 2
    assert "already reviewed on 2026-01-10" in capsys.readouterr().err


def test_unknown_payer_or_code_is_a_clear_error(data_dir, capsys):
    assert main(["review", "mark", "fixture-ma", "--by", "X", "--data", str(data_dir)]) == 2
    assert "did you mean fixture-mac" in capsys.readouterr().err
    assert main(["review", "mark", "fixture-mac", "--code", "99999", "--by", "X", "--data", str(data_dir)]) == 2
    assert "has no rule for 99999" in capsys.readouterr().err


FLOW_REVIEW = '    review: {last_reviewed: "2026-01-10", reviewed_by: fixture-reviewer}'


def with_review_line(data_dir, line: str):
    path = data_dir / "payers" / "fixture-commercial.yaml"
    text = path.read_text()
    assert text.count(FLOW_REVIEW) == 1
    path.write_text(text.replace(FLOW_REVIEW, line))
    return path


@pytest.mark.parametrize(
    "before, after",
    [
        (
            "{last_reviewed: '2026-01-10', reviewed_by: 'fixture-reviewer'}",
            "{last_reviewed: '2026-01-20', reviewed_by: 'O''Brien: QA'}",
        ),
        (
            '{last_reviewed: "2026-01-10", reviewed_by: "fixture-reviewer"}',
            '{last_reviewed: "2026-01-20", reviewed_by: "O\'Brien: QA"}',
        ),
        (
            "{last_reviewed: 2026-01-10, reviewed_by: fixture-reviewer}",
            '{last_reviewed: 2026-01-20, reviewed_by: "O\'Brien: QA"}',
        ),
    ],
    ids=["single", "double", "plain"],
)
def test_replaced_values_keep_their_quoting_style(data_dir, before, after):
    path = with_review_line(data_dir, f"    review: {before}")
    old = path.read_bytes()
    mark_reviewed(path, "O'Brien: QA", date(2026, 1, 20), today=date(2026, 2, 1))
    assert path.read_bytes() == old.replace(before.encode(), after.encode())


TRICKY_NAMES = [
    "O'Brien: QA",
    'Dana "DJ" Reviewer',
    "back\\slash",
    "\\",
    '"',
    "'",
    "# not a comment",
    "a #b",
    "- dash",
    "[brackets]",
    "{braces}",
    "a, b",
    "a: b",
    "trailing:",
    "? q",
    "yes",
    "No",
    "null",
    "~",
    "true",
    "123",
    "1e3",
    "0x1F",
    "2026-01-20",
    "José Núñez",
    "李小龙",
    "x",
    "@handle",
    "%p",
    "!tag",
    "&anchor",
    "*alias",
    "|",
    ">",
    "`tick`",
    "  spaced  ",
    "D'Angelo",
    "a\\nb",
    "é\u0301",
]


@pytest.mark.parametrize(
    "style", ["fixture-reviewer", "'fixture-reviewer'", '"fixture-reviewer"'], ids=["plain", "single", "double"]
)
@pytest.mark.parametrize("name", TRICKY_NAMES)
def test_any_valid_name_is_written_as_one_safe_scalar(data_dir, style, name):
    path = with_review_line(data_dir, f'    review: {{last_reviewed: "2026-01-10", reviewed_by: {style}}}')
    mac = data_dir / "payers" / "fixture-mac.yaml"
    text = mac.read_text()
    mac.write_text(text[: text.index('  - code: "64484"')] + BLOCK_STYLE_RULE.replace("fixture-reviewer", style))
    for payer in (path, mac):
        before = payer.read_text()
        mark_reviewed(payer, name, date(2026, 1, 20), today=date(2026, 2, 1))
        after = payer.read_text()
        assert {r["review"]["reviewed_by"] for r in parse_yaml(after).data["rules"]} == {name.strip(" ")}
        assert all("reviewed_by" in line or "last_reviewed" in line for line in changed_lines(before, after))
        assert len(after.splitlines()) == len(before.splitlines())


def test_the_message_shows_the_name_quoted_and_escaped(data_dir, capsys):
    assert (
        main(
            [
                "review",
                "mark",
                "fixture-commercial",
                "--by",
                'Dana "DJ" \\ R',
                "--on",
                "2026-01-20",
                "--data",
                str(data_dir),
            ]
        )
        == 0
    )
    assert 'by "Dana \\"DJ\\" \\\\ R"\n' in capsys.readouterr().err
