"""``lcdkb sources check --write``: record what CMS's listing showed in each compared source entry.

Only four keys of the compared entries change: ``listed_version``, ``listed_on``, ``listed_status`` and
``compared_on``. A key that is already there gets its new value in the same quoting style; a missing key is
inserted on its own line after the entry's last listed key, else after ``effective_date`` or ``version`` (else
``url``, ``type`` or ``id``), with the entry's indentation and the file's line ending; a not-found document
loses ``listed_version`` and ``listed_on`` (its whole line). Everything else stays byte for byte, as with
``lcdkb review mark`` (whose checks and atomic write this reuses): comments, quoting, key order, line endings
(LF, CRLF, CR), a byte order mark, the final newline, the file's mode and owner. The edited text is parsed again
and must equal the old data with exactly those values changed, or nothing is written.

Source entries written in flow style (``- {id: L1, ...}``), a flow-style ``sources`` list, and a recorded key
whose value is a block scalar or shares its line with another key are refused with the file, line and what to
do: those cannot be edited in place safely.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from lcdkb import review_mark as edit
from lcdkb.paths import display_path
from lcdkb.sources.compare import Comparison
from lcdkb.terminal import safe

WRITTEN_KEYS = ("listed_version", "listed_on", "listed_status", "compared_on")
ANCHORS = ("effective_date", "version", "url", "type", "id")  # insert after the first of these that is there
_QUOTED = {"listed_version", "listed_on", "compared_on"}  # written "quoted", as the guidelines ask for IDs and dates
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class WriteError(Exception):
    """A file that cannot be edited safely or written; one line naming the file and what to do."""


@dataclass(frozen=True)
class Written:
    path: Path
    sources: tuple[str, ...]  # the source IDs whose recorded values changed


@dataclass(frozen=True)
class _Plan:
    path: Path
    real: Path
    status: os.stat_result
    bom: bytes
    text: str
    new_text: str
    sources: tuple[str, ...]


def record(comparisons: Iterable[Comparison], data_dir: Path, today: date) -> list[Written]:
    """Write each comparison's listed values and ``today`` as compared_on into its payer file. Every file is
    checked and edited in memory first; files are written only when all of them can be."""
    wanted: dict[str, dict[str, dict[str, str | None]]] = {}
    for c in comparisons:
        if c.payer_file is None:
            continue
        values: dict[str, str | None] = dict.fromkeys(WRITTEN_KEYS)
        values.update(c.listed_values)
        values["compared_on"] = today.isoformat()
        if (values["listed_on"] or "") > today.isoformat():
            raise WriteError(
                f"CMS's listing of {values['listed_on']} (for {c.source.id}) is dated after the comparison date "
                f"{today.isoformat()}; give a --today on or after the listing's dates, or leave it out"
            )
        wanted.setdefault(c.payer_file, {})[c.source.id] = values
    plans = [_plan(data_dir / name, wanted[name], data_dir) for name in sorted(wanted)]
    written = []
    for plan in plans:
        if plan.new_text == plan.text:
            continue
        try:
            edit._save(plan.path, plan.real, plan.bom + plan.new_text.encode("utf-8"), plan.status)
        except edit.ReviewError as exc:
            raise WriteError(str(exc)) from None
        written.append(Written(plan.path, plan.sources))
    return written


def _plan(path: Path, wanted: dict[str, dict[str, str | None]], data_dir: Path) -> _Plan:
    try:
        real, status = edit._writable_target(path, data_dir)
        bom, text = edit._decode(path, edit._read(path, real))
        document = edit._parse(path, text)
    except edit.ReviewError as exc:
        raise WriteError(str(exc)) from None
    edits, changed = _edits(path, text, document.root, wanted)
    new_text = edit._apply(text, edits)
    _check_same_apart_from_listing(path, document.data, new_text, wanted)
    return _Plan(path, real, status, bom, text, new_text, tuple(changed))


def _where(path: Path, node) -> str:
    return f"{safe(display_path(path))}:{node.start_mark.line + 1}"


def _edits(path: Path, text: str, root, wanted: dict[str, dict[str, str | None]]):
    sources = edit._child(root, "sources")
    if not isinstance(sources, SequenceNode):
        raise WriteError(f"{safe(display_path(path))} has no 'sources' list")
    if sources.flow_style:
        raise WriteError(
            f"{_where(path, sources)}: the sources list is written in flow style ([...]); write one entry a line "
            "('- id: ...') so --write can record the listing"
        )
    edits: list[tuple[int, int, str]] = []
    changed: list[str] = []
    found = set()
    for entry in sources.value:
        source_id = edit._scalar(edit._child(entry, "id"))
        if source_id not in wanted:
            continue
        if not isinstance(entry, MappingNode) or entry.flow_style:
            raise WriteError(
                f"{_where(path, entry)}: source {safe(source_id)} is written in flow style ({{...}}); write it as a "
                "block mapping, one key a line, so --write can record the listing in it (or run without --write)"
            )
        found.add(source_id)
        entry_edits = _entry_edits(path, text, entry, source_id, wanted[source_id])
        if entry_edits:
            changed.append(source_id)
            edits += entry_edits
    missing = sorted(set(wanted) - found)
    if missing:
        raise WriteError(f"{safe(display_path(path))} has no source entry {', '.join(map(safe, missing))}")
    return edits, changed


def _entry_edits(path: Path, text: str, entry: MappingNode, source_id: str, values: dict[str, str | None]):
    keys = {k.value: (k, v) for k, v in entry.value}
    edits: list[tuple[int, int, str]] = []
    for name in WRITTEN_KEYS:
        if name not in keys:
            continue
        key, node = keys[name]
        where = f"{_where(path, node)}: source {safe(source_id)}'s {name}"
        if not isinstance(node, ScalarNode) or node.style in ("|", ">"):
            raise WriteError(f"{where} is not a one-line value; write it on one line after its key first")
        if node.start_mark.line != node.end_mark.line or key.start_mark.line != node.start_mark.line:
            raise WriteError(f"{where} spans more than one line; write it on one line after its key first")
        value = values[name]
        if value is None:
            edits.append(_delete_line(path, text, key, node, where))
        elif node.value != value:
            edits.append((node.start_mark.index, node.end_mark.index, edit._in_style(value, node.style)))
    missing = [name for name in WRITTEN_KEYS if name not in keys and values[name] is not None]
    if missing:
        edits.append(_insertion(path, text, entry, keys, missing, values, source_id))
    return edits


def _delete_line(path: Path, text: str, key: ScalarNode, node: ScalarNode, where: str) -> tuple[int, int, str]:
    """Remove the whole line ``key: value`` (with any comment after it and its line break)."""
    start = text.rfind("\n", 0, key.start_mark.index) + 1
    start = max(start, text.rfind("\r", 0, key.start_mark.index) + 1)
    if text[start : key.start_mark.index].strip(" "):
        raise WriteError(f"{where} shares its line with another key; put it on a line of its own first")
    end = _line_end(text, node.end_mark.index)
    rest = text[node.end_mark.index : end].strip(" \t\r\n")
    if rest and not rest.startswith("#"):
        raise WriteError(f"{where} shares its line with another value; put it on a line of its own first")
    return (start, end, "")


def _line_end(text: str, index: int) -> int:
    """The index just past the line break that ends the line holding ``index`` (or the end of the text)."""
    match = _LINE_BREAK.search(text, index)
    return match.end() if match else len(text)


def _insertion(path, text, entry, keys, missing, values, source_id) -> tuple[int, int, str]:
    kept = [keys[name] for name in WRITTEN_KEYS if name in keys and values[name] is not None]
    candidates = sorted(kept, key=lambda pair: pair[1].end_mark.index, reverse=True)
    candidates += [keys[name] for name in ANCHORS if name in keys]
    anchor = next(
        (pair for pair in candidates if isinstance(pair[1], ScalarNode) and pair[1].style not in ("|", ">")), None
    )
    if anchor is None:
        raise WriteError(
            f"{_where(path, entry)}: source {safe(source_id)} has no one-line id, type, url, version or "
            "effective_date to put the listing after"
        )
    key, node = anchor
    at = _line_end(text, node.end_mark.index)
    found = _LINE_BREAK.search(text, node.end_mark.index) or _LINE_BREAK.search(text)
    eol = found.group(0) if found else "\n"
    indent = " " * key.start_mark.column
    lines = [f"{indent}{name}: {_written(name, values[name])}" for name in missing]
    if at == len(text) and not text.endswith(("\n", "\r")):  # the anchor is on the last line, with no line break
        return (at, at, "".join(eol + line for line in lines))
    return (at, at, "".join(line + eol for line in lines))


def _written(name: str, value: str | None) -> str:
    assert value is not None
    return json.dumps(value) if name in _QUOTED else edit._in_style(value, None)


def _check_same_apart_from_listing(
    path: Path, old: dict, new_text: str, wanted: dict[str, dict[str, str | None]]
) -> None:
    """A safety net: the edit may change nothing but the four listed values of the compared entries."""
    expected = json.loads(json.dumps(old))
    for source in expected.get("sources", []):
        values = wanted.get(source.get("id"))
        if values is None:
            continue
        for name, value in values.items():
            if value is None:
                source.pop(name, None)
            else:
                source[name] = value
    try:
        new = edit._reparse(new_text)
    except edit.ReviewError:
        new = None
    if new != expected:
        raise WriteError(
            f"{safe(display_path(path))}: internal check failed: the edit would change more than the listed values; "
            "nothing was written"
        )
