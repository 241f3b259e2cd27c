"""lcdkb review mark loses nothing and never leaves a file half-written.

Every test compares bytes: apart from the review values, the file must come back exactly as it was, and on
any refusal or failure it must be untouched, with no temporary file left in its folder. The tests run as root
in CI, where permission bits do not stop us, so permission cases are made with mode bits or by monkeypatching.
"""

from __future__ import annotations

import errno
import os
import pathlib
import signal
import stat
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest

from lcdkb import review_mark
from lcdkb.cli import main
from lcdkb.review_mark import ReviewError, mark_reviewed
from lcdkb.strict_yaml import parse_yaml

TODAY = date(2026, 2, 1)
ON = date(2026, 1, 20)

# fixture-commercial with folded, literal, single- and double-quoted scalars around a quoted review.
RICH = textwrap.dedent("""\
    # yaml-language-server: $schema=../../schema/editor/payer.schema.json
    payer:
      id: fixture-commercial
      name: 'Fixture Health Plan'
      kind: commercial
      states: [TX, VA]
      notes: >
        Folded text that
        spans two lines.
    review_interval_days: 60
    sources:
      - id: FX-POLICY-1
        type: payer-policy
        title: "Fixture \\"medical\\" policy, caf\\u00e9"
        url: https://example.org/policy
        effective_date: "2025-06-01"
        checked: '2026-01-10'
        confidence: verified-primary
    rules:
      - code: G3002
        sources: [FX-POLICY-1]
        coverage: {status: no-specific-policy}
        time_threshold: {min_minutes: 30, per: calendar-month}
        prior_auth:
          - {requirement: not-required, settings: [any]}
        notes: |
          Literal text, café,
            kept as written.
        review:
          last_reviewed: '2026-01-10'   # single-quoted on purpose
          reviewed_by: "fixture-reviewer"
    """)
OLD_REVIEW = [b"last_reviewed: '2026-01-10'", b'reviewed_by: "fixture-reviewer"']
NEW_REVIEW = [b"last_reviewed: '2026-01-20'", b'reviewed_by: "Dana Reviewer"']


