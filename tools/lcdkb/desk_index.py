"""The desk index: for each code, the few kilobytes ``lcdkb lookup`` and a one-line ``lcdkb check`` need, so a
cached answer starts within a few times the interpreter's own start-up (docs/performance.md).

The full command writes a code's file whenever it answers a cached question about that one code
(``lcdkb.cli._load_model``), from the model it read. The file holds a header line; the stamp it was written
under; the catalogues and the payers (names, kinds, states and aliases; not the documents a payer file lists,
which no desk answer prints); then that code's rules, one a line, in the model's order. A query parses only
the rules it asks for (``DeskKnowledgeBase``), with the model's own decoder (``lcdkb.model_codec``), so a
damaged or foreign line is refused, never half-read.

Whether a file still describes the data is decided without hashing: ``stamp`` lists every data file, every
file of lcdkb itself and every schema with its identity and status (device, inode, size, modification and
change time). The stamp is taken before the model is read, and only when every file's status settled more than
``SETTLED_SECONDS`` before (two writes within one tick of the file system's clock could leave the same status,
the rule ``lcdkb.cache`` follows too); a file is used only when the stamp taken now is byte for byte the one it
holds. Any write to a file after the stamp moves its change time, which no tool sets back, so the file is
never used for data that differs from what it was built from. A file changed too recently sends the query to
the full command, which reads contents.

The files are plain JSON (never anything that can run code when read) in the user's private cache folder, with
a CRC-32 of each file's payload to catch damage; trust comes from the folder (the test of
``lcdkb.file_status.trusted``), not from the checksum. Only cheap standard modules are imported here (os, stat, json,
zlib): no pathlib, hashlib or platformdirs on the quick path.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import zlib

from lcdkb import __version__
from lcdkb.file_status import files_under, settled, settled_threshold, status_text, trusted
from lcdkb.model import KnowledgeBase, Rule
from lcdkb.model_codec import CodecError, catalogues_from_plain, rule_from_plain
from lcdkb.record import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TypeGuard

FORMAT = "lcdkb-desk-index"
VERSION = 1
MAX_FILE_BYTES = 1 << 28
PACKAGE = os.path.dirname(os.path.abspath(__file__))
_PACKAGE_SUFFIXES = (".py", ".txt", ".json")


class NotInIndex(Exception):
    """The question needs more than the desk index holds: answer it with the full command."""


def cache_folder() -> str | None:
    """The user's cache folder for lcdkb, as ``lcdkb.cache.cache_dir`` finds it, without importing platformdirs
    on Linux (its user cache folder there is $XDG_CACHE_HOME/lcdkb, else ~/.cache/lcdkb); None when the cache
    is off. Elsewhere platformdirs decides (tests/test_desk_fast_path.py checks both agree)."""
    configured = os.environ.get("LCDKB_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        return configured
    if sys.platform != "linux":
        from lcdkb.cache import cache_dir

        found = cache_dir()
        return None if found is None else str(found)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.expanduser("~/.cache")
    return os.path.join(base, "lcdkb")


def folder(data_dir: str) -> str | None:
    """The index folder for one data folder (its resolved path is also recorded in the stamp and compared)."""
    root = cache_folder()
    if root is None:
        return None
    resolved = os.path.realpath(data_dir)
    return os.path.join(root, f"desk-{zlib.crc32(resolved.encode('utf-8', 'surrogateescape')):08x}")


def file_name(code: str) -> str:
    """The file of one code: its characters as hex, so any code is a safe, distinct file name."""
    return f"code-{code.encode('utf-8', 'surrogateescape').hex()}.json"


def stamp(data_dir: str, schema_dir: str, settled_before: int) -> bytes | None:
    """Every file lcdkb's answer depends on with its identity and status, as bytes; None when any file changed
    after ``settled_before`` (ns) or cannot be read."""
    lines = [f"{FORMAT}|{VERSION}|{__version__}|{os.path.realpath(data_dir)}|{schema_dir}"]
    try:
        for title, root, suffixes in (("data", data_dir, None), ("package", PACKAGE, _PACKAGE_SUFFIXES)):
            lines.append(f"[{title}]")
            if not _list(lines, root, suffixes, settled_before):
                return None
        lines.append("[schemas]")
        if not _list(lines, schema_dir, (".json",), settled_before):
            return None
    except OSError:
        return None
    return "\n".join(lines).encode("utf-8", "surrogateescape")


def _list(lines: list[str], root: str, suffixes: tuple[str, ...] | None, settled_before: int) -> bool:
    """Add a line per regular file under ``root`` with its status; False when a file's status changed after
    ``settled_before``."""
    for relative, path in files_under(root, suffixes):
        info = os.stat(path)  # a link to a file is read through, so its target counts
        if not stat.S_ISREG(info.st_mode):
            continue
        if not settled(info, settled_before):
            return False
        lines.append(f"{relative}\0{status_text(info)}")
    return True


def _read(path: str) -> tuple[dict, bytes] | None:
    """(header, payload) of an index file of our format; the checksums are the caller's to check."""
    if not trusted(path):
        return None
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_FILE_BYTES:
                return None
            header = json.loads(handle.readline(4096))
            payload = handle.read()
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("version") != VERSION:
        return None
    return header, payload


