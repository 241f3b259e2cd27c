"""lcdkb diff: what changed in the rules between two revisions, in words a reviewer reads.

Both sides are turned into export records (the same model every output uses) and compared field by field,
so "Novitas JH 64483: frequency.max_sessions 4 -> 3" instead of a YAML text diff.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

SKIP = {"digest", "confidence", "prior_auth_answers"}  # derived from other fields, which are reported themselves
KEYED_LISTS = {"sources": "id", "modifiers": "code"}


@dataclass
class RuleChange:
    rule_id: str
    payer: str
    code: str
    kind: str  # added, removed, changed
    changes: list[str] = field(default_factory=list)


def _flatten(value, path: str = "") -> dict[str, str]:
    """Leaf path -> value text. Lists of records are keyed by their id or code where they have one."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if path == "" and key in SKIP:
                continue
            if key == "status" and path == "review":
                continue
            out.update(_flatten(item, f"{path}.{key}" if path else key))
        return out
    if isinstance(value, list):
        if all(not isinstance(i, (dict, list)) for i in value):
            return {path: ", ".join(str(i) for i in value)} if value else {}
        key = KEYED_LISTS.get(path.rsplit(".", 1)[-1])
        out = {}
        for index, item in enumerate(value):
            name = item.get(key) if key and isinstance(item, dict) else None
            out.update(_flatten(item, f"{path}[{name if name is not None else index}]"))
        return out
    return (
        {} if value is None else {path: json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value}
    )


def _describe(old: dict, new: dict) -> list[str]:
    a, b = _flatten(old), _flatten(new)
    lines = []
    for path in sorted(a.keys() | b.keys()):
        if path not in b:
            lines.append(f"{path} removed (was {a[path]})")
        elif path not in a:
            lines.append(f"{path} added: {b[path]}")
        elif a[path] != b[path]:
            lines.append(f"{path}: {a[path]} -> {b[path]}")
    return lines


def diff_exports(old: dict, new: dict) -> list[RuleChange]:
    """Compare two all.json documents rule by rule."""
    names = {p["id"]: p["name"] for p in old["payers"] + new["payers"]}
    before = {r["id"]: r for r in old["rules"]}
    after = {r["id"]: r for r in new["rules"]}
    changes = []
    for rule_id in sorted(before.keys() | after.keys()):
        rule = after.get(rule_id) or before[rule_id]
        entry = RuleChange(rule_id, names.get(rule["payer_id"], rule["payer_id"]), rule["code"], "changed")
        if rule_id not in before:
            entry.kind = "added"
        elif rule_id not in after:
            entry.kind = "removed"
        else:
            entry.changes = _describe(before[rule_id], after[rule_id])
            if not entry.changes:
                continue
        changes.append(entry)
    return changes


def render_text(changes: list[RuleChange], left: str, right: str) -> str:
    if not changes:
        return f"No rule changes between {left} and {right}.\n"
    counts = {k: sum(c.kind == k for c in changes) for k in ("added", "changed", "removed")}
    lines = [
        f"Rules {left} -> {right}: {counts['added']} added, {counts['changed']} changed, {counts['removed']} removed"
    ]
    for change in changes:
        lines.append(
            f"{change.payer} {change.code}: {change.kind}"
            if change.kind != "changed"
            else f"{change.payer} {change.code}:"
        )
        lines += [f"  {line}" for line in change.changes]
    return "\n".join(lines) + "\n"


def as_data(changes: list[RuleChange], left: str, right: str) -> dict:
    """The JSON result of ``lcdkb diff --format json`` (inside the command line's envelope)."""
    return {"from": left, "to": right, "rules": [asdict(c) for c in changes]}