def encoded(text: str, ending: str = "\n", bom: bool = False, final_newline: bool = True) -> bytes:
    body = text.replace("\n", ending)
    if not final_newline:
        body = body[: -len(ending)]
    return (b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8")


def expected_after(before: bytes) -> bytes:
    """``before`` with exactly the two review values replaced."""
    for old, new in zip(OLD_REVIEW, NEW_REVIEW, strict=True):
        assert before.count(old) == 1
        before = before.replace(old, new)
    return before


def rich_file(data_dir: Path, **layout) -> Path:
    path = data_dir / "payers" / "fixture-commercial.yaml"
    path.write_bytes(encoded(RICH, **layout))
    return path


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def mark(path: Path, by: str = "Dana Reviewer", **options):
    return mark_reviewed(path, by, ON, today=TODAY, **options)


def cli(data_dir: Path, target: str = "fixture-commercial", by: str = "Dana Reviewer", *extra: str) -> int:
    return main(["review", "mark", target, "--by", by, "--on", ON.isoformat(), "--data", str(data_dir), *extra])


def assert_one_error_line(capsys, *words: str) -> str:
    err = capsys.readouterr().err
    assert err.startswith("lcdkb: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    return err


@pytest.fixture
def commercial(data_dir) -> Path:
    return rich_file(data_dir)


@pytest.fixture
def untouched(commercial):
    """Asserts after the test that the payer file and its folder are exactly as they were."""
    before, names = commercial.read_bytes(), listing(commercial.parent)
    yield commercial
    assert commercial.read_bytes() == before
    assert listing(commercial.parent) == names


# --- nothing lost ---


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("bom", [False, True], ids=["no-BOM", "BOM"])
@pytest.mark.parametrize("final_newline", [True, False], ids=["final-newline", "no-final-newline"])
def test_only_the_review_values_change_byte_for_byte(data_dir, ending, bom, final_newline):
    path = rich_file(data_dir, ending=ending, bom=bom, final_newline=final_newline)
    before = path.read_bytes()
    marked = mark(path)
    assert path.read_bytes() == expected_after(before)
    assert marked.codes == ["G3002"] and marked.by == "Dana Reviewer"
    assert listing(path.parent) == ["fixture-commercial.yaml", "fixture-mac.yaml"]


def test_cli_keeps_crlf_bom_and_no_final_newline_and_the_data_stays_valid(data_dir, capsys):
    path = rich_file(data_dir, ending="\r\n", bom=True, final_newline=False)
    before = path.read_bytes()
    assert cli(data_dir) == 0, capsys.readouterr().err
    assert path.read_bytes() == expected_after(before)
    assert 'by "Dana Reviewer"' in capsys.readouterr().err


def test_cli_keeps_old_mac_line_endings(data_dir, capsys):
    path = rich_file(data_dir, ending="\r")
    before = path.read_bytes()
    cli(data_dir)  # the exit code is the validator's verdict on the whole file, not the mark's
    assert path.read_bytes() == expected_after(before)
    assert "marked 1 rule(s)" in capsys.readouterr().err


def test_mode_bits_are_kept(commercial, capsys):
    commercial.chmod(0o640)
    assert cli(commercial.parent.parent) == 0
    assert stat.S_IMODE(commercial.stat().st_mode) == 0o640


def test_owner_and_group_are_kept(commercial):
    if os.geteuid() == 0:
        os.chown(commercial, 4242, 4343)
    before = commercial.stat()
    mark(commercial)
    after = commercial.stat()
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    assert after.st_ino != before.st_ino  # replaced, not rewritten in place


def test_an_owner_we_cannot_keep_is_refused(untouched, monkeypatch):
    owner = untouched.stat()
    monkeypatch.setattr(
        os, "fstat", lambda handle: os.stat_result((0o100600, 1, 1, 1, owner.st_uid + 1, owner.st_gid, 0, 0, 0, 0))
    )
    monkeypatch.setattr(os, "fchown", lambda *args: (_ for _ in ()).throw(PermissionError(errno.EPERM, "no")))
    with pytest.raises(ReviewError, match=f"belongs to {owner.st_uid}:{owner.st_gid}.*not changed"):
        mark(untouched)


def test_a_symbolic_link_inside_the_data_folder_stays_a_link(data_dir, commercial):
    link = data_dir / "payers" / "fixture-link.yaml"
    real = data_dir / "real-commercial.yaml"
    commercial.rename(real)
    link.symlink_to(real)
    before = real.read_bytes()
    mark(link, data_dir=data_dir)
    assert link.is_symlink() and real.read_bytes() == expected_after(before)


# --- refusals: one clear line, exit 2, nothing changed ---


@pytest.mark.parametrize(
    "name, words",
    [
        ("", ["needs the reviewer's name"]),
        ("   ", ["needs the reviewer's name"]),
        ("x" * 101, ["101 characters", "limit is 100"]),
        ("Dana\x00", ["U+0000"]),
        ("Dana\tR", ["U+0009"]),
        ("Dana\nR", ["U+000A"]),
        ("Dana\r", ["U+000D"]),
        ("\x1b[31mDana", ["U+001B"]),
        ("Dana\x7f", ["U+007F"]),
        ("Dana\x85", ["U+0085"]),
        ("Dana\x9b", ["U+009B"]),
        ("Dana\u2028R", ["U+2028 LINE SEPARATOR"]),
        ("Dana\u2029R", ["U+2029 PARAGRAPH SEPARATOR"]),
        ("Dana\u202eR", ["U+202E RIGHT-TO-LEFT OVERRIDE"]),
        ("Dana\u202aR", ["U+202A"]),
        ("Dana\u2066R", ["U+2066"]),
        ("Dana\u2069R", ["U+2069"]),
        ("Da\u200bna", ["U+200B ZERO WIDTH SPACE"]),
        ("Da\u200fna", ["U+200F"]),
        ("\ufeffDana", ["U+FEFF"]),
        ("Dana\udcff", ["not valid text"]),
    ],
    ids=lambda value: repr(value)[:20],
)
def test_invalid_reviewer_names_are_refused(untouched, capsys, name, words):
    assert cli(untouched.parent.parent, "fixture-commercial", name) == 2
    err = assert_one_error_line(capsys, *words)
    assert "\x1b" not in err and "\u202e" not in err
    with pytest.raises(ReviewError):
        mark(untouched, name)


def test_a_100_character_name_is_accepted(commercial):
    mark(commercial, "D" * 100)
    assert parse_yaml(commercial.read_text(encoding="utf-8-sig")).data["rules"][0]["review"]["reviewed_by"] == "D" * 100


@pytest.mark.parametrize("code", ["6448", "644833", "abc", "64483;x", "", "W1234", "\x1b[2J"])
def test_a_value_that_is_not_a_code_is_refused(untouched, capsys, code):
    assert cli(untouched.parent.parent, "fixture-commercial", "Dana", "--code", code) == 2
    assert "\x1b" not in assert_one_error_line(capsys, "is not a code", "64483", "G3002")
    with pytest.raises(ReviewError, match="is not a code"):
        mark_reviewed(untouched, "Dana", ON, [code], today=TODAY)


def test_codes_are_matched_in_any_case(commercial):
    assert mark_reviewed(commercial, "Dana", ON, ["g3002"], today=TODAY).codes == ["G3002"]


def test_a_read_only_file_is_refused(untouched, capsys):
    untouched.chmod(0o444)
    assert cli(untouched.parent.parent) == 2
    assert_one_error_line(capsys, "fixture-commercial.yaml is read-only (mode 0444)", "chmod u+w")
    with pytest.raises(ReviewError, match="read-only"):
        mark(untouched)
    assert stat.S_IMODE(untouched.stat().st_mode) == 0o444


def test_a_file_we_may_not_write_is_refused(untouched, capsys, monkeypatch):
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda path, mode, **kw: (
            False if Path(path) == untouched.resolve() and mode & os.W_OK else real_access(path, mode, **kw)
        ),
    )
    assert cli(untouched.parent.parent) == 2
    assert_one_error_line(capsys, "fixture-commercial.yaml", "no permission to write")


def test_a_folder_we_may_not_write_in_is_refused(untouched, capsys, monkeypatch):
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda path, mode, **kw: False if Path(path) == untouched.resolve().parent else real_access(path, mode, **kw),
    )
    assert cli(untouched.parent.parent) == 2
    assert_one_error_line(capsys, "no permission to create files in", "payers")


