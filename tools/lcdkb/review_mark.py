"""lcdkb review mark: record a review in a payer file by rewriting only the review values.

Only the text of ``last_reviewed`` and ``reviewed_by`` in the chosen rules changes. Everything else stays byte
for byte: comments, key order, quoting, block scalars, line endings (LF, CRLF or CR), a UTF-8 byte order mark,
the final newline or its absence, and the file's mode and owner. The new text is re-parsed and compared with
the old before it is written.

The file is replaced atomically: the new bytes go to a hidden temporary file in the same folder, which is
flushed to disk, given the old file's mode and owner, and renamed over the old file; then the folder itself
is flushed. Killed at any moment, the file holds either the old or the new content. On an error, Ctrl-C,
SIGTERM or SIGHUP the temporary file is removed (only SIGKILL or a power cut can leave one behind; its name
starts with a dot, so the validator ignores it).

Every problem a user can fix (a bad name or code, a read-only, missing, unreadable or non-UTF-8 file, a full
disk) is raised as ``ReviewError`` with one line naming the file, what went wrong and how to fix it.
"""

from __future__ import annotations

import difflib
import errno
import json
import os
import re
import signal
import stat
import tempfile
import threading
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from yaml.nodes import MappingNode

from lcdkb.paths import display_path
from lcdkb.strict_yaml import YamlError, parse_yaml
from lcdkb.terminal import quoted, safe, unsafe_characters

MAX_NAME_LENGTH = 100
BOM = b"\xef\xbb\xbf"
# A name written without quotes: letters first, then letters, digits, spaces, dots, underscores and dashes,
# ending in a letter or digit. Anything else is quoted.
_PLAIN_NAME = re.compile(r"[^\W\d_](?:[\w .-]*[^\W_])?\Z")
_NOT_PLAIN = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}
# The shape of a CPT or HCPCS code (schema/defs.schema.json#/$defs/code).
_CODE = re.compile(r"(?:[0-9]{4}[0-9FTU]|[A-V][0-9]{4})\Z")
# Characters YAML cannot hold at all: UTF-16 surrogates (from undecodable command-line bytes) and U+FFFE/U+FFFF.
_NOT_TEXT = re.compile("[\ud800-\udfff\ufffe\uffff]")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


class ReviewError(Exception):
    pass


@dataclass(frozen=True)
class Marked:
    path: Path
    codes: list[str]
    before: str
    after: str
    by: str = ""


