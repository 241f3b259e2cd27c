"""A cache of the validated model for the desk commands (lookup, check), so a query does not re-read and
re-validate every YAML file.

Safe by construction:
- The cache holds plain JSON (see ``model_codec``), never pickle or anything else that can run code when read.
- Each file starts with a header line naming the format, its version, the fingerprint of the data it was built
  from and the SHA-256 of the payload; a file whose header, digest or shape does not check out is ignored and
  rebuilt. Nothing in a cache file can raise past ``load``.
- The fingerprint covers every data file and lcdkb's own files, so an edit that keeps the old size and
  modification time (``cp -p``, rsync, tar, ``touch -r``) is never answered from the cache. For a file whose
  status changed more than ``SETTLED_SECONDS`` ago it hashes the file's identity and status (inode, size,
  modification time and *change* time: every write sets the change time to the clock, and no tool sets it
  back); for a file changed more recently than that it hashes the contents, because two writes within one tick
  of the file system's clock could leave the same status. Reading statuses instead of every byte keeps a cached
  query's cost independent of the data's size (a 10,000-rule folder is 7.5 MB to hash).
- A model is stored only if the data's fingerprint is the same after building it as before reading it: a file
  saved while a query runs never gets the old model stored under its new key.
- The folder is the user's own ($LCDKB_CACHE_DIR, else the platform's user cache folder from platformdirs:
  $XDG_CACHE_HOME/lcdkb or ~/.cache/lcdkb on Linux), made private (0700); files in a folder another user could
  write to are not trusted. LCDKB_CACHE_DIR=off disables it.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from pathlib import Path

from lcdkb import __version__
from lcdkb.file_status import files_under, settled, settled_threshold, status_text, trusted
from lcdkb.model import KnowledgeBase
from lcdkb.model_codec import CodecError, catalogues_plain, from_plain, rule_plain
from lcdkb.paths import schema_dir

PACKAGE = Path(__file__).resolve().parent
FORMAT = "lcdkb-model-cache"
VERSION = 2
MAX_HEADER_BYTES = 4096
MAX_FILE_BYTES = 1 << 30
STALE_PART_SECONDS = 3600
_PACKAGE_SUFFIXES = (".py", ".txt", ".json")


def cache_dir() -> Path | None:
    configured = os.environ.get("LCDKB_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    from platformdirs import user_cache_path  # the platform's own place (XDG on Linux, Library/Caches on macOS)

    return user_cache_path("lcdkb", appauthor=False)


def _hash_tree(digest, root: Path, suffixes: tuple[str, ...] | None, settled_before: int) -> None:
    for relative, path in files_under(root, suffixes):
        info = os.stat(path)  # a link inside the data folder is read through, so its target counts
        if not stat.S_ISREG(info.st_mode):
            continue
        digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
        if settled(info, settled_before):
            digest.update(f"stat:{status_text(info)}".encode())
        else:
            with open(path, "rb") as handle:
                digest.update(b"sha256:" + hashlib.file_digest(handle, "sha256").digest())


def before_reading(data_dir: Path) -> tuple[str, int] | None:
    """The fingerprint to take before reading the data, with the threshold it used (``store`` repeats it)."""
    threshold = settled_threshold()
    found = fingerprint(data_dir, threshold)
    return (found, threshold) if found else None


def fingerprint(data_dir: Path, settled_before: int | None = None) -> str | None:
    """A hash of every file in the data folder, lcdkb itself and its schemas (their status, or their contents if
    changed in the last ``SETTLED_SECONDS``); None if any file cannot be read (then the cache is not used, and
    validation reports the file)."""
    settled_before = settled_threshold() if settled_before is None else settled_before
    digest = hashlib.sha256(f"{FORMAT}|{VERSION}|{__version__}|{data_dir.resolve()}".encode("utf-8", "surrogateescape"))
    try:
        _hash_tree(digest, data_dir, None, settled_before)
        digest.update(b"\1package\1")
        _hash_tree(digest, PACKAGE, _PACKAGE_SUFFIXES, settled_before)
        digest.update(b"\1schemas\1")
        _hash_tree(digest, schema_dir(), (".json",), settled_before)
    except OSError:
        return None
    return digest.hexdigest()


def _folder(data_dir: Path) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    return (
        folder / f"model-{hashlib.sha256(str(data_dir.resolve()).encode('utf-8', 'surrogateescape')).hexdigest()[:16]}"
    )


def _shard_name(code: str | None) -> str:
    if code is None:
        return "all.json"
    return f"code-{hashlib.sha256(code.encode('utf-8', 'surrogateescape')).hexdigest()[:16]}.json"


def _read(path: Path, expected: str) -> KnowledgeBase | None:
    if not (trusted(path.parent) and trusted(path)):
        return None
    try:
        with path.open("rb") as handle:
            header = json.loads(handle.readline(MAX_HEADER_BYTES))
            if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("version") != VERSION:
                return None
            if expected not in (header.get("fingerprint"), header.get("settled_fingerprint")):
                return None
            if os.fstat(handle.fileno()).st_size > MAX_FILE_BYTES:
                return None
            payload = handle.read()
        if hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
            return None
        return from_plain(json.loads(payload))
    except (OSError, ValueError, CodecError, RecursionError):  # damaged, truncated or foreign: rebuild
        return None


def load(data_dir: Path, code: str | None = None) -> KnowledgeBase | None:
    """The cached model, or with ``code`` only that code's rules (a much smaller file: fast lookups)."""
    folder = _folder(data_dir)
    if folder is None or not (folder / _shard_name(code)).is_file():
        return None
    expected = fingerprint(data_dir)
    return _read(folder / _shard_name(code), expected) if expected else None