def test_a_symbolic_link_outside_the_data_folder_is_refused(data_dir, tmp_path, capsys):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_bytes(encoded(RICH))
    link = data_dir / "payers" / "fixture-link.yaml"
    link.symlink_to(outside)
    assert cli(data_dir, "fixture-link") == 2
    assert_one_error_line(capsys, "fixture-link.yaml is a symbolic link", "outside the data folder")
    with pytest.raises(ReviewError, match="outside the data folder"):
        mark(link, data_dir=data_dir)
    assert outside.read_bytes() == encoded(RICH) and link.is_symlink()


def test_a_file_that_is_not_regular_is_refused(data_dir, capsys):
    fifo = data_dir / "payers" / "fixture-fifo.yaml"
    os.mkfifo(fifo)
    assert cli(data_dir, "fixture-fifo") == 2
    assert_one_error_line(capsys, "fixture-fifo.yaml is not a regular file")
    assert cli(data_dir, str(data_dir / "payers")) == 2
    assert_one_error_line(capsys, "is a folder")


def test_a_missing_file_is_a_clear_error(data_dir, capsys):
    gone = data_dir / "payers" / "gone.yaml"
    assert cli(data_dir, str(gone)) == 2
    assert_one_error_line(capsys, "no payer file or payer ID", "gone.yaml")
    with pytest.raises(ReviewError, match=r"gone\.yaml does not exist; check the path"):
        mark(gone)


def test_an_unreadable_file_is_a_clear_error(untouched, capsys, monkeypatch):
    untouched.chmod(0o200)
    if os.access(untouched, os.R_OK):  # root reads anything: make the read fail as it would for a user
        real_read = pathlib.Path.read_bytes
        monkeypatch.setattr(
            pathlib.Path,
            "read_bytes",
            lambda self: (
                (_ for _ in ()).throw(PermissionError(errno.EACCES, "Permission denied", str(self)))
                if self == untouched.resolve()
                else real_read(self)
            ),
        )
    assert cli(untouched.parent.parent) == 2
    assert_one_error_line(capsys, "fixture-commercial.yaml: cannot read the file: permission denied")
    with pytest.raises(ReviewError, match="cannot read the file"):
        mark(untouched)
    untouched.chmod(0o644)


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_a_file_that_is_not_utf8_names_the_line_and_byte(data_dir, capsys, ending):
    path = data_dir / "payers" / "fixture-commercial.yaml"
    raw = encoded(RICH, ending=ending, bom=True).replace(b"Folded", b"Fo\xfflded")
    path.write_bytes(raw)
    offset = raw.index(b"\xff") + 1
    assert cli(data_dir) == 2
    assert_one_error_line(
        capsys, "fixture-commercial.yaml:8:7: byte 0xFF", f"(byte {offset} of", "save the file as UTF-8"
    )
    assert path.read_bytes() == raw


def test_a_broken_yaml_file_is_a_clear_error(data_dir, capsys):
    path = data_dir / "payers" / "fixture-commercial.yaml"
    path.write_bytes(encoded(RICH).replace(b"states: [TX, VA]", b"states: [TX, VA"))
    before = path.read_bytes()
    assert cli(data_dir) == 2
    assert_one_error_line(capsys, "fixture-commercial.yaml:", "fix the file first")
    assert path.read_bytes() == before


# --- failures while writing: the old file stays, no leftovers ---


def _raising(error: BaseException):
    def fail(*args, **kwargs):
        raise error

    return fail


