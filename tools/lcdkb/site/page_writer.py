"""Write the generated pages into the Markdown folder, from two processes where the system can fork.

Page generation is pure: each page is a function of the model. ``pages.page_parts`` splits the pages into two
parts of about the same cost; on Linux a forked child (``multiprocessing``'s fork start method: the child shares
the parent's model without copying or pickling it) writes the second part while this process writes the first.
Elsewhere, in a process that runs other threads, or with ``LCDKB_BUILD_PROCESSES=1``, both parts are written
here, one after the other. The files are the same either way.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from lcdkb.model import KnowledgeBase
from lcdkb.output_tree import write_files
from lcdkb.site.pages import page_parts
from lcdkb.site.rule_view import View
from lcdkb.site.search_index import with_keywords

Part = Callable[[], dict[str, str]]


class PageWriteError(Exception):
    pass


def write_pages(view: View, target: Path) -> int:
    """Write every generated page (with its search keywords) under ``target``; returns the page count."""
    parts = page_parts(view)
    if not _can_fork():
        return sum(_write_part(part, view.kb, target) for part in parts)
    first, *rest = parts
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    gc.freeze()  # the child shares the model's memory pages; a collection in it would touch (and copy) them all
    child = context.Process(target=_child, args=(rest, view.kb, target, send), daemon=True)
    child.start()
    send.close()
    try:
        count = _write_part(first, view.kb, target)
        try:
            status, value = receive.recv()
        except EOFError:
            status, value = "error", "the page-writing process stopped without a word"
    except BaseException:
        child.terminate()
        raise
    finally:
        child.join()
        receive.close()
    if status != "ok" or child.exitcode != 0:
        raise PageWriteError(f"generating the pages failed: {value}")
    return count + value


def _can_fork() -> bool:
    """Linux, unless turned off, and only from a single-threaded process: a fork copies just the calling thread,
    and a lock another thread held at that moment (an import, logging) would stay locked in the child."""
    return (
        sys.platform == "linux"
        and os.environ.get("LCDKB_BUILD_PROCESSES", "2") != "1"
        and threading.active_count() == 1
    )


def _child(parts: list[Part], kb: KnowledgeBase, target: Path, send: Connection) -> None:
    try:
        count = sum(_write_part(part, kb, target) for part in parts)
    except BaseException as problem:  # reported to the parent as one line, never as a traceback
        send.send(("error", f"{type(problem).__name__}: {problem}"))
        send.close()
        os._exit(1)
    send.send(("ok", count))
    send.close()


def _write_part(part: Part, kb: KnowledgeBase, target: Path) -> int:
    pages = with_keywords(part(), kb)
    write_files(target, {path: text.encode("utf-8") for path, text in pages.items()})
    return len(pages)