def payer_file(target: str, data_dir: Path) -> Path:
    """A payer file from a path or a payer ID. The file itself is checked by ``mark_reviewed``."""
    path = Path(target)
    if os.path.lexists(path) and not path.is_dir():
        return path
    candidate = data_dir / "payers" / f"{target}.yaml"
    if os.path.lexists(candidate):
        return candidate
    if path.is_dir():
        raise ReviewError(f"{_show(path)} is a folder; give a payer file (payers/<id>.yaml) or a payer ID")
    known = sorted(p.stem for p in (data_dir / "payers").glob("*.yaml"))
    close = difflib.get_close_matches(target, known, n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else f"; payers: {', '.join(known)}"
    raise ReviewError(f"no payer file or payer ID {quoted(target)}{hint}")


def mark_reviewed(
    path: Path,
    by: str,
    on: date,
    codes: list[str] | None = None,
    today: date | None = None,
    data_dir: Path | None = None,
) -> Marked:
    """Set last_reviewed/reviewed_by on the rules for ``codes`` (all rules when None) and write the file.

    ``data_dir`` is the data folder a symbolic link may point into (default: the folder above payers/).
    """
    today = today or date.today()
    if on > today:
        raise ReviewError(f"the review date {on} is in the future; use the day you checked the sources")
    by = checked_reviewer(by)
    wanted = checked_codes(codes)
    real, status = _writable_target(path, data_dir or Path(path).absolute().parent.parent)
    bom, text = _decode(path, _read(path, real))
    document = _parse(path, text)
    edits, marked = _review_edits(path, document, wanted, by, on)
    new_text = _apply(text, edits)
    _same_apart_from_reviews(document.data, _reparse(new_text), set(marked), by, on)
    _save(path, real, bom + new_text.encode("utf-8"), status)
    return Marked(path, marked, text, new_text, by)


# --- what the user asked for ---


def checked_reviewer(by: str) -> str:
    """The reviewer's name without surrounding spaces; refuses names that could hide or forge text."""
    name = by.strip(" ")
    if not name:
        raise ReviewError("--by needs the reviewer's name")
    if len(name) > MAX_NAME_LENGTH:
        raise ReviewError(
            f"the reviewer name is {len(name)} characters long; the limit is {MAX_NAME_LENGTH} "
            "(give a name or initials)"
        )
    bad = unsafe_characters(name)
    if bad:
        raise ReviewError(
            f"the reviewer name {quoted(name)} contains {', '.join(bad)}; "
            "type the name as plain text (no control, invisible or direction characters)"
        )
    if _NOT_TEXT.search(name):
        raise ReviewError(
            f"the reviewer name {quoted(name.encode('utf-8', 'replace').decode('utf-8'))} is not "
            "valid text (check the terminal's character set is UTF-8)"
        )
    return name


def checked_codes(codes: list[str] | None) -> set[str] | None:
    """The --code values in upper case; refuses anything that is not a CPT or HCPCS code."""
    if not codes:
        return None
    wanted = {code.strip(" ").upper() for code in codes}
    for code in sorted(wanted):
        if not _CODE.match(code):
            raise ReviewError(
                f"--code {quoted(code)} is not a code; give a CPT code such as 64483 or 0213T "
                "or a HCPCS code such as G3002"
            )
    return wanted


# --- the file: checks, reading, decoding ---


def _show(path: Path) -> str:
    return safe(display_path(Path(path)))


def _writable_target(path: Path, data_dir: Path) -> tuple[Path, os.stat_result]:
    """The real file behind ``path`` and its status, once it is known to be a regular file we may rewrite."""
    path = Path(path)
    if not os.path.lexists(path):
        raise ReviewError(f"{_show(path)} does not exist; check the path or give a payer ID")
    real = path.resolve()
    if path.is_symlink() and not real.is_relative_to(Path(data_dir).resolve()):
        raise ReviewError(
            f"{_show(path)} is a symbolic link to {safe(real)}, outside the data folder; "
            "mark the file itself or replace the link with a real file"
        )
    try:
        status = os.stat(real)
    except OSError as exc:
        raise ReviewError(f"{_show(path)}: cannot read the file: {_reason(exc)}") from None
    if not stat.S_ISREG(status.st_mode):
        raise ReviewError(f"{_show(path)} is not a regular file; payer files are plain .yaml files")
    _check_writable(path, real, status)
    return real, status


def _check_writable(path: Path, real: Path, status: os.stat_result) -> None:
    mode = stat.S_IMODE(status.st_mode)
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise ReviewError(
            f"{_show(path)} is read-only (mode {mode:04o}); make it writable first "
            f"(chmod u+w {_show(path)}) if you mean to change it"
        )
    if not os.access(real, os.W_OK):
        raise ReviewError(
            f"{_show(path)}: you have no permission to write the file; "
            "ask its owner or work in your own copy of the data"
        )
    if not os.access(real.parent, os.W_OK | os.X_OK):
        raise ReviewError(
            f"{_show(path)}: you have no permission to create files in {safe(real.parent)} "
            "(the new content is written beside the file, then swapped in); "
            "check the folder's permissions"
        )


def _read(path: Path, real: Path) -> bytes:
    try:
        return real.read_bytes()
    except OSError as exc:
        raise ReviewError(f"{_show(path)}: cannot read the file: {_reason(exc)}") from None


def _decode(path: Path, raw: bytes) -> tuple[bytes, str]:
    """(the byte order mark or b"", the text). Line endings are kept exactly as they are."""
    bom = BOM if raw.startswith(BOM) else b""
    try:
        return bom, raw[len(bom) :].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = len(bom) + exc.start
        lines = _LINE_BREAK.split(raw[:offset])
        column = len(lines[-1].decode("utf-8", "replace")) + 1
        raise ReviewError(
            f"{_show(path)}:{len(lines)}:{column}: byte 0x{raw[offset]:02X} (byte {offset + 1} of the "
            "file) is not valid UTF-8; save the file as UTF-8 text, then run again"
        ) from None


def _parse(path: Path, text: str):
    try:
        return parse_yaml(text)
    except YamlError as exc:
        raise ReviewError(
            f"{_show(path)}:{exc.line}:{exc.column}: {exc.message}; fix the file first "
            "('lcdkb validate' shows every problem)"
        ) from None


_REASONS = {
    errno.ENOENT: "it does not exist; check the path",
    errno.EACCES: "permission denied; check the file's and folder's permissions (ls -l)",
    errno.EPERM: "the operation is not permitted; check the file's permissions and attributes",
    errno.ENOSPC: "the disk is full; free some space and run again",
    errno.EROFS: "the file system is read-only; work in a writable copy of the data",
    errno.EISDIR: "it is a folder, not a payer file",
}
if hasattr(errno, "EDQUOT"):
    _REASONS[errno.EDQUOT] = "the disk quota is used up; free some space and run again"


def _reason(exc: OSError) -> str:
    if exc.errno is not None and exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return f"{exc.strerror or exc}"


# --- the edit ---


def _review_edits(path: Path, document, wanted: set[str] | None, by: str, on: date):
    """The (start, end, new text) edits for each chosen rule's review values, and the codes they mark."""
    rules_node = _child(document.root, "rules")
    if rules_node is None:
        raise ReviewError(f"{_show(path)} has no 'rules' list")
    edits, marked = [], []
    for rule_node in rules_node.value:
        code = _scalar(_child(rule_node, "code"))
        if wanted is not None and code not in wanted:
            continue
        last, who = _review_values(path, rule_node, code)
        last_reviewed = _scalar(last)
        assert last_reviewed is not None, "_review_values refuses an empty or non-text last_reviewed"
        if last_reviewed > on.isoformat():
            raise ReviewError(f"rule {code} was already reviewed on {last_reviewed}, after {on}")
        edits += [
            (last.start_mark.index, last.end_mark.index, _in_style(on.isoformat(), last.style)),
            (who.start_mark.index, who.end_mark.index, _in_style(by, who.style)),
        ]
        marked.append(code)
    if wanted is not None and set(marked) != wanted:
        missing = sorted(wanted - set(marked))
        raise ReviewError(f"{safe(Path(path).name)} has no rule for {', '.join(missing)}")
    return edits, marked


def _review_values(path: Path, rule_node, code: str | None):
    review = _child(rule_node, "review")
    where = f"{_show(path)}:{rule_node.start_mark.line + 1}"
    if not isinstance(review, MappingNode):
        raise ReviewError(f"{where}: rule {code} has no review mapping")
    last, who = _child(review, "last_reviewed"), _child(review, "reviewed_by")
    if last is None or who is None:
        raise ReviewError(f"{where}: rule {code} needs last_reviewed and reviewed_by")
    for name, node in (("last_reviewed", last), ("reviewed_by", who)):
        where = f"{_show(path)}:{node.start_mark.line + 1}: rule {code}'s {name}"
        if not _scalar(node):
            raise ReviewError(f"{where} is empty or not text; fill it in by hand first")
        if node.style in ("|", ">"):
            raise ReviewError(f"{where} is a block scalar ({node.style}); write it on one line, after its key, first")
    return last, who


def _in_style(value: str, style: str | None) -> str:
    """``value`` as a YAML scalar in the replaced scalar's style: plain, 'single' or "double" quoted."""
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"' or not _plain_is_safe(value):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def _plain_is_safe(value: str) -> bool:
    return bool(
        re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)
        or (_PLAIN_NAME.match(value) and value.lower() not in _NOT_PLAIN)
    )


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _child(node, key: str):
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if k.value == key:
                return v
    return None


