"""The strict loader, one YAML trap at a time."""

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import DERANDOMIZED
from lcdkb import strict_yaml
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


# The fast way (libyaml's C composer) and the checked way (composition in Python) must give the same data,
# the same positions and the same errors; parse_yaml uses the fast way whenever the text allows it.

REPO = Path(__file__).resolve().parents[1]
DATA_FILES = sorted((REPO / "lcd_data").rglob("*.yaml")) + sorted((REPO / "tests" / "fixtures").rglob("*.yaml"))


def _outcome(parse, text):
    """(data, every node's position) or the error's (code, message, line, column, hint)."""
    try:
        document = parse(text)
    except YamlError as exc:
        return ("error", exc.code, exc.message, exc.line, exc.column, exc.hint)
    positions = []
    stack = [((), document.data)]
    while stack:
        path, value = stack.pop()
        positions.append((path, document.position(path), document.position(path, key=True)))
        if isinstance(value, dict):
            stack.extend((path + (k,), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((path + (i,), v) for i, v in enumerate(value))
    return ("data", document.data, positions)


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_fast_and_checked_ways_agree_on_every_data_file(path):
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    assert _outcome(parse_yaml, text) == _outcome(strict_yaml._parse_checked, text)


def test_plain_data_takes_the_fast_way():
    fast, root = strict_yaml._compose_fast("payer: x\nrules:\n  - {code: '0213', units: 2, note: R&D 5*3}\n")
    assert fast and root is not None


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\n",
        "a: 1\nb: *x\n",
        "a: !!str 1\n",
        "a: ! 1\n",
        "a: [&x 1, *x]\n",
        "a: {b: !t 1}\n",
        "a:\n- &x b\n",
        "\ufeff&a 1\n",
        "\ufeff!t 1\n",
    ],
)
def test_anchors_aliases_and_tags_never_take_the_fast_way(text):
    assert strict_yaml._compose_fast(text) == (False, None)


_SCALARS = st.sampled_from(
    ["0213", "NO", "yes", "True", "true", "false", "1e3", "0x1F", "12:30:00", "2025-10-01", "-3", "1.5", "-0", "~",
     "null", "", "'quoted'", '"q\\u202e"', "<<", "x" * 101, "9" * 16, "R&D", "&a", "*a", "!t", "a # c", "[1, 2]"]
)  # fmt: skip
_KEYS = st.sampled_from(["a", "b", "a", "1", "<<", "'q'", "? [x]", "k" * 101])


@st.composite
def _documents(draw, depth=0):
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        key = draw(_KEYS)
        if depth < 3 and draw(st.booleans()):
            child = draw(_documents(depth + 1))
            lines.append(f"{key}:\n" + "".join("  " + line + "\n" for line in child.splitlines()))
        elif draw(st.booleans()):
            lines.append(f"{key}: [{', '.join(draw(st.lists(_SCALARS, max_size=3)))}]\n")
        else:
            lines.append(f"{key}: {draw(_SCALARS)}\n")
    return "".join(lines)


@DERANDOMIZED
@given(_documents())
def test_fast_and_checked_ways_agree_on_generated_documents(text):
    assert _outcome(parse_yaml, text) == _outcome(strict_yaml._parse_checked, text)


def test_deep_nesting_is_refused_the_same_way_on_the_fast_way():
    text = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    assert _outcome(parse_yaml, text) == _outcome(strict_yaml._parse_checked, text)
    assert _outcome(parse_yaml, text)[1] == "LCD005"


@pytest.mark.parametrize("text", ["a: !!str 1\n", "a: !t {b: 1}\n", "a: [!!int 1]\n", "!!map {a: 1}\n"])
def test_an_explicit_tag_never_takes_the_fast_way_even_if_the_scan_missed_it(text, monkeypatch):
    monkeypatch.setattr(strict_yaml, "_MAY_HOLD_ANCHOR_ALIAS_OR_TAG", re.compile("(?!)"))  # matches nothing
    assert strict_yaml._compose_fast(text) == (False, None)
    with pytest.raises(YamlError, match="explicit tag"):
        parse_yaml(text)
