"""The strict loader, one YAML trap at a time."""

import pytest

from lcdkb.strict_yaml import MAX_DEPTH, YamlError, parse_yaml


def load(text):
    return parse_yaml(text).data


@pytest.mark.parametrize(
    "text,expected",
    [
        ("code: 0213", "0213"),  # YAML 1.1 octal would give 139
        ("code: 0213T", "0213T"),
        ("state: NO", "NO"),  # YAML 1.1 boolean would give False
        ("state: yes", "yes"),
        ("flag: True", "True"),  # only lowercase true/false are booleans
        ("date: 2025-10-01", "2025-10-01"),  # would be a datetime.date
        ("time: 12:30:00", "12:30:00"),  # would be sexagesimal 45000
        ("hex: 0x1F", "0x1F"),
        ("exp: 1e3", "1e3"),
        ("icd: M54.16", "M54.16"),
    ],
)
def test_values_stay_text(text, expected):
    assert load(text) == {text.split(":")[0]: expected}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("n: 64483", 64483),
        ("n: -3", -3),
        ("x: 1.5", 1.5),
        ("b: true", True),
        ("b: false", False),
        ("v: null", None),
        ("v:", None),
        ("v: ~", None),
    ],
)
def test_plain_numbers_booleans_and_null(text, expected):
    value = load(text)[text.split(":")[0]]
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    "text,code,line,column",
    [
        ("a: 1\nb: 2\na: 3\n", "LCD002", 3, 1),
        ("a: &x 1\n", "LCD003", 1, 4),
        ("a: 1\nb: *x\n", "LCD003", 2, 4),
        ("a:\n  <<: {x: 1}\n", "LCD003", 2, 3),
        ("a: !!python/object/apply:os.system ['true']\n", "LCD003", 1, 4),
        ("a: !!binary aGk=\n", "LCD003", 1, 4),
        ("1: one\n", "LCD003", 1, 1),
        ("? [a, b]\n: c\n", "LCD003", 1, 3),
        ("a:\n\t- b\n", "LCD001", 2, 1),
        ("a: [1, 2\nb: 3\n", "LCD001", 2, 2),
        ("a: 1\n---\nb: 2\n", "LCD001", 2, 1),
        ('a: "\x07"\n', "LCD004", 1, 5),
        ("", "LCD005", 1, 1),
        ("# only a comment\n", "LCD005", 1, 1),
    ],
)
def test_traps_are_reported_with_position(text, code, line, column):
    with pytest.raises(YamlError) as caught:
        parse_yaml(text)
    assert (caught.value.code, caught.value.line, caught.value.column) == (code, line, column)
    assert caught.value.hint


def test_duplicate_key_names_the_first_line():
    with pytest.raises(YamlError, match=r"duplicate key 'id' \(first defined on line 2\)"):
        parse_yaml("x: 1\nid: a\nid: b\n")


def test_alias_bomb_is_refused_before_expansion():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8)
    )
    with pytest.raises(YamlError) as caught:
        parse_yaml(bomb)
    assert caught.value.code == "LCD003"


def test_python_tag_never_runs(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(YamlError):
        parse_yaml(f"a: !!python/object/apply:os.system ['touch {marker}']\n")
    assert not marker.exists()


def test_deep_nesting_is_an_error_not_a_crash():
    depth = 100_000
    with pytest.raises(YamlError) as caught:
        parse_yaml("a: " + "[" * depth + "]" * depth)
    assert caught.value.code == "LCD005"
    assert str(MAX_DEPTH) in caught.value.message


def test_quoted_merge_like_key_is_ordinary_text():
    assert load('"<<": 1') == {"<<": 1}


def test_position_of_values_and_keys():
    doc = parse_yaml('payer:\n  id: x\nrules:\n  - code: "64483"\n    units: {max: 1}\n')
    assert doc.position(("rules", 0, "code")) == (4, 11)
    assert doc.position(("rules", 0, "units"), key=True) == (5, 5)
    assert doc.position(("rules", 0, "missing")) == (4, 5)  # nearest existing node
