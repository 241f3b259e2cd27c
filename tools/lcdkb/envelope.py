"""The one shape of every ``--format json`` output of the command line:

    {"format": "lcdkb.lookup", "format_version": 1, "lcdkb_version": "0.1.0",
     "data": {"source": "bundled", "date": "2026-12-04", "digest": "<sha256>"},
     "result": ...}

``format`` names what ``result`` holds (lcdkb.validate, lcdkb.lookup, lcdkb.check, lcdkb.stale, lcdkb.diff);
``format_version`` changes only when a ``result`` shape changes incompatibly; ``data`` names the data the answer
came from (see ``lcdkb.bundle.snapshot``). JSON Lines output (``check --format jsonl``) starts with the same
fields in a ``{"type": "header", ...}`` line.
"""

from __future__ import annotations

import json
from pathlib import Path

from lcdkb import __version__
from lcdkb.bundle import snapshot

FORMAT_VERSION = 1


def header(kind: str, data_dir: Path) -> dict:
    return {
        "format": f"lcdkb.{kind}",
        "format_version": FORMAT_VERSION,
        "lcdkb_version": __version__,
        "data": snapshot(data_dir),
    }


def dumps(kind: str, data_dir: Path, result) -> str:
    return json.dumps({**header(kind, data_dir), "result": result}, indent=2, ensure_ascii=False) + "\n"


def stream_prefix(kind: str, data_dir: Path) -> str:
    """The envelope up to ``"result": ``, for a result written as a stream; close it with ``"}\\n"``."""
    opened = json.dumps(header(kind, data_dir), ensure_ascii=False)[:-1]
    return opened + ', "result": '
