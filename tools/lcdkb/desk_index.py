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
``lcdkb.cache.trusted``), not from the checksum. Only cheap standard modules are imported here (os, stat, json,
zlib): no pathlib, hashlib or platformdirs on the quick path.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
import zlib

from lcdkb import __version__
from lcdkb.model import KnowledgeBase, Rule
from lcdkb.model_codec import CodecError, catalogues_from_plain, rule_from_plain

FORMAT = "lcdkb-desk-index"
VERSION = 1
SETTLED_SECONDS = 2
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
    found = []
    for where, subfolders, names in os.walk(root, onerror=_raise):
        subfolders[:] = [d for d in subfolders if d != "__pycache__"]
        relative = os.path.relpath(where, root)
        for name in names:
            if suffixes is None or name.endswith(suffixes):
                found.append((name if relative == "." else f"{relative}/{name}", os.path.join(where, name)))
    for relative, path in sorted(found):
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            continue
        if info.st_ctime_ns >= settled_before or info.st_mtime_ns >= settled_before:
            return False
        lines.append(f"{relative}\0{info.st_dev}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}")
    return True


def _raise(error: OSError) -> None:
    raise error


def settled_threshold() -> int:
    return time.time_ns() - SETTLED_SECONDS * 1_000_000_000


def _trusted(path: str) -> bool:
    """Our own file or folder, not writable by anyone else (the same test as ``lcdkb.cache.trusted``)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if stat.S_ISLNK(info.st_mode) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    return not hasattr(os, "getuid") or info.st_uid == os.getuid()


def _read(path: str) -> tuple[dict, bytes] | None:
    """(header, payload) of an index file whose header and checksum check out."""
    if not _trusted(path):
        return None
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_FILE_BYTES:
                return None
            header = json.loads(handle.readline(4096))
            payload = handle.read()
    except (OSError, ValueError, RecursionError):
        return None
    if (
        not isinstance(header, dict)
        or header.get("format") != FORMAT
        or header.get("version") != VERSION
        or header.get("crc32") != zlib.crc32(payload)
    ):
        return None
    return header, payload


def load(data_dir: str, code: str) -> DeskKnowledgeBase | None:
    """The desk view of the model for ``code``: None when there is no index file for it, the file is damaged,
    or any file it depends on changed (or changed too recently to tell by its status)."""
    where = folder(data_dir)
    if where is None or not _trusted(where):
        return None
    found = _read(os.path.join(where, file_name(code)))
    if found is None:
        return None
    header, payload = found
    schema_dir, length = header.get("schema_dir"), header.get("stamp_bytes")
    if not isinstance(schema_dir, str) or not isinstance(length, int) or isinstance(length, bool):
        return None
    if stamp(data_dir, schema_dir, settled_threshold()) != payload[:length]:
        return None
    head, *rules = payload[length + 1 :].split(b"\n")
    try:
        document = json.loads(head)
        payers = document.pop("rule_payers", None) if isinstance(document, dict) else None
        kb = catalogues_from_plain(document, DeskKnowledgeBase)
    except (ValueError, CodecError, RecursionError):
        return None
    if not (isinstance(payers, list) and len(payers) == len(rules) and all(isinstance(p, str) for p in payers)):
        return None
    kb.hold(code, dict(zip(payers, rules, strict=True)))
    return kb


class DeskKnowledgeBase(KnowledgeBase):
    """The catalogues, the payers and one code's rules, each rule read when first asked for. Anything else
    (another code, every rule) raises ``NotInIndex``: the caller answers with the full model instead."""

    def hold(self, code: str, lines: dict[str, bytes]) -> None:
        self._code, self._lines = code, lines
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
        if payer_id not in self._lines:
            return None
        if payer_id not in self._parsed:
            try:
                self._parsed[payer_id] = rule_from_plain(json.loads(self._lines[payer_id]))
            except (ValueError, CodecError, RecursionError):
                raise NotInIndex("a damaged rule line") from None
        return self._parsed[payer_id]

    def rules_for(self, code: str | None = None, payer_id: str | None = None) -> list[Rule]:
        if code is None:
            raise NotInIndex("rules of every code")
        if payer_id is not None:
            found = self.rule(payer_id, code)
            return [found] if found else []
        return [rule for p in self._lines if (rule := self.rule(p, code)) is not None]


# --- writing (lcdkb.cache.store, after a full validation) ---------------------------------------------------------


def before_reading(data_dir: str, schema_dir: str) -> bytes | None:
    """The stamp to take before the model is read (from the cache or the data); None when a file changed in the
    last ``SETTLED_SECONDS`` (then no index is written: its status could not tell a later edit apart)."""
    return stamp(data_dir, schema_dir, settled_threshold())


def store(data_dir: str, schema_dir: str, code: str, kb: KnowledgeBase, taken: bytes | None) -> bool:
    """Write the index file of ``code`` from ``kb`` (which holds at least that code's rules) under ``taken``, the
    ``before_reading`` stamp of the data ``kb`` was read from. A file changed since has another status, so the
    index is never used for it. Whether the file was written."""
    from lcdkb.model_codec import catalogues_plain, rule_plain

    where = folder(data_dir)
    if where is None or taken is None or code not in kb.codes:
        return False
    try:
        os.makedirs(where, mode=0o700, exist_ok=True)
        if not _trusted(where):
            return False
        plain = catalogues_plain(kb)
        plain["payers"] = [{**payer, "path": None, "sources": []} for payer in plain["payers"]]
        rules = kb.rules_for(code)
        head = _dumps({**plain, "rule_payers": [rule.payer_id for rule in rules]})
        payload = b"\n".join([taken, head, *(_dumps(rule_plain(rule)) for rule in rules)])
        _write(os.path.join(where, file_name(code)), {"schema_dir": schema_dir, "stamp_bytes": len(taken)}, payload)
    except OSError:
        return False  # an index that cannot be written only costs speed
    return True


def _dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _write(path: str, fields: dict, payload: bytes) -> None:
    import contextlib
    import tempfile  # only when writing

    header = json.dumps(
        {"format": FORMAT, "version": VERSION, **fields, "crc32": zlib.crc32(payload)}, sort_keys=True
    ).encode("utf-8")
    handle, temporary = tempfile.mkstemp(prefix=".part-", dir=os.path.dirname(path))
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(header + b"\n" + payload)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
