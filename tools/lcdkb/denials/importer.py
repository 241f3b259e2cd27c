"""``lcdkb denials import``: each file read whole (835 or CSV), checked, its payers resolved, identifiers hashed,
then added in one transaction. A file that fails adds nothing; the others still go in."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lcdkb.denials.csv_reader import CsvProblem, read_denial_csv
from lcdkb.denials.payers import PayerProblem, resolve_payer
from lcdkb.denials.store import Lines, Store
from lcdkb.denials.x12_reader import Remit, X12Problem, read_835
from lcdkb.model import KnowledgeBase
from lcdkb.terminal import safe

MAX_FILE_MIB = 512


@dataclass
class FileResult:
    path: Path
    status: str  # added, already-imported, failed
    kind: str = ""
    lines_read: int = 0
    lines_added: int = 0
    problem: str = ""

    def as_data(self) -> dict:
        return {
            "file": str(self.path),
            "status": self.status,
            "kind": self.kind,
            "lines_read": self.lines_read,
            "lines_added": self.lines_added,
            "problem": self.problem or None,
        }


class FileProblem(Exception):
    pass


def read_remit(data: bytes) -> tuple[str, Remit]:
    """(kind, lines) from a file's bytes: an 835 when it starts with ISA, else a denial CSV."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(f"byte {exc.start + 1} is not UTF-8 text; is it an 835 or a CSV export?") from None
    if "\x00" in text:
        raise FileProblem("the file holds NUL bytes; it is not an 835 or a CSV export")
    stripped = text.lstrip()
    try:
        if stripped.startswith("ISA"):
            return "835", read_835(stripped)
        return "csv", read_denial_csv(text)
    except (X12Problem, CsvProblem) as exc:
        raise FileProblem(str(exc)) from None


def validate_strict(data: bytes) -> None:
    """pyx12's full 835 validation; raises FileProblem with its first finding."""
    from lcdkb.denials.x12_validate import first_problem

    problem = first_problem(data.decode("utf-8-sig").lstrip())
    if problem:
        raise FileProblem(problem)


def to_lines(kb: KnowledgeBase, remit: Remit, hasher: Callable[[str], str], payer: str | None) -> Lines:
    payer_ids = []
    for txn in remit.transactions:
        try:
            payer_ids.append(resolve_payer(kb, txn.payer_name, txn.payee_state, payer))
        except PayerProblem as exc:
            where = (
                f"segment {txn.payer_segment} (N1)" if not txn.trace.startswith("csv:") else f"line {txn.payer_segment}"
            )
            raise FileProblem(f"{where}: {exc}") from None
    keys, claim_hashes, payers, paid = [], [], [], []
    transactions = remit.transactions
    for txn_index, claim, number, status in zip(
        remit.line_txn, remit.line_claim, remit.line_number, remit.line_status, strict=True
    ):
        txn = transactions[txn_index]
        payer_id = payer_ids[txn_index]
        keys.append(hasher(f"{payer_id}\x1f{txn.trace}\x1f{claim}\x1f{status}\x1f{number}"))
        claim_hashes.append(hasher(claim.split("\x1f", 1)[0]))
        payers.append(payer_id)
        paid.append(txn.paid_date)
    return Lines(
        line_key=keys,
        payer_id=payers,
        claim_hash=claim_hashes,
        claim_status=remit.line_status,
        line_number=remit.line_number,
        dos=remit.line_dos,
        paid_date=paid,
        qualifier=remit.line_qualifier,
        code=remit.line_code,
        modifiers=remit.line_modifiers,
        units=remit.line_units,
        billed=remit.line_billed,
        allowed=remit.line_allowed,
        paid=remit.line_paid,
        adj_line=remit.adj_line,
        adj_level=remit.adj_level,
        adj_group=remit.adj_group,
        adj_carc=remit.adj_carc,
        adj_amount=remit.adj_amount,
        remark_line=remit.remark_line,
        remark_code=remit.remark_code,
    )


def import_file(
    kb: KnowledgeBase, store: Store, path: Path, payer: str | None = None, strict: bool = False
) -> FileResult:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_MIB * 2**20:
            return FileResult(path, "failed", problem=f"{size / 2**20:.0f} MiB is over the {MAX_FILE_MIB} MiB limit")
        data = path.read_bytes()
    except OSError as exc:
        return FileResult(path, "failed", problem=f"cannot read it: {exc.strerror or exc}")
    file_hash = hashlib.sha256(data).hexdigest()
    if store.has_file(file_hash):
        return FileResult(path, "already-imported")
    try:
        kind, remit = read_remit(data)
        if strict and kind == "835":
            validate_strict(data)
        lines = to_lines(kb, remit, store.hasher(), payer)
    except FileProblem as exc:
        return FileResult(path, "failed", problem=str(exc))
    added = store.add(file_hash, path.name, kind, lines)
    return FileResult(path, "added", kind, remit.line_count, added)


def describe(result: FileResult) -> str:
    name = safe(result.path)
    if result.status == "failed":
        return f"{name}: {safe(result.problem)}; nothing from this file was added"
    if result.status == "already-imported":
        return f"{name}: already imported (same content); nothing added"
    skipped = result.lines_read - result.lines_added
    more = f", {skipped} already stored" if skipped else ""
    return f"{name}: {result.kind}, {result.lines_read} service line(s), {result.lines_added} added{more}"