def _count(value: object) -> TypeGuard[int]:
    """A whole number of 0 or more (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def load(data_dir: str, code: str) -> DeskKnowledgeBase | None:
    """The desk view of the model for ``code``: None when there is no index file for it, the file is damaged,
    or any file it depends on changed (or changed too recently to tell by its status)."""
    where = folder(data_dir)
    if where is None or not trusted(where):
        return None
    found = _read(os.path.join(where, file_name(code)))
    if found is None:
        return None
    header, payload = found
    schema_dir, stamp_bytes, head_bytes = header.get("schema_dir"), header.get("stamp_bytes"), header.get("head_bytes")
    if not (isinstance(schema_dir, str) and _count(stamp_bytes) and _count(head_bytes)):
        return None
    prefix = payload[: stamp_bytes + 1 + head_bytes]
    if header.get("crc32") != zlib.crc32(prefix):
        return None
    if stamp(data_dir, schema_dir, settled_threshold()) != prefix[:stamp_bytes]:
        return None
    try:
        document = json.loads(prefix[stamp_bytes + 1 :])
        table = document.pop("rules", None) if isinstance(document, dict) else None
        kb = catalogues_from_plain(document, DeskKnowledgeBase)
    except (ValueError, CodecError, RecursionError):
        return None
    if not isinstance(table, list):
        return None
    spans: dict[str, tuple[int, int, int]] = {}
    start = len(prefix) + 1
    for entry in table:
        if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str)):
            return None
        payer_id, length, crc = entry
        if not (_count(length) and _count(crc)):
            return None
        spans[payer_id] = (start, length, crc)
        start += length + 1
    kb.hold(code, payload, spans)
    return kb


class DeskKnowledgeBase(KnowledgeBase):
    """The catalogues, the payers and one code's rules, each rule read (and its checksum checked) when first asked
    for. Anything else (another code, every rule) raises ``NotInIndex``: the caller answers with the full model
    instead."""

    def hold(self, code: str, payload: bytes, spans: dict[str, tuple[int, int, int]]) -> None:
        """``spans``: payer ID -> (start, length, CRC-32) of the payer's rule for ``code`` in ``payload``."""
        self._code, self._payload, self._spans = code, payload, spans
        self._parsed: dict[str, Rule] = {}

    @property
    def rules(self) -> list[Rule]:
        raise NotInIndex("every rule")

    @rules.setter
    def rules(self, value: list[Rule]) -> None:
        if value:
            raise NotInIndex("rules are read from the index")

    def rule(self, payer_id: str, code: str) -> Rule | None:
        if code != self._code:
            raise NotInIndex(f"code {code}")
        if payer_id not in self._spans:
            return None
        if payer_id not in self._parsed:
            start, length, crc = self._spans[payer_id]
            line = self._payload[start : start + length]
            if len(line) != length or zlib.crc32(line) != crc:
                raise NotInIndex("a damaged rule line")
            try:
                self._parsed[payer_id] = rule_from_plain(json.loads(line))
            except (ValueError, CodecError, RecursionError):
                raise NotInIndex("a damaged rule line") from None
        return self._parsed[payer_id]

    def rules_for(self, code: str | None = None, payer_id: str | None = None) -> list[Rule]:
        if code is None:
            raise NotInIndex("rules of every code")
        if payer_id is not None:
            found = self.rule(payer_id, code)
            return [found] if found else []
        return [rule for p in self._spans if (rule := self.rule(p, code)) is not None]


# --- writing (lcdkb.cache.store, after a full validation) ---------------------------------------------------------


def before_reading(data_dir: str, schema_dir: str) -> bytes | None:
    """The stamp to take before the model is read (from the cache or the data); None when a file changed in the
    last ``SETTLED_SECONDS`` (then no index is written: its status could not tell a later edit apart), or when
    the cache is off."""
    if folder(data_dir) is None:
        return None
    return stamp(data_dir, schema_dir, settled_threshold())


def store(data_dir: str, schema_dir: str, code: str, kb: KnowledgeBase, taken: bytes | None) -> bool:
    """Write the index file of ``code`` from ``kb`` (which holds at least that code's rules) under ``taken``, the
    ``before_reading`` stamp of the data ``kb`` was read from. A file changed since has another status, so the
    index is never used for it. Whether the file was written."""
    from lcdkb.model_codec import catalogues_plain, rule_plain

    where = folder(data_dir)
    if where is None or taken is None or code not in kb.codes or _usable(data_dir, code):
        return False
    try:
        os.makedirs(where, mode=0o700, exist_ok=True)
        if not trusted(where):
            return False
        plain = catalogues_plain(kb)
        plain["payers"] = [{**payer, "path": None, "sources": []} for payer in plain["payers"]]
        lines = [(rule.payer_id, _dumps(rule_plain(rule))) for rule in kb.rules_for(code)]
        head = _dumps({**plain, "rules": [[payer, len(line), zlib.crc32(line)] for payer, line in lines]})
        prefix = taken + b"\n" + head
        fields = {"schema_dir": schema_dir, "stamp_bytes": len(taken), "head_bytes": len(head)}
        fields["crc32"] = zlib.crc32(prefix)
        _write(os.path.join(where, file_name(code)), fields, b"\n".join([prefix, *(line for _, line in lines)]))
    except OSError:
        return False  # an index that cannot be written only costs speed
    return True


def _usable(data_dir: str, code: str) -> bool:
    """Whether the code's file describes the data as it is now, every rule intact (then it is not written again;
    one written since the stamp this query took is newer than its model)."""
    kb = load(data_dir, code)
    if kb is None:
        return False
    try:
        kb.rules_for(code)
    except NotInIndex:
        return False
    return True


def _dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _write(path: str, fields: dict, payload: bytes) -> None:
    import contextlib
    import tempfile  # only when writing

    header = json.dumps({"format": FORMAT, "version": VERSION, **fields}, sort_keys=True).encode("utf-8")
    handle, temporary = tempfile.mkstemp(prefix=".part-", dir=os.path.dirname(path))
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(header + b"\n" + payload)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