def _scalar(node) -> str | None:
    return node.value if node is not None and isinstance(node.value, str) else None


def _reparse(new_text: str):
    try:
        return parse_yaml(new_text).data
    except YamlError:
        raise ReviewError("internal check failed: the edited file would not parse; nothing was written") from None


def _same_apart_from_reviews(old: dict, new: dict, codes: set[str], by: str, on: date) -> None:
    """A safety net: the edit may change nothing but the two review values of the marked rules."""
    expected = json.loads(json.dumps(old))
    for rule in expected["rules"]:
        if rule["code"] in codes:
            rule["review"].update(last_reviewed=on.isoformat(), reviewed_by=by)
    if expected != new:
        raise ReviewError(
            "internal check failed: the edit would change more than the review values; nothing was written"
        )


# --- writing ---


def _save(path: Path, real: Path, content: bytes, status: os.stat_result) -> None:
    try:
        _replace_atomically(real, content, status)
    except OSError as exc:
        raise ReviewError(f"{_show(path)}: cannot write the file: {_reason(exc)}; the file was not changed") from None


def _replace_atomically(real: Path, content: bytes, status: os.stat_result) -> None:
    """Write ``content`` beside ``real`` with its mode and owner, then rename it over ``real``."""
    with _signals_raise():
        handle, temporary = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
        try:
            try:
                _write_all(handle, content)
                os.fsync(handle)
                _copy_owner_and_mode(handle, real, status)
            finally:
                os.close(handle)
            _check_unchanged(real, status)
            os.replace(temporary, real)
        except BaseException:
            with suppress(OSError):
                os.unlink(temporary)
            raise
    _sync_folder(real.parent)


