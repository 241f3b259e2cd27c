"""The quick desk path (lcdkb.desk) prints exactly what the full command prints: same standard output, same
standard error, same exit code, for every code of the real data and the fixtures, in the desk's common forms
and in forms it hands to the full command (unknown names, bad input)."""

from __future__ import annotations

import os

import pytest

from conftest import REPO
from lcdkb import cli, desk, desk_index, file_status

REAL = REPO / "lcd_data"
STATES = ["TX", "CA", "VA", "NY", "FL"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LCDKB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LCDKB_DESK", raising=False)
    # A freshly copied fixture has only just been written; 0 lets its index be used at once (the real setting,
    # 2 s, is about clocks, not about what is printed).
    monkeypatch.setattr(file_status, "SETTLED_SECONDS", 0)


def _run(main, argv, capsys) -> tuple[int | str | None, str, str]:
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's usage errors and --help
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def _both(argv: list[str], capsys, monkeypatch, quick: bool) -> None:
    """Run the full command twice (the first may validate the data and count its warnings; both leave the
    code's desk index), then the entry point; compare the second with it. ``quick``: the entry point must answer
    without the full command."""
    _run(cli.main, argv, capsys)
    full = _run(cli.main, argv, capsys)
    with monkeypatch.context() as patch:
        if quick:
            patch.setattr(cli, "main", lambda *a: pytest.fail(f"the full command ran for {argv}"))
        fast = _run(desk.main, argv, capsys)
    assert fast == full, argv


def _codes(data) -> list[str]:
    import yaml

    entries = yaml.safe_load((data / "catalog" / "codes.yaml").read_text(encoding="utf-8"))["codes"]
    return [str(entry["code"]) for entry in entries]


def _payers(data) -> list[str]:
    import yaml

    return sorted(
        yaml.safe_load(path.read_text(encoding="utf-8"))["payer"]["id"] for path in (data / "payers").glob("*.yaml")
    )


def _states(data) -> set[str]:
    import yaml

    return {entry["code"] for entry in yaml.safe_load((data / "catalog" / "states.yaml").read_text())["states"]}


def _lookup_forms(data, code: str, payers: list[str]) -> list[tuple[list[str], bool]]:
    base = ["lookup", code, "--data", str(data)]
    forms = [(base, True), ([*base, "--format", "json"], True), ([*base, "--date", "2025-06-01"], True)]
    known = _states(data)
    forms += [([*base, "--state", state], state in known) for state in STATES]
    forms += [([*base, f"--state={STATES[0]}", "--setting", "asc"], True)]
    forms += [([*base, "--payer", payer], True) for payer in payers]
    forms += [([*base, "--payer", payers[0], "--state", "TX", "--format", "json"], False)]
    forms += [([*base, "--payer", "no-such-payer"], False), ([*base, "--state", "Atlantis"], False)]
    forms += [([*base, "--date", "yesterday"], False), ([*base, "--setting", "moon"], False)]
    forms += [([*base, "--payer", payers[0], "--payer", payers[-1]], False)]
    forms += [(["lookup", code.lower(), "--data", str(data), "--state", "tx"], True)]
    return forms


def _check_forms(data, code: str, payers: list[str]) -> list[tuple[list[str], bool]]:
    base = ["check", "--code", code, "--data", str(data)]
    forms = [([*base, "--state", "TX"], True), ([*base, "--payer", payers[0]], True)]
    forms += [([*base, "--payer", payers[-1], "--format", fmt], True) for fmt in ("json", "jsonl")]
    forms += [([*base, "--state", "VA", "--pos", "24", "--dx", "M47.816", "--dx", "M54.16", "--units", "2"], True)]
    forms += [([*base, "--state", "TX", "--modifier", "RT", "--prior-auth", "yes", "--date", "2026-01-02"], False)]
    forms += [([*base, "--state", "TX", "--minutes", "30"], True)]
    forms += [
        ([*base, "--state", "TX", "--units", "zero"], False),
        ([*base, "--state", "TX", "--date", "2026-13-01"], False),
    ]
    forms += [([*base, "--payer", "no-such-payer"], False), ([*base, "--state", "TX", "--modifier", "ZZ"], False)]
    return forms


def test_every_real_code_reads_the_same_on_the_quick_path(capsys, monkeypatch):
    payers = _payers(REAL)
    for code in _codes(REAL):
        for argv, quick in _lookup_forms(REAL, code, payers) + _check_forms(REAL, code, payers):
            _both(argv, capsys, monkeypatch, quick)


def test_every_fixture_code_reads_the_same_on_the_quick_path(data_dir, capsys, monkeypatch):
    payers = _payers(data_dir)
    for code in _codes(data_dir):
        for argv, quick in _lookup_forms(data_dir, code, payers) + _check_forms(data_dir, code, payers):
            _both(argv, capsys, monkeypatch, quick)


@pytest.mark.parametrize(
    "argv",
    [
        ["lookup", "99999"],
        ["lookup"],
        ["lookup", "--help"],
        ["lookup", "64483", "-q"],
        ["lookup", "64483", "--pay", "aetna"],
        ["lookup", "64483", "--list-payers"],
        ["check", "--claims", "x.csv"],
        ["check", "--code", "64483"],
        ["check", "--code", "64483", "--code", "64484", "--state", "TX"],
        ["check", "--code", "64483", "--state", "-TX"],
        ["validate"],
        ["--version"],
    ],
)
def test_other_forms_go_to_the_full_command(argv):
    if argv[:2] == ["lookup", "99999"]:
        assert desk.parse(argv) is not None  # taken, but no index names the code: answer() gives it back
        return
    assert desk.parse(argv) is None


def test_an_unknown_code_is_answered_by_the_full_command(capsys, monkeypatch):
    _both(["lookup", "99999", "--data", str(REAL)], capsys, monkeypatch, quick=False)
    _both(["check", "--code", "99999", "--state", "TX", "--data", str(REAL)], capsys, monkeypatch, quick=False)


def test_an_edited_data_file_sends_the_query_to_the_full_command(data_dir, capsys, monkeypatch):
    argv = ["lookup", _codes(data_dir)[0], "--data", str(data_dir)]
    _both(argv, capsys, monkeypatch, quick=True)
    payer = sorted((data_dir / "payers").glob("*.yaml"))[0]
    payer.write_text(payer.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert desk_index.load(str(data_dir), _codes(data_dir)[0]) is None
    _both(argv, capsys, monkeypatch, quick=False)


@pytest.mark.parametrize("where", ["head", "rule"])
def test_a_damaged_index_file_is_not_used(data_dir, capsys, monkeypatch, where):
    code = _codes(data_dir)[0]
    argv = ["lookup", code, "--data", str(data_dir)]
    _both(argv, capsys, monkeypatch, quick=True)
    path = os.path.join(str(desk_index.folder(str(data_dir))), desk_index.file_name(code))
    with open(path, "r+b") as handle:
        if where == "head":
            handle.seek(len(handle.readline()) + 2)  # inside the stamp
        else:
            handle.seek(-3, os.SEEK_END)  # inside the last rule
        handle.write(b"!!!")
    if where == "head":
        assert desk_index.load(str(data_dir), code) is None
    request = desk.parse(argv)
    assert request is not None and desk.answer(request) is None  # the full command answers
    assert capsys.readouterr() == ("", "")
    _both(argv, capsys, monkeypatch, quick=True)  # ... and writes the file again


def test_the_desk_cache_folder_is_the_one_platformdirs_names(monkeypatch, tmp_path):
    from lcdkb.cache import cache_dir

    monkeypatch.delenv("LCDKB_CACHE_DIR")
    for xdg in (None, str(tmp_path / "xdg"), "  "):
        if xdg is None:
            monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_CACHE_HOME", xdg)
        assert desk_index.cache_folder() == str(cache_dir())


def test_the_desk_data_folder_is_the_one_the_full_command_uses(monkeypatch, tmp_path):
    from lcdkb.paths import default_data_dir

    monkeypatch.delenv("LCDKB_DATA", raising=False)
    monkeypatch.chdir(REPO)
    request = desk.parse(["lookup", "64483"])
    assert request is not None and os.path.samefile(desk.data_folder(request), default_data_dir())
    monkeypatch.setenv("LCDKB_DATA", str(tmp_path))
    assert desk.data_folder(request) == str(default_data_dir())
    monkeypatch.delenv("LCDKB_DATA")
    monkeypatch.chdir(tmp_path)  # no ./lcd_data here: the checkout's (or the bundled snapshot)
    assert desk.data_folder(request) == str(default_data_dir())


def test_the_default_data_folder_is_answered_on_the_quick_path_too(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("LCDKB_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    _both(["lookup", "64483", "--state", "TX"], capsys, monkeypatch, quick=True)
    _both(["check", "--code", "64483", "--state", "TX", "--format", "jsonl"], capsys, monkeypatch, quick=True)


def test_the_quick_path_imports_neither_argparse_nor_dataclasses(capsys):
    import subprocess
    import sys

    argv = ["lookup", "64483", "--state", "TX", "--data", str(REAL)]
    cli.main(argv)
    capsys.readouterr()
    script = (
        "import sys; from lcdkb.desk import main; main(sys.argv[1:]); "
        "bad = {'argparse', 'dataclasses', 'lcdkb.cli', 'lcdkb.validate', 'platformdirs'} & set(sys.modules); "
        "sys.stderr.write(repr(sorted(bad)))"
    )
    env = {**os.environ, "LCDKB_DESK": ""}
    done = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, env=env, check=True)
    assert done.stderr == "[]"


def test_a_new_file_in_the_data_or_lcdkb_itself_changes_the_stamp(data_dir, tmp_path, capsys, monkeypatch):
    code = _codes(data_dir)[0]
    _both(["lookup", code, "--data", str(data_dir)], capsys, monkeypatch, quick=True)
    assert desk_index.load(str(data_dir), code) is not None
    (data_dir / "payers" / "notes.txt").write_text("a new file\n", encoding="utf-8")
    assert desk_index.load(str(data_dir), code) is None
    (data_dir / "payers" / "notes.txt").unlink()
    assert desk_index.load(str(data_dir), code) is not None
    package = tmp_path / "package"
    package.mkdir()
    monkeypatch.setattr(desk_index, "PACKAGE", str(package))
    assert desk_index.load(str(data_dir), code) is None
