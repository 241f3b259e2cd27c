"""lcdkb review mark: record a review in a payer file by rewriting only the review values.

Only the text of ``last_reviewed`` and ``reviewed_by`` in the chosen rules changes; comments, key order, quoting
and layout everywhere else stay byte for byte. The new text is re-parsed and compared with the old before it
is written, and the file is replaced atomically.
"""
from __future__ import annotations

import difflib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from yaml.nodes import MappingNode

from lcdkb.strict_yaml import YamlError, parse_yaml

_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9 ._-]*[A-Za-z0-9]\Z")
_NOT_PLAIN = {"true", "false", "null", "yes", "no", "on", "off"}


class ReviewError(Exception):
    pass


@dataclass(frozen=True)
class Marked:
    path: Path
    codes: list[str]
    before: str
    after: str


def payer_file(target: str, data_dir: Path) -> Path:
    """A payer file from a path or a payer ID."""
    path = Path(target)
    if path.is_file():
        return path
    candidate = data_dir / "payers" / f"{target}.yaml"
    if candidate.is_file():
        return candidate
    known = sorted(p.stem for p in (data_dir / "payers").glob("*.yaml"))
    close = difflib.get_close_matches(target, known, n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else f"; payers: {', '.join(known)}"
    raise ReviewError(f"no payer file or payer ID '{target}'{hint}")


def _yaml_name(name: str) -> str:
    if _PLAIN_NAME.match(name) and name.lower() not in _NOT_PLAIN:
        return name
    return json.dumps(name, ensure_ascii=False)


def mark_reviewed(path: Path, by: str, on: date, codes: list[str] | None = None,
                  today: date | None = None) -> Marked:
    """Set last_reviewed/reviewed_by on the rules for ``codes`` (all rules when None) and write the file."""
    today = today or date.today()
    if on > today:
        raise ReviewError(f"the review date {on} is in the future; use the day you checked the sources")
    if not by.strip():
        raise ReviewError("--by needs the reviewer's name")
    text = path.read_text(encoding="utf-8")
    try:
        document = parse_yaml(text)
    except YamlError as exc:
        raise ReviewError(f"{path}:{exc.line}:{exc.column}: {exc.message}; fix the file first "
                          "('lcdkb validate' shows every problem)") from None
    rules_node = _child(document.root, "rules")
    if rules_node is None:
        raise ReviewError(f"{path} has no 'rules' list")
    wanted = set(codes) if codes else None
    edits, marked = [], []
    for rule_node in rules_node.value:
        code = _scalar(_child(rule_node, "code"))
        if wanted is not None and code not in wanted:
            continue
        review = _child(rule_node, "review")
        if not isinstance(review, MappingNode):
            raise ReviewError(f"{path}:{rule_node.start_mark.line + 1}: rule {code} has no review mapping")
        last, who = _child(review, "last_reviewed"), _child(review, "reviewed_by")
        if last is None or who is None:
            raise ReviewError(f"{path}:{review.start_mark.line + 1}: rule {code} needs last_reviewed and reviewed_by")
        if _scalar(last) and _scalar(last) > on.isoformat():
            raise ReviewError(f"rule {code} was already reviewed on {_scalar(last)}, after {on}")
        edits += [(last.start_mark.index, last.end_mark.index, f'"{on.isoformat()}"'),
                  (who.start_mark.index, who.end_mark.index, _yaml_name(by))]
        marked.append(code)
    if wanted is not None and set(marked) != wanted:
        missing = sorted(wanted - set(marked))
        raise ReviewError(f"{path.name} has no rule for {', '.join(missing)}")
    new_text = text
    for start, end, replacement in sorted(edits, reverse=True):
        new_text = new_text[:start] + replacement + new_text[end:]
    _same_apart_from_reviews(document.data, parse_yaml(new_text).data, set(marked), by, on)
    _write_atomically(path, new_text)
    return Marked(path, marked, text, new_text)


def _child(node, key: str):
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if k.value == key:
                return v
    return None


def _scalar(node) -> str | None:
    return node.value if node is not None and isinstance(node.value, str) else None


def _same_apart_from_reviews(old: dict, new: dict, codes: set[str], by: str, on: date) -> None:
    """A safety net: the edit may change nothing but the two review values of the marked rules."""
    expected = json.loads(json.dumps(old))
    for rule in expected["rules"]:
        if rule["code"] in codes:
            rule["review"].update(last_reviewed=on.isoformat(), reviewed_by=by)
    if expected != new:
        raise ReviewError("internal check failed: the edit would change more than the review values; "
                          "nothing was written")


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
