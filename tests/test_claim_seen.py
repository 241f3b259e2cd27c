"""The claim IDs ``check`` has met (lcdkb.claims.seen): exact verdicts whether they sit in memory or have moved to
the temporary table on disk, and that table private, unnamed, gone afterwards, and free of claim IDs in clear."""

import io
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import DERANDOMIZED, VALID
from lcdkb import api
from lcdkb.claims import seen as seen_module
from lcdkb.claims.engine import ClaimStream
from lcdkb.claims.lines import read_claims
from lcdkb.claims.seen import SeenClaims
from lcdkb.cli import main

HEADER = "claim_id,date_of_service,payer_id,place_of_service,code,modifiers,units,diagnoses,minutes\n"
LINUX_PROC = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
# Enough keys that the table outgrows SQLite's page cache and is written to its file.
MANY = 40_000

ids = st.lists(st.sampled_from(["c1", "c2", "c3", "é", "\udcff", "c1 ", "C1", "x" * 70]), max_size=30)


@pytest.fixture(scope="module")
def kb():
    return api.load(VALID)


class ConstantTag(SeenClaims):
    """Every ID gets the same tag (and so the same pad): the worst hash collisions possible."""

    def _tag(self, data: bytes) -> bytes:
        return bytes(seen_module.TAG_BYTES)


class CountsMoves(SeenClaims):
    def __init__(self, max_in_memory: int):
        super().__init__(max_in_memory)
        self.moves = 0

    def _move_to_disk(self) -> None:
        self.moves += 1
        super()._move_to_disk()


def temp_files() -> dict[int, str]:
    """This process's open SQLite temporary files: descriptor -> link target."""
    found = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue
        if "etilqs_" in target:
            found[int(name)] = target
    return found


@DERANDOMIZED
@given(claim_ids=ids, max_in_memory=st.integers(1, 4), tag=st.sampled_from([SeenClaims, ConstantTag]))
def test_verdicts_match_a_plain_set_in_memory_and_on_disk(claim_ids, max_in_memory, tag):
    expected: set[str] = set()
    with tag(max_in_memory) as seen:
        for claim_id in claim_ids:
            assert seen.add(claim_id) is (claim_id in expected)
            expected.add(claim_id)
        for claim_id in ["c1", "c2", "c3", "é", "\udcff", "c1 ", "C1", "x" * 70, "c4", "x" * 71]:
            assert (claim_id in seen) is (claim_id in expected)


def test_colliding_tags_never_refuse_a_new_claim_on_disk():
    with ConstantTag(max_in_memory=2) as seen:
        assert not any(seen.add(f"c{n}") for n in range(50))  # same length, same tag, same pad
        assert seen.on_disk and all(seen.add(f"c{n}") for n in range(50)) and "c50" not in seen


def test_keys_are_keyed_per_run_and_do_not_hold_the_id():
    first, second = SeenClaims(), SeenClaims()
    claim_id = "MRN-0012345-DOE"
    assert first.encode(claim_id) == first.encode(claim_id) != second.encode(claim_id)
    assert claim_id.encode() not in first.encode(claim_id)


def stream_items(kb, text: str, seen: SeenClaims) -> list:
    return [repr(item) for item in ClaimStream(kb, read_claims(io.BytesIO(text.encode())), seen)]


def claim_file(order: list[int]) -> str:
    rows = [
        f"c{n},2026-02-01,fixture-mac,11,{'64483' if index % 3 else '64484'},,{'two' if n == 4 else '1'},M54.16,\n"
        for index, n in enumerate(order)
    ]
    return HEADER + "".join(rows)


@DERANDOMIZED
@given(order=st.lists(st.integers(1, 6), min_size=1, max_size=25))
def test_the_stream_gives_the_same_findings_and_problems_with_the_table_on_disk(kb, order):
    text = claim_file(order)
    tiny = CountsMoves(max_in_memory=1)
    in_memory = stream_items(kb, text, SeenClaims())
    assert stream_items(kb, text, tiny) == in_memory
    assert tiny.moves == len(set(order)) and not tiny.on_disk  # every ID went to disk; closed at the end


def test_a_claim_split_across_the_file_is_refused_from_the_table_on_disk(kb):
    text = claim_file([1, 2, 3, 1])
    tiny = CountsMoves(max_in_memory=1)
    items = stream_items(kb, text, tiny)
    assert tiny.moves == 3
    assert sum("already appeared earlier" in item for item in items) == 1
    assert any("line_no=5" in item and "'c1'" in item and "already appeared earlier" in item for item in items)


