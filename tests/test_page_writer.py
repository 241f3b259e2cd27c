"""The generated pages are written from two processes (Linux) or one, with the same files either way."""

import sys

import pytest

from conftest import FIXTURE_TODAY, VALID
from lcdkb.model import build_model
from lcdkb.site import page_writer
from lcdkb.site.pages import all_pages
from lcdkb.site.rule_view import View
from lcdkb.site.search_index import with_keywords
from lcdkb.validate import validate


@pytest.fixture(scope="module")
def view():
    return View(build_model(validate(VALID, today=FIXTURE_TODAY)), FIXTURE_TODAY)


def written(folder):
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.skipif(sys.platform != "linux", reason="two processes only where the system forks")
def test_two_processes_write_the_same_files_as_one(view, tmp_path, monkeypatch):
    forks = []
    real_context = page_writer.multiprocessing.get_context
    monkeypatch.setattr(page_writer, "_can_fork", lambda: True)  # other tests may have left threads running
    monkeypatch.setattr(
        page_writer.multiprocessing, "get_context", lambda kind: forks.append(kind) or real_context(kind)
    )
    count = page_writer.write_pages(view, tmp_path / "two")
    assert forks == ["fork"]
    monkeypatch.setattr(page_writer, "_can_fork", lambda: False)
    assert page_writer.write_pages(view, tmp_path / "one") == count
    assert forks == ["fork"]
    files = written(tmp_path / "two")
    assert files == written(tmp_path / "one")
    expected = with_keywords(all_pages(view), view.kb)
    assert count == len(expected) and files == {path: text.encode("utf-8") for path, text in expected.items()}


def test_a_failure_in_the_other_process_is_one_line(view, tmp_path, monkeypatch):
    def broken() -> dict[str, str]:
        raise ValueError("not a safe anchor: 'x y'")

    monkeypatch.setattr(page_writer, "_can_fork", lambda: True)
    monkeypatch.setattr(page_writer, "page_parts", lambda _view: [lambda: {"index.md": "# Home\n"}, broken])
    with pytest.raises(page_writer.PageWriteError) as failure:
        page_writer.write_pages(view, tmp_path)
    assert str(failure.value) == "generating the pages failed: ValueError: not a safe anchor: 'x y'"


def test_only_a_single_threaded_linux_process_forks(monkeypatch):
    import threading

    monkeypatch.setattr(page_writer.sys, "platform", "linux")
    monkeypatch.delenv("LCDKB_BUILD_PROCESSES", raising=False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert page_writer._can_fork()
    monkeypatch.setattr(threading, "active_count", lambda: 2)  # a lock another thread holds would stay locked
    assert not page_writer._can_fork()
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setenv("LCDKB_BUILD_PROCESSES", "1")
    assert not page_writer._can_fork()
    monkeypatch.delenv("LCDKB_BUILD_PROCESSES")
    monkeypatch.setattr(page_writer.sys, "platform", "darwin")
    assert not page_writer._can_fork()
