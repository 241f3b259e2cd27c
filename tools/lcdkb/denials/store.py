"""The denial database: one DuckDB file, in the user's data folder unless ``--db`` names another.

Tables (docs/denials.md shows them): ``meta`` (schema version and the database's random salt), ``files`` (each
imported file's SHA-256 content hash, its base name, kind and counts), ``lines`` (one row per service line:
payer ID, salted claim hash, dates, code, modifiers, units, billed/allowed/paid), ``adjustments`` (group code, CARC,
amount, claim or line level) and ``remarks`` (RARC codes). No patient name, member ID or address is ever stored;
claim identifiers only as keyed BLAKE2b hashes under the salt, which is made at random when the database is
created.

Every value goes in through Arrow tables registered with DuckDB or bound parameters, never through SQL text. A
file is added in one transaction: it all lands, or nothing does. A file whose content hash is already recorded is
skipped, and a line whose key (a salted hash of payer, trace number, claim and line number) is already stored is
not added again, so importing the same remits twice adds nothing.
"""

from __future__ import annotations

import atexit
import functools
import gc
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SCHEMA_VERSION = "1"
DB_ENV = "LCDKB_DENIALS_DB"
_TABLES = (
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    """CREATE TABLE IF NOT EXISTS files (
        file_hash VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        imported_at TIMESTAMP NOT NULL, lines_read INTEGER NOT NULL, lines_added INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS lines (
        line_key VARCHAR NOT NULL, file_hash VARCHAR NOT NULL, payer_id VARCHAR NOT NULL, claim_hash VARCHAR NOT NULL,
        claim_status VARCHAR NOT NULL, line_number INTEGER NOT NULL, dos DATE NOT NULL, paid_date DATE NOT NULL,
        qualifier VARCHAR NOT NULL, code VARCHAR NOT NULL, modifiers VARCHAR NOT NULL, units DECIMAL(12, 3) NOT NULL,
        billed DECIMAL(14, 2) NOT NULL, allowed DECIMAL(14, 2), paid DECIMAL(14, 2) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS adjustments (
        line_key VARCHAR NOT NULL, level VARCHAR NOT NULL, group_code VARCHAR NOT NULL, carc VARCHAR NOT NULL,
        amount DECIMAL(14, 2) NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS remarks (line_key VARCHAR NOT NULL, position INTEGER NOT NULL, code VARCHAR NOT NULL)",
)


class StoreError(Exception):
    pass


@functools.cache
def _duckdb():
    """The duckdb module. At exit, objects ``lcdkb.gc_pause`` froze are unfrozen first: DuckDB's bindings
    (nanobind) report their own types as leaked when the final collection cannot reach them."""
    import duckdb

    atexit.register(gc.unfreeze)
    return duckdb


def default_path() -> Path:
    """$LCDKB_DENIALS_DB, else denials.duckdb in the platform's user data folder (platformdirs)."""
    configured = os.environ.get(DB_ENV)
    if configured:
        return Path(configured)
    from platformdirs import user_data_path

    return user_data_path("lcdkb", appauthor=False) / "denials.duckdb"


@dataclass
class Lines:
    """Column lists for new service lines, already free of identifiers (keys and claim hashes are salted)."""

    line_key: list[str]
    payer_id: list[str]
    claim_hash: list[str]
    claim_status: list[str]
    line_number: list[int]
    dos: list[str]  # YYYYMMDD
    paid_date: list[str]  # YYYYMMDD
    qualifier: list[str]
    code: list[str]
    modifiers: list[str]
    units: list[str]
    billed: list[str]
    allowed: list[str | None]
    paid: list[str]
    adj_line: list[int]
    adj_level: list[str]
    adj_group: list[str]
    adj_carc: list[str]
    adj_amount: list[str]
    remark_line: list[int]
    remark_code: list[str]


class Store:
    """An open denial database. Use as a context manager; ``read_only`` for reports."""

    def __init__(self, path: Path, read_only: bool = False):
        duckdb = _duckdb()

        self.path = path
        if read_only and not path.is_file():
            raise StoreError(f"{path}: no denial database here yet; run 'lcdkb denials import FILE...' first")
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"{path}: cannot open the denial database: {_first_line(exc)}") from None
        try:
            if not read_only:
                self._create()
            self.salt = bytes.fromhex(self._meta("salt"))
        except (duckdb.Error, ValueError) as exc:
            self.con.close()
            raise StoreError(f"{path}: not an lcdkb denial database ({_first_line(exc)})") from None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.con.close()

    def _create(self) -> None:
        self.con.execute("BEGIN TRANSACTION")
        for statement in _TABLES:
            self.con.execute(statement)
        self.con.execute(
            "INSERT INTO meta VALUES ('schema_version', ?), ('salt', ?) ON CONFLICT DO NOTHING",
            [SCHEMA_VERSION, secrets.token_bytes(32).hex()],
        )
        self.con.execute("COMMIT")
        version = self._meta("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"schema version {version}, this lcdkb reads {SCHEMA_VERSION}")

    def _meta(self, key: str) -> str:
        rows = self.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()  # fetchall: no open result
        row = rows[0] if rows else None
        if row is None:
            raise ValueError(f"no {key} recorded")
        return row[0]

    def hasher(self):
        """A function: text -> 32 hex digits, keyed by this database's salt."""
        salt = self.salt

        def digest(text: str) -> str:
            return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), key=salt, digest_size=16).hexdigest()

        return digest

    def has_file(self, file_hash: str) -> bool:
        return bool(self.con.execute("SELECT 1 FROM files WHERE file_hash = ?", [file_hash]).fetchall())

    def add(self, file_hash: str, name: str, kind: str, lines: Lines) -> int:
        """Add one file's lines in one transaction; the number of lines that were new."""
        import pyarrow as pa  # type: ignore[import-untyped]

        incoming = pa.table(
            {
                "idx": pa.array(range(len(lines.line_key)), pa.int64()),
                "line_key": lines.line_key,
                "payer_id": lines.payer_id,
                "claim_hash": lines.claim_hash,
                "claim_status": lines.claim_status,
                "line_number": pa.array(lines.line_number, pa.int32()),
                "dos": lines.dos,
                "paid_date": lines.paid_date,
                "qualifier": lines.qualifier,
                "code": lines.code,
                "modifiers": lines.modifiers,
                "units": lines.units,
                "billed": lines.billed,
                "allowed": pa.array(lines.allowed, pa.string()),
                "paid": lines.paid,
            }
        )
        adjustments = pa.table(
            {
                "idx": pa.array(lines.adj_line, pa.int64()),
                "level": pa.array(lines.adj_level, pa.string()),
                "group_code": pa.array(lines.adj_group, pa.string()),
                "carc": pa.array(lines.adj_carc, pa.string()),
                "amount": pa.array(lines.adj_amount, pa.string()),
            }
        )
        remarks = pa.table(
            {
                "idx": pa.array(lines.remark_line, pa.int64()),
                "seq": pa.array(range(len(lines.remark_code)), pa.int64()),
                "code": pa.array(lines.remark_code, pa.string()),
            }
        )
        con = self.con
        con.register("incoming", incoming)
        con.register("incoming_adjustments", adjustments)
        con.register("incoming_remarks", remarks)
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(
                """CREATE OR REPLACE TEMP TABLE kept AS
                   SELECT idx, line_key FROM incoming
                   WHERE line_key NOT IN (SELECT line_key FROM lines)
                   QUALIFY row_number() OVER (PARTITION BY line_key ORDER BY idx) = 1"""
            )
            con.execute(
                """INSERT INTO lines
                   SELECT i.line_key, ?, i.payer_id, i.claim_hash, i.claim_status, i.line_number,
                          strptime(i.dos, '%Y%m%d')::DATE, strptime(i.paid_date, '%Y%m%d')::DATE, i.qualifier, i.code,
                          i.modifiers, i.units::DECIMAL(12, 3), i.billed::DECIMAL(14, 2),
                          i.allowed::DECIMAL(14, 2), i.paid::DECIMAL(14, 2)
                   FROM incoming i JOIN kept k USING (idx) ORDER BY i.idx""",
                [file_hash],
            )
            con.execute(
                """INSERT INTO adjustments
                   SELECT k.line_key, a.level, a.group_code, a.carc, a.amount::DECIMAL(14, 2)
                   FROM incoming_adjustments a JOIN kept k USING (idx)"""
            )
            con.execute(
                """INSERT INTO remarks
                   SELECT k.line_key, row_number() OVER (PARTITION BY r.idx ORDER BY r.seq)::INTEGER, r.code
                   FROM incoming_remarks r JOIN kept k USING (idx)"""
            )
            added = int(con.execute("SELECT count(*) FROM kept").fetchall()[0][0])
            con.execute(
                "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?)",
                [file_hash, name, kind, datetime.now(UTC).replace(tzinfo=None), len(lines.line_key), added],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            for view in ("incoming", "incoming_adjustments", "incoming_remarks"):
                con.unregister(view)
        return added


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