@LINUX_PROC
def test_the_table_file_is_private_unnamed_without_ids_and_closed_afterwards(tmp_path):
    before = temp_files()
    claim_ids = [f"MRN-{n:07d}-PATIENT" for n in range(MANY)]
    seen = SeenClaims(max_in_memory=1000)
    for claim_id in claim_ids:
        seen.add(claim_id)
    opened = {fd: target for fd, target in temp_files().items() if fd not in before}
    assert len(opened) == 1
    ((fd, target),) = opened.items()
    assert target.endswith(" (deleted)")  # SQLite unlinked it when it made it: no name to find or leave behind
    assert os.stat(f"/proc/self/fd/{fd}").st_mode & 0o777 == 0o600
    with open(f"/proc/self/fd/{fd}", "rb") as handle:
        content = handle.read()
    assert len(content) > 2**20  # the table really is on disk, beyond SQLite's page cache
    assert b"MRN-" not in content and b"PATIENT" not in content
    assert all(seen.add(claim_id) for claim_id in claim_ids[::997])
    seen.close()
    assert fd not in temp_files()


@LINUX_PROC
def test_stopping_early_closes_the_table(kb):
    before = temp_files()
    text = HEADER + "".join(f"MRN{n},2026-02-01,fixture-mac,11,64483,,1,M54.16,\n" for n in range(MANY))
    seen = SeenClaims(max_in_memory=1000)
    items = iter(ClaimStream(kb, read_claims(io.BytesIO(text.encode())), seen))
    for _ in range(MANY - 5):
        next(items)
    assert seen.on_disk and set(temp_files()) - set(before)
    items.close()  # what happens when a reader stops, or an error ends the loop that reads the stream
    assert not seen.on_disk and set(temp_files()) == set(before)


@LINUX_PROC
def test_a_killed_run_leaves_nothing_in_the_temporary_folder(tmp_path):
    folder = tmp_path / "tmp"
    folder.mkdir()
    script = textwrap.dedent(
        f"""
        import os, signal
        from lcdkb.claims.seen import SeenClaims

        seen = SeenClaims(max_in_memory=1000)
        for n in range({MANY}):
            seen.add(f"MRN-{{n:07d}}")
        for name in os.listdir("/proc/self/fd"):
            try:
                print(os.readlink(f"/proc/self/fd/{{name}}"))
            except OSError:
                pass
        print(sorted(os.listdir({str(folder)!r})), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    env = dict(os.environ, SQLITE_TMPDIR=str(folder))
    result = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == -9, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{folder}/etilqs_") and line.endswith(" (deleted)") for line in lines)
    assert lines[-1] == "[]" and list(folder.iterdir()) == []


def run_check(tmp_path, capsys, text: str) -> tuple[int, str, str]:
    path = tmp_path / "claims.csv"
    path.write_text(text, encoding="utf-8")
    code = main(["check", "--claims", str(path), "--data", str(VALID)])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_reports_the_same_with_every_id_moved_to_disk(tmp_path, capsys, monkeypatch):
    text = claim_file([1, 2, 2, 3, 1, 5, 4, 6])
    expected = run_check(tmp_path, capsys, text)
    assert expected[0] == 2 and 'input line 6: claim "c1" already appeared earlier' in expected[1]
    monkeypatch.setattr(seen_module, "IN_MEMORY_BYTES", 1)  # every key moves to disk as soon as it is added
    assert run_check(tmp_path, capsys, text) == expected


def test_a_temporary_folder_that_cannot_be_used_is_one_clear_line(tmp_path, capsys, monkeypatch):
    def refuse(*args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(seen_module, "IN_MEMORY_BYTES", 1)
    monkeypatch.setattr(sqlite3, "connect", refuse)
    code, out, err = run_check(tmp_path, capsys, claim_file([1, 2]))
    assert code == 2 and "Traceback" not in out + err
    assert err.strip().splitlines() == [
        "lcdkb: error: cannot keep the claim IDs met so far in a temporary file (unable to open database file); "
        "free some space, or point SQLITE_TMPDIR or TMPDIR at a writable folder"
    ]


def test_max_in_memory_must_be_positive():
    with pytest.raises(ValueError):
        SeenClaims(max_in_memory=0)
