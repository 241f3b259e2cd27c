"""The claim IDs a ``check`` run has met, so that a claim whose lines are not next to each other is refused, in
memory bounded by a constant however long the input is.

A claim ID can be protected health information, so it is never kept as written. Each ID becomes a key made with
two random secrets drawn for this run alone (``encode``): a 16-byte keyed BLAKE2b tag of the ID, then the ID's
bytes XOR a pad that SHAKE-256 draws from the other secret and the tag (the SIV construction: deterministic
encryption). Equal IDs give equal keys, and two different IDs can never give equal keys, whatever the tags do:
the tag and the secret give back the pad, and the pad the ID. So a repeat is found by exact comparison, with no
chance of refusing a claim that is new. Without the secrets, which live only in this process, a key tells nothing
about its ID beyond its length.

The newest keys sit in a set in memory. When it holds ``max_in_memory`` of them (or ``IN_MEMORY_BYTES``), they
move, sorted, into one indexed table of a private temporary SQLite database. SQLite (Python's standard library)
gives that for an empty file name: the file is made with mode 0600 in SQLITE_TMPDIR, TMPDIR or /var/tmp and
unlinked as soon as it is opened, so no name is ever visible and the operating system frees it when the process
ends, however it ends (``close`` frees it at once). Memory holds at most the set, SQLite's page cache
(``DISK_CACHE_KIB``) and a 1 MiB bit array that spares most lookups in the table; the rest stays on disk.
"""

from __future__ import annotations

import hashlib
import os

IN_MEMORY_IDS = 16_384  # keys held in memory before they move to disk
IN_MEMORY_BYTES = 2**20  # ... or this many bytes of keys, whichever comes first (claim IDs may be long)
DISK_CACHE_KIB = 1024  # SQLite's page cache for the table on disk
FILTER_BITS = 2**23  # 1 MiB: one bit for each value of a tag's first 23 bits, set when such a key goes to disk
TAG_BYTES = 16


class SeenStoreError(Exception):
    """The table on disk could not be made or written (no writable temporary folder, or the disk is full)."""


class SeenClaims:
    """Every claim ID met so far, exactly, in bounded memory: ``add`` says whether an ID was met before."""

    def __init__(self, max_in_memory: int = IN_MEMORY_IDS):
        if max_in_memory < 1:
            raise ValueError("max_in_memory must be 1 or more")
        self.max_in_memory = max_in_memory
        self._tag_secret, self._pad_secret = os.urandom(32), os.urandom(32)
        self._recent: set[bytes] = set()
        self._recent_bytes = 0
        self._disk: _DiskTable | None = None

    def encode(self, claim_id: str) -> bytes:
        """The key kept for ``claim_id``: its tag, then its bytes XOR a pad drawn from the tag (see the module)."""
        data = claim_id.encode("utf-8", "surrogatepass")
        tag = self._tag(data)
        pad = hashlib.shake_256(self._pad_secret + tag).digest(len(data))
        hidden = int.from_bytes(data, "big") ^ int.from_bytes(pad, "big")
        return tag + hidden.to_bytes(len(data), "big")

    def _tag(self, data: bytes) -> bytes:
        return hashlib.blake2b(data, key=self._tag_secret, digest_size=TAG_BYTES).digest()

    def __contains__(self, claim_id: str) -> bool:
        return self._holds(self.encode(claim_id))

    def add(self, claim_id: str) -> bool:
        """Remembers ``claim_id``; True when it had been met before."""
        key = self.encode(claim_id)
        if self._holds(key):
            return True
        self._recent.add(key)
        self._recent_bytes += len(key)
        if len(self._recent) >= self.max_in_memory or self._recent_bytes >= IN_MEMORY_BYTES:
            self._move_to_disk()
        return False

    @property
    def on_disk(self) -> bool:
        """Whether some keys have moved to the table on disk."""
        return self._disk is not None

    def close(self) -> None:
        """Forgets every ID and frees the table on disk; the object can be used again afterwards."""
        self._recent.clear()
        self._recent_bytes = 0
        disk, self._disk = self._disk, None
        if disk is not None:
            disk.close()

    def __enter__(self) -> SeenClaims:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _holds(self, key: bytes) -> bool:
        return key in self._recent or (self._disk is not None and self._disk.holds(key))

    def _move_to_disk(self) -> None:
        if self._disk is None:
            self._disk = _DiskTable()
        self._disk.put(sorted(self._recent))  # in index order: each batch goes through the table's pages once
        self._recent.clear()
        self._recent_bytes = 0


class _DiskTable:
    """One indexed table of keys in a private temporary SQLite database (an empty file name), with no journal
    and no syncing: nothing in it outlives the run. SQLite's errors become ``SeenStoreError``.

    A bit array in memory (``FILTER_BITS``) spares the query for most new keys: a key whose bit is clear cannot
    be in the table. A set bit only means "ask the table", so the answer stays exact however full it gets."""

    def __init__(self):
        import sqlite3

        self._error = sqlite3.Error
        self._bits = bytearray(FILTER_BITS // 8)
        try:
            self._db = sqlite3.connect("", isolation_level=None)
            for pragma in ("journal_mode = OFF", "synchronous = OFF", f"cache_size = -{DISK_CACHE_KIB}"):
                self._db.execute(f"PRAGMA {pragma}")
            self._db.execute("CREATE TABLE seen (key BLOB PRIMARY KEY) WITHOUT ROWID")
        except sqlite3.Error as exc:
            raise SeenStoreError(_disk_message(exc)) from None

    @staticmethod
    def _bit(key: bytes) -> tuple[int, int]:
        number = int.from_bytes(key[:4], "big") % FILTER_BITS
        return number >> 3, 1 << (number & 7)

    def holds(self, key: bytes) -> bool:
        byte, mask = self._bit(key)
        if not self._bits[byte] & mask:
            return False
        try:
            return self._db.execute("SELECT 1 FROM seen WHERE key = ?", (key,)).fetchone() is not None
        except self._error as exc:
            raise SeenStoreError(_disk_message(exc)) from None

    def put(self, keys: list[bytes]) -> None:
        for key in keys:
            byte, mask = self._bit(key)
            self._bits[byte] |= mask
        try:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO seen (key) VALUES (?)", ((key,) for key in keys))
            self._db.execute("COMMIT")
        except self._error as exc:
            raise SeenStoreError(_disk_message(exc)) from None

    def close(self) -> None:
        self._db.close()


def _disk_message(exc: Exception) -> str:
    return (
        f"cannot keep the claim IDs met so far in a temporary file ({exc}); free some space, or point "
        "SQLITE_TMPDIR or TMPDIR at a writable folder"
    )
