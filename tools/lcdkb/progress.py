"""Progress and verbosity for the command line: what a long command is doing, on standard error.

Levels: 0 quiet (errors only), 1 normal (stage lines and one-line summaries), 2 verbose (also every data
warning in full and the site engine's own output). Standard output stays for the command's result.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

QUIET, NORMAL, VERBOSE = 0, 1, 2


class Progress:
    def __init__(self, command: str, level: int = NORMAL, stream: TextIO | None = None):
        self.command, self.level = command, level
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.perf_counter()

    def say(self, text: str, level: int = NORMAL) -> None:
        if self.level >= level:
            print(f"lcdkb {self.command}: {text}", file=self.stream, flush=True)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time one stage of the command and report it when it ends."""
        start = time.perf_counter()
        yield
        self.say(f"{name} ({time.perf_counter() - start:.2f} s)")

    def done(self, text: str) -> None:
        self.say(f"{text} in {time.perf_counter() - self.started:.2f} s")
