"""Nothing lost, nothing half-written: output swaps survive a crash or SIGTERM, respect the umask, and a folder
that cannot be read is an error rather than an empty data set."""

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import VALID
from lcdkb.cli import main
from lcdkb.output_tree import MARKER


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}.") and not p.name.endswith(".lock"))


@pytest.fixture
def previous(tmp_path) -> Path:
    out = tmp_path / "api"
    assert main(["export", "--data", str(VALID), "--out", str(out)]) == 0
    return out


def test_output_follows_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        assert main(["export", "--data", str(VALID), "--out", str(tmp_path / "api")]) == 0
    finally:
        os.umask(old)
    folders = [tmp_path / "api"] + [p for p in (tmp_path / "api").rglob("*") if p.is_dir()]
    files = [p for p in (tmp_path / "api").rglob("*") if p.is_file()]
    assert {oct(p.stat().st_mode & 0o777) for p in folders} == {"0o755"}
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {"0o644"}


def test_a_swap_cut_between_its_renames_is_undone_by_the_next_run(previous, data_dir, tmp_path, capsys):
    """Died after moving the old folder aside and before moving the new one in: even a failing next run puts
    the old export back and removes the half-written one."""
    before = snapshot(previous)
    os.replace(previous, tmp_path / ".api.old-dead")
    (tmp_path / ".api.new-dead").mkdir()
    (tmp_path / ".api.new-dead" / "all.json").write_text("{")  # incomplete: no marker
    (tmp_path / ".api.work-dead").mkdir()
    (data_dir / "payers" / "fixture-mac.yaml").write_text("payer: [broken\n")
    assert main(["export", "--data", str(data_dir), "--out", str(previous)]) == 1
    assert snapshot(previous) == before
    assert leftovers(tmp_path, "api") == []


def test_a_swap_cut_after_a_complete_build_is_finished(previous, data_dir, tmp_path):
    newer = tmp_path / ".api.new-dead"
    os.replace(previous, tmp_path / ".api.old-dead")
    newer.mkdir()
    (newer / "all.json").write_text("{}")
    (newer / MARKER).write_text("complete")
    (data_dir / "payers" / "fixture-mac.yaml").write_text("payer: [broken\n")
    assert main(["export", "--data", str(data_dir), "--out", str(previous)]) == 1
    assert snapshot(previous) == {"all.json": b"{}", MARKER: b"complete"}
    assert leftovers(tmp_path, "api") == []


def test_a_second_run_on_the_same_output_stops_cleanly(previous, capsys):
    handle = os.open(previous.parent / ".api.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        before = snapshot(previous)
        assert main(["export", "--data", str(VALID), "--out", str(previous)]) == 2
        assert "another lcdkb run is writing" in capsys.readouterr().err
        assert snapshot(previous) == before
    finally:
        os.close(handle)


def test_sigterm_during_a_build_leaves_the_previous_site_and_no_leftovers(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / MARKER).write_text("made by lcdkb\n")
    (site / "index.html").write_text("<p>previous site</p>\n")
    before = snapshot(site)
    child = subprocess.Popen(
        [sys.executable, "-m", "lcdkb", "build", "--data", str(VALID), "--out", str(site)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".site.work-") for p in tmp_path.iterdir()):
        assert child.poll() is None and time.monotonic() < deadline, "the build never started writing"
        time.sleep(0.02)
    time.sleep(0.3)
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 143, err
    assert "Traceback" not in err and "SIGTERM" in err
    assert snapshot(site) == before
    assert leftovers(tmp_path, "site") == []


def test_an_unreadable_folder_is_an_error_not_zero_payers(data_dir, previous, monkeypatch, capsys):
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path).name == "payers":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    before = snapshot(previous)
    assert main(["export", "--data", str(data_dir), "--out", str(previous)]) == 1
    err = capsys.readouterr().err
    assert "payers:1:1: LCD006 error: cannot read the folder: Permission denied" in err
    assert snapshot(previous) == before


def test_an_unreadable_data_file_is_an_error_with_its_path(data_dir, monkeypatch, capsys):
    target = data_dir / "payers" / "fixture-mac.yaml"
    real = Path.read_bytes

    def read_bytes(self):
        if self == target:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert main(["validate", "--data", str(data_dir)]) == 1
    assert "fixture-mac.yaml:1:1: LCD006 error: cannot read the file: Permission denied" in capsys.readouterr().out


def test_a_full_disk_while_exporting_is_one_line_and_keeps_the_previous_export(previous, monkeypatch, capsys):
    before = snapshot(previous)

    def full(self, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    assert main(["export", "--data", str(VALID), "--out", str(previous)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "Traceback" not in err
    monkeypatch.undo()
    assert snapshot(previous) == before and leftovers(previous.parent, "api") == []


def test_a_data_folder_without_payers_is_an_error_not_an_empty_export(data_dir, previous, capsys):
    for payer in (data_dir / "payers").iterdir():
        payer.unlink()
    before = snapshot(previous)
    assert main(["export", "--data", str(data_dir), "--out", str(previous)]) == 1
    assert "LCD006 error: no payer files in payers/" in capsys.readouterr().err
    assert snapshot(previous) == before