def _write_all(handle: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        view = view[os.write(handle, view) :]


def _copy_owner_and_mode(handle: int, real: Path, status: os.stat_result) -> None:
    """Give the new file the old one's owner and group (before the mode: chown may clear set-id bits)."""
    current = os.fstat(handle)
    if (current.st_uid, current.st_gid) != (status.st_uid, status.st_gid):
        try:
            os.fchown(handle, status.st_uid, status.st_gid)
        except PermissionError:
            raise ReviewError(
                f"{_show(real)} belongs to {status.st_uid}:{status.st_gid} and the rewritten file "
                "would belong to you; run as its owner (or ask them to mark it); "
                "the file was not changed"
            ) from None
    os.fchmod(handle, stat.S_IMODE(status.st_mode))


def _check_unchanged(real: Path, status: os.stat_result) -> None:
    now = os.stat(real)
    if (now.st_ino, now.st_size, now.st_mtime_ns) != (status.st_ino, status.st_size, status.st_mtime_ns):
        raise ReviewError(
            f"{_show(real)} changed while it was being marked (saved in an editor?); "
            "the file was not changed by lcdkb, run again"
        )


def _sync_folder(folder: Path) -> None:
    """Flush the rename to disk. Best effort: the file is already replaced, and some file systems refuse."""
    with suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


class Terminated(SystemExit):
    """Raised by SIGTERM or SIGHUP while the file is written, so the temporary file is cleaned up."""


@contextmanager
def _signals_raise():
    """While writing, turn SIGTERM and SIGHUP (when they would kill us outright) into ``Terminated``."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Terminated(128 + signum)

    wanted = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {s: signal.getsignal(s) for s in wanted if signal.getsignal(s) is signal.SIG_DFL}
    for signum in previous:
        signal.signal(signum, stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
