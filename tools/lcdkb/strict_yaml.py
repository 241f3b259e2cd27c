"""Strict YAML: parse text into plain Python data without YAML 1.1's silent corruptions.

What it guarantees, and why (see docs/data-guidelines.md):
- codes, IDs and dates stay strings: ``0213`` stays ``"0213"``, ``2025-10-01`` stays ``"2025-10-01"``;
- only lowercase ``true``/``false`` are booleans (``NO``, ``yes``, ``On`` stay strings);
- only plain decimal numbers are numbers (no octal, hex, sexagesimal or ``1e3``);
- duplicate keys, anchors, aliases, merge keys, explicit tags and non-text keys are errors;
- nesting deeper than ``MAX_DEPTH``, keys longer than ``MAX_KEY_LENGTH`` and numbers with more than
  ``MAX_NUMBER_DIGITS`` digits are errors (the C composer would crash on deep nesting; Python refuses to read
  an integer of more than 4,300 digits, and a long float silently becomes infinity);
- messages quote at most a short piece of any value (``clip``), so a huge key or value never floods a report;
- every node keeps its line and column, so any problem can be reported as ``file:line:col``.

Two ways to the node tree, one result:
- **Fast**: libyaml's own C composer builds the tree, calling back only to resolve each scalar's type (the strict
  rules above) and to count nesting depth. It is used only for text in which no anchor, alias or tag can start
  (no ``&``, ``*`` or ``!`` where a node may begin): the C composer would silently expand aliases and accept tags.
- **Checked**: libyaml's parser produces events and composition runs in Python, so each rule is checked at the
  node that breaks it. It reads any text the fast way refuses, and any text on which the fast way fails for any
  reason, so every problem is reported with exactly the same message and position whichever way was tried first.
Duplicate, merge, non-text and overlong keys and oversized numbers are checked on the finished tree (``_build``),
the same for both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import NodeEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

MAX_DEPTH = 32
MAX_KEY_LENGTH = 100  # field and policy names are short words; the longest in the data is about 20
MAX_NUMBER_DIGITS = 15  # numbers are counts and days; 15 digits stay exact in every JSON reader

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
SEQ = "tag:yaml.org,2002:seq"
MAP = "tag:yaml.org,2002:map"

_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+\Z")
_NUMBER_START = frozenset("-0123456789")

# Where an anchor (&a), alias (*a) or tag (!t) could begin: at the start, after white space, a byte order mark or
# a flow indicator. A plain "R&D" or "5*3" passes; "A & B" or a quoted "*" only sends the file the checked way. A
# tag the scan missed would still be caught: a tagged node skips ``resolve``, so the counts would differ.
_MAY_HOLD_ANCHOR_ALIAS_OR_TAG = re.compile(r"(?:\A|[\s\ufeff\[\]{},:?-])[&*!]")  # \ufeff: a BOM at the start

try:
    from yaml._yaml import CParser as _Parser  # where yaml.cyaml takes it from; absent without libyaml

    _FAST_PARSER: type | None = _Parser
except ImportError:  # PyYAML built without libyaml: same rules, slower parser, no fast way
    _FAST_PARSER = None
    from yaml.parser import Parser as _PyParser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, _PyParser):  # type: ignore[no-redef]
        def __init__(self, stream):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            _PyParser.__init__(self)


class YamlError(Exception):
    """A problem that stops a file from being read. ``code`` is the check code (LCD001-LCD005)."""

    def __init__(self, code: str, message: str, line: int = 1, column: int = 1, hint: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint


def _at(mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def clip(text: str, limit: int = 60) -> str:
    """``text`` shortened for a message: at most ``limit`` characters, with the full length when cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