def test_a_full_disk_while_writing_leaves_the_file_untouched(untouched, capsys, monkeypatch):
    real_write = os.write
    calls = []

    def write_half_then_fill_up(handle, data):
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(handle, bytes(data[: len(data) // 2]))

    monkeypatch.setattr(os, "write", write_half_then_fill_up)
    assert cli(untouched.parent.parent) == 2
    assert_one_error_line(
        capsys, "fixture-commercial.yaml: cannot write the file: the disk is full", "the file was not changed"
    )
    assert len(calls) == 2


@pytest.mark.parametrize(
    "error, words",
    [
        (OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
        (OSError(errno.EIO, "Input/output error"), "Input/output error"),
    ],
)
def test_a_failing_fsync_leaves_the_file_untouched(untouched, monkeypatch, error, words):
    monkeypatch.setattr(os, "fsync", _raising(error))
    with pytest.raises(ReviewError, match=f"cannot write the file: {words}.*not changed"):
        mark(untouched)


def test_permission_denied_at_the_swap_leaves_the_file_untouched(untouched, capsys, monkeypatch):
    monkeypatch.setattr(os, "replace", _raising(PermissionError(errno.EACCES, "Permission denied")))
    assert cli(untouched.parent.parent) == 2
    assert_one_error_line(capsys, "cannot write the file: permission denied")


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()], ids=["exception", "ctrl-c"])
def test_any_exception_while_writing_removes_the_temporary_file(untouched, monkeypatch, error):
    monkeypatch.setattr(os, "fchmod", _raising(error))
    with pytest.raises(type(error)):
        mark(untouched)


def test_a_file_changed_by_someone_else_meanwhile_is_not_overwritten(commercial, monkeypatch):
    real_fsync = os.fsync
    edited = encoded(RICH).replace(b"Folded text", b"Folded text edited elsewhere")

    def edit_meanwhile(handle):
        real_fsync(handle)
        commercial.write_bytes(edited)

    monkeypatch.setattr(os, "fsync", edit_meanwhile)
    with pytest.raises(ReviewError, match="changed while it was being marked"):
        mark(commercial)
    assert commercial.read_bytes() == edited
    assert listing(commercial.parent) == ["fixture-commercial.yaml", "fixture-mac.yaml"]


def test_an_unexpected_os_error_is_one_line_not_a_traceback(data_dir, capsys, monkeypatch):
    monkeypatch.setattr(
        review_mark,
        "payer_file",
        _raising(OSError(errno.ELOOP, "Too many levels of symbolic links", "payers/loop.yaml")),
    )
    assert cli(data_dir) == 2
    assert_one_error_line(capsys, "payers/loop.yaml: Too many levels of symbolic links")


# --- killed while writing ---

SLOW_MARK = """\
import os, sys, time
from pathlib import Path

ready = Path(sys.argv[1])
real_write = os.write


def slow_write(handle, data):
    if not os.readlink(f"/proc/self/fd/{handle}").endswith(".tmp"):
        return real_write(handle, data)
    written = real_write(handle, bytes(data[: len(data) // 2]))
    ready.write_text("half written")
    time.sleep(60)
    return written


os.write = slow_write
from lcdkb.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _kill_half_way(tmp_path: Path, data_dir: Path, signum: int) -> tuple[int, str, list[str]]:
    """Run ``lcdkb review mark`` in a child, send ``signum`` once half the new file is written."""
    script, ready = tmp_path / "slow_mark.py", tmp_path / "ready"
    script.write_text(SLOW_MARK)
    child = subprocess.Popen(
        [
            sys.executable,
            str(script),
            str(ready),
            "review",
            "mark",
            "fixture-commercial",
            "--by",
            "Dana",
            "--on",
            ON.isoformat(),
            "--data",
            str(data_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the child never started writing"
            time.sleep(0.02)
        during = listing(data_dir / "payers")
        child.send_signal(signum)
        _, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return child.returncode, err, during


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to find the temporary file")
def test_sigterm_half_way_leaves_the_old_file_and_no_temporary_file(tmp_path, data_dir, commercial):
    before, names = commercial.read_bytes(), listing(commercial.parent)
    returncode, err, during = _kill_half_way(tmp_path, data_dir, signal.SIGTERM)
    assert any(name.endswith(".tmp") for name in during)  # it really was killed mid-write
    assert returncode == 128 + signal.SIGTERM and "Traceback" not in err, err
    assert commercial.read_bytes() == before
    assert listing(commercial.parent) == names


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to find the temporary file")
def test_sigkill_half_way_leaves_the_old_file_whole(tmp_path, data_dir, commercial):
    before = commercial.read_bytes()
    returncode, _, _ = _kill_half_way(tmp_path, data_dir, signal.SIGKILL)
    assert returncode == -signal.SIGKILL
    assert commercial.read_bytes() == before
    # Nothing can clean up after SIGKILL; the leftover is hidden, so the validator does not read it.
    assert all(name.startswith(".") for name in listing(commercial.parent) if name.endswith(".tmp"))