def store(data_dir: Path, kb: KnowledgeBase, before: tuple[str, int] | None) -> bool:
    """Write the whole model and one shard per code, if the data is still what ``before`` (``before_reading``,
    taken before it was read) describes. Returns whether anything was written.

    Files changed just before the data was read are fingerprinted by content in ``before``; by now some may have
    settled, and later queries will fingerprint them by status. The files also carry that settled fingerprint,
    taken before the check that nothing changed, so the next query after an edit is answered from the cache too
    instead of reading the data a second time."""
    folder = _folder(data_dir)
    if folder is None or before is None:
        return False
    stamp, threshold = before
    settled = fingerprint(data_dir)
    if fingerprint(data_dir, threshold) != stamp:
        return False
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not trusted(folder):
            return False
        _remove_stale_parts(folder)
        stamps = {"fingerprint": stamp, **({"settled_fingerprint": settled} if settled not in (None, stamp) else {})}
        # The catalogues and payers are the same in every file: serialized once, then each file adds its rules.
        shared = _dumps(catalogues_plain(kb))[:-1] + b',"rules":'
        rules = [_dumps(rule_plain(rule)) for rule in kb.rules]
        rules_by_code: dict[str, list[bytes]] = {}
        for rule, dumped in zip(kb.rules, rules, strict=True):
            rules_by_code.setdefault(rule.code, []).append(dumped)
        for code in kb.codes:
            _write(folder / _shard_name(code), stamps, shared + _json_list(rules_by_code.get(code, [])) + b"}")
        _write(folder / _shard_name(None), stamps, shared + _json_list(rules) + b"}")
    except OSError:
        return False  # a cache that cannot be written only costs speed
    return True


def _dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json_list(items: list[bytes]) -> bytes:
    return b"[" + b",".join(items) + b"]"


def _write(path: Path, stamps: dict[str, str], payload: bytes) -> None:
    """Write ``payload`` (the JSON of ``model_codec.to_plain``) under its header, atomically."""
    header = json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "lcdkb": __version__,
            **stamps,
            "payload_sha256": hashlib.sha256(payload).hexdigest(),
        },
        sort_keys=True,
    ).encode("utf-8")
    import tempfile  # only when storing: a cached query does not need it

    handle, temporary = tempfile.mkstemp(prefix=".part-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(header + b"\n" + payload)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remove_stale_parts(folder: Path) -> None:
    """Temporary files an interrupted run left behind (older than an hour, so a concurrent run's are kept)."""
    cutoff = time.time() - STALE_PART_SECONDS
    for part in folder.glob(".part-*"):
        try:
            if part.lstat().st_mtime < cutoff:
                part.unlink()
        except OSError:
            pass