class _StrictComposer(Composer, _Parser, BaseResolver):
    """Composes nodes from libyaml events, refusing what YAML 1.1 would silently mangle."""

    def __init__(self, text: str):
        _Parser.__init__(self, text)
        Composer.__init__(self)
        BaseResolver.__init__(self)
        self._depth = 0
        self._resolved = 0

    def resolve(self, kind, value, implicit):
        self._resolved += 1  # the fast way compares this with the nodes composed: an explicit tag skips it
        if kind is not ScalarNode:
            return MAP if kind is MappingNode else SEQ
        if not implicit[0]:
            return STR
        if value in ("true", "false"):
            return BOOL
        if value in ("", "~", "null"):
            return NULL
        if value[:1] in _NUMBER_START:
            if _INT.match(value):
                return INT
            if _FLOAT.match(value):
                return FLOAT
        return STR

    def compose_node(self, parent, index):
        event = self.peek_event()
        assert isinstance(event, NodeEvent), "the composer asks for a node only when a node's event is next"
        if isinstance(event, yaml.AliasEvent):
            line, col = _at(event.start_mark)
            raise YamlError(
                "LCD003",
                f"alias '*{event.anchor}' is not allowed",
                line,
                col,
                "write the value out in full; anchors and aliases hide what a rule says",
            )
        if event.anchor is not None:
            line, col = _at(event.start_mark)
            raise YamlError(
                "LCD003",
                f"anchor '&{event.anchor}' is not allowed",
                line,
                col,
                "remove the anchor and write each value out in full",
            )
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            line, col = _at(event.start_mark)
            raise YamlError(
                "LCD003",
                f"explicit tag '{tag}' is not allowed",
                line,
                col,
                "remove the tag; quote the value if it must stay text",
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            line, col = _at(event.start_mark)
            raise YamlError(
                "LCD005",
                f"nesting deeper than {MAX_DEPTH} levels",
                line,
                col,
                "the data format never nests this deep; check the indentation",
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _TooDeep(Exception):
    """Raised inside the C composer's callback; the checked way then reports the depth with its position."""


if _FAST_PARSER is not None:

    class _FastComposer(_FAST_PARSER):  # type: ignore[valid-type,misc]
        """libyaml's C composer with the strict scalar types and a depth limit (see the module's docstring)."""

        resolve = _StrictComposer.resolve

        def __init__(self, text: str):
            super().__init__(text)
            self._depth = 0
            self._resolved = 0
            self._composed = 0

        def descend_resolver(self, parent, index):
            self._composed += 1  # once for every node but an alias
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _TooDeep()

        def ascend_resolver(self):
            self._depth -= 1


def _compose_fast(text: str) -> tuple[bool, Node | None]:
    """(True, root) if the C composer read ``text`` with no problem; (False, None) if it must be read the
    checked way (it may hold an anchor, alias or tag, or the C composer found any problem at all)."""
    if _FAST_PARSER is None or _MAY_HOLD_ANCHOR_ALIAS_OR_TAG.search(text):
        return False, None
    composer = _FastComposer(text)
    try:
        root = composer.get_single_node()
    except (yaml.YAMLError, _TooDeep, RecursionError):
        return False, None
    finally:
        composer.dispose()
    if composer._resolved != composer._composed:  # a node with an explicit tag the scan above did not see
        return False, None
    return True, root


@dataclass
class YamlDocument:
    """Parsed data plus the node tree it came from, for locating any path in the source."""

    data: Any
    root: Node
    _keys: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def position(self, path: tuple = (), key: bool = False) -> tuple[int, int]:
        """(line, column) of the value at ``path``; with ``key=True``, of the last key itself.

        Follows the path as far as it exists, so a path into a missing field points at the
        nearest enclosing node. Each mapping's keys are indexed on first use, so locating many
        problems in one large mapping stays linear.
        """
        node = self.root
        key_node = None
        for part in path:
            key_node = None
            if isinstance(node, MappingNode):
                entry = self._key_index(node).get(part)
                if entry is None:
                    break
                key_node, node = entry
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
            else:
                break
        if key and key_node is not None:
            return _at(key_node.start_mark)
        return _at(node.start_mark)

    def _key_index(self, node: MappingNode) -> dict:
        index = self._keys.get(id(node))
        if index is None:
            index = {}
            for k, v in node.value:
                if isinstance(k, ScalarNode):
                    index.setdefault(k.value, (k, v))
            self._keys[id(node)] = index
        return index


def _build(node: Node) -> Any:
    """Turn a composed node into plain data; checks keys (type, length, duplicates) and number sizes."""
    if isinstance(node, ScalarNode):
        tag, value = node.tag, node.value
        if tag == STR:
            return value
        if tag == BOOL:
            return value == "true"
        if tag in (INT, FLOAT):
            return _number(node)
        return None
    if isinstance(node, SequenceNode):
        return [_build(item) for item in node.value]
    result: dict[str, Any] = {}
    first_seen: dict[str, Node] = {}
    for key_node, value_node in node.value:
        key = _key(key_node)
        if key in first_seen:
            line, col = _at(key_node.start_mark)
            first_line = first_seen[key].start_mark.line + 1
            raise YamlError(
                "LCD002",
                f"duplicate key '{key}' (first defined on line {first_line})",
                line,
                col,
                "merge the two entries into one; YAML would silently keep only the last",
            )
        first_seen[key] = key_node
        result[key] = _build(value_node)
    return result


def _key(node: Node) -> str:
    """A mapping key as text, or a ``YamlError`` for a merge key, a non-text key or an overlong key."""
    line, col = _at(node.start_mark)
    if isinstance(node, ScalarNode) and node.value == "<<" and not node.style:
        raise YamlError("LCD003", "merge key '<<' is not allowed", line, col, "write the fields out in full")
    if isinstance(node, (SequenceNode, MappingNode)):
        what = "list" if isinstance(node, SequenceNode) else "mapping"
        raise YamlError(
            "LCD003",
            f"a {what} is used as a key; keys must be text",
            line,
            col,
            "a line starting with '? ' makes a complex key: write 'field: value' instead",
        )
    if node.tag != STR:
        raise YamlError(
            "LCD003",
            f"key '{clip(node.value)}' is not text",
            line,
            col,
            "field names are words like 'code' or 'sources'; quote numeric keys",
        )
    if len(node.value) > MAX_KEY_LENGTH:
        raise YamlError(
            "LCD005",
            f"key '{clip(node.value, 40)}' is too long: the limit is {MAX_KEY_LENGTH} characters",
            line,
            col,
            "field and policy names are short words; was a value written where a key belongs?",
        )
    return node.value


def _number(node: ScalarNode) -> int | float:
    digits = len(node.value) - node.value.count("-") - node.value.count(".")
    if digits > MAX_NUMBER_DIGITS:
        line, col = _at(node.start_mark)
        raise YamlError(
            "LCD005",
            f"number '{clip(node.value, 20)}' has {digits:,} digits; the limit is {MAX_NUMBER_DIGITS}",
            line,
            col,
            "numbers here are counts and days; put a code or ID in quotes to keep it as text",
        )
    return int(node.value) if node.tag == INT else float(node.value)


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _syntax_hint(text: str, mark, problem: str) -> str:
    lines = text.splitlines()
    if mark is not None and mark.line < len(lines) and "\t" in lines[mark.line]:
        return "YAML indentation must use spaces, not tabs"
    if "another document" in problem:
        return "a data file holds one document: remove the '---' separator and what follows"
    return "check the indentation, the colons and the quotes on this line and the one above"


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document. Raises ``YamlError`` with a check code and position."""
    fast, root = _compose_fast(text)
    if fast and root is not None:
        try:
            return YamlDocument(_build(root), root)
        except YamlError:
            pass  # reported by the checked way below, with the same message and position
    return _parse_checked(text)


def _parse_checked(text: str) -> YamlDocument:
    composer = _StrictComposer(text)
    try:
        root = composer.get_single_node()
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _at(mark)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(
            "LCD001", f"YAML syntax error: {problem}", line, col, _syntax_hint(text, mark, problem)
        ) from None
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(text, exc.position)
        raise YamlError(
            "LCD004",
            f"control character U+{exc.character:04X} is not allowed",
            line,
            col,
            "delete the invisible character (often pasted from a PDF or a web page)",
        ) from None
    except yaml.YAMLError as exc:
        raise YamlError("LCD001", f"YAML syntax error: {exc}", 1, 1, "check the file is valid YAML") from None
    finally:
        composer.dispose()
    if root is None:
        raise YamlError(
            "LCD005", "the file holds no data", 1, 1, "start from a copy of an existing file in the same folder"
        )
    return YamlDocument(_build(root), root)
