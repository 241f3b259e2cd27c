"""Terminal and line-report output: data or arguments with control, bidi or invisible characters can neither
drive the terminal (escape sequences) nor forge a line of a report."""

import pytest

from conftest import VALID
from lcdkb.cli import main
from lcdkb.problems import Problem
from lcdkb.terminal import quoted, safe, safe_lines, unsafe_characters

HOSTILE = [
    "\x1b[2J\x1b[31mred",
    "line\nfake: LCD000 error: forged",
    "cr\rover",
    "bidi\u202eevil",
    "zero\u200bwidth",
    "nul\x00",
    "c1\x9b31m",
    "sep\u2028arator",
    "bom\ufeff",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_leaves_no_unsafe_character(value):
    assert unsafe_characters(safe(value)) == [] and unsafe_characters(quoted(value)) == []
    assert "\n" not in safe(value) and "\r" not in safe(value)


def test_safe_keeps_ordinary_text():
    text = "Novitas JH: 64483 — épidural, 1–2 levels; “quoted” & <ok>"
    assert safe(text) == text
    assert quoted('a "b" \\ c') == '"a \\"b\\" \\\\ c"'
    assert safe_lines("a\x1b\nb") == "a\\x1b\nb"


def test_a_problem_line_cannot_be_forged():
    problem = Problem("payers/x.yaml", 3, 1, "LCD010", "bad value 'a\nx.yaml:1:1: LCD000 error: fake'", "hint\x1b[2J")
    assert problem.as_text().count("\n") == 0 and "\x1b" not in problem.as_text()
    assert "\n" not in problem.as_github() and "\x1b" not in problem.as_github()


def test_validate_shows_an_escape_sequence_in_the_data_as_text(data_dir, capsys):
    mac = data_dir / "payers" / "fixture-mac.yaml"
    mac.write_text(mac.read_text().replace('code: "64483"', 'code: "64483\\e[2J"', 1))
    assert main(["validate", "--data", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b" in out


def test_an_argument_with_an_escape_sequence_is_shown_as_text(capsys):
    assert main(["lookup", "6448\x1b[2J3", "--data", str(VALID)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b[2J" in err and err.count("\n") == 1


def test_a_zero_width_character_in_a_key_is_refused_and_shown_as_an_escape(data_dir, capsys):
    mac = data_dir / "payers" / "fixture-mac.yaml"
    text = mac.read_text()
    text = text.replace("policies:\n", 'policies:\n  "hidden\\u200b": {title: x}\n', 1)
    mac.write_text(text)
    assert main(["validate", "--data", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert "fixture-mac.yaml:40:3: LCD010 error" in out and "hidden\\u200b" in out and "\u200b" not in out
