"""Property-based tests: whatever text or document arrives, the only outcomes are "valid" or reported problems."""

import shutil
import string

import yaml
from hypothesis import given
from hypothesis import strategies as st

from conftest import DERANDOMIZED, FIXTURE_TODAY, VALID
from lcdkb.strict_yaml import YamlError, parse_yaml
from lcdkb.validate import validate

FAST = DERANDOMIZED
VALID_MAC = (VALID / "payers" / "fixture-mac.yaml").read_text(encoding="utf-8")
YAMLISH = st.text(alphabet=string.printable + "éü—\u00a0&*!|>%@`", max_size=300)


@FAST
@given(YAMLISH)
def test_the_loader_returns_data_or_a_located_error(text):
    try:
        parse_yaml(text)
    except YamlError as error:
        assert error.code.startswith("LCD00") and error.line >= 1 and error.column >= 1


def mutate(text: str, data) -> str:
    kind = data.draw(st.sampled_from(["delete", "insert", "duplicate-line", "swap-lines", "replace"]))
    lines = text.splitlines(keepends=True)
    if kind == "delete":
        start = data.draw(st.integers(0, len(text) - 1))
        return text[:start] + text[start + data.draw(st.integers(1, 40)) :]
    if kind == "insert":
        at = data.draw(st.integers(0, len(text)))
        return text[:at] + data.draw(YAMLISH) + text[at:]
    if kind == "duplicate-line":
        i = data.draw(st.integers(0, len(lines) - 1))
        return "".join(lines[: i + 1] + [lines[i]] + lines[i + 1 :])
    if kind == "swap-lines":
        i, j = data.draw(st.integers(0, len(lines) - 1)), data.draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        return "".join(lines)
    at = data.draw(st.integers(0, len(text) - 1))
    return text[:at] + data.draw(st.characters(codec="utf-8")) + text[at + 1 :]


@FAST
@given(st.data())
def test_mutated_payer_files_give_valid_or_located_problems(tmp_path_factory, data):
    root = tmp_path_factory.mktemp("mutated")
    shutil.copytree(VALID, root, dirs_exist_ok=True)
    text = VALID_MAC
    for _ in range(data.draw(st.integers(1, 3))):
        text = mutate(text, data)
    (root / "payers" / "fixture-mac.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    result = validate(root, today=FIXTURE_TODAY)
    for problem in result.problems:
        assert problem.line >= 1 and problem.column >= 1 and problem.code.startswith("LCD") and problem.message


DOCUMENTS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.sampled_from(["64483", "2026-01-01", "JH"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["payer", "rules", "sources", "code", "review", "id", "kind", "policies", "facts", "x"]),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@FAST
@given(DOCUMENTS)
def test_random_documents_as_payer_files_never_crash_the_validator(tmp_path_factory, document):
    root = tmp_path_factory.mktemp("random")
    shutil.copytree(VALID, root, dirs_exist_ok=True)
    (root / "payers" / "fixture-mac.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    result = validate(root, today=FIXTURE_TODAY)
    assert all(p.line >= 1 for p in result.problems)


@FAST
@given(st.data())
def test_the_compiled_validator_agrees_with_jsonschema(data):
    from lcdkb.schemas import SCHEMA_FILES, fast_validator, validator

    try:
        document = parse_yaml(mutate(VALID_MAC, data)).data
    except YamlError:
        return
    fast = fast_validator(SCHEMA_FILES["payer"])
    if fast is not None:
        assert fast.is_valid(document) == validator("payer").is_valid(document)


def test_the_compiled_validator_agrees_on_every_fixture_file():
    from conftest import INVALID, REPO
    from lcdkb.load import load_dataset
    from lcdkb.schemas import SCHEMA_FILES, fast_validator, validator

    roots = [VALID, REPO / "lcd_data"]
    files = [f for root in roots for f in load_dataset(root, []).files]
    files += [
        f
        for case in INVALID.iterdir()
        for f in load_dataset(VALID, list(case.rglob("*.yaml"))).files
        if f.path.is_relative_to(case)
    ]
    for data_file in files:
        fast = fast_validator(SCHEMA_FILES[data_file.kind])
        if fast is not None:
            assert fast.is_valid(data_file.data) == validator(data_file.kind).is_valid(data_file.data), data_file.path
