"""``lcdkb sources pull-codes``: import a billing article's code lists from the CMS Coverage API.

What is read, per article (``articleid`` = the digits of ``A57701``), from the Coverage API's data endpoints:

- ``/v1/metadata/license-agreement/``: the one-hour token the data endpoints need (sent as a Bearer token); CMS
  grants it for accepting the AMA/ADA/AHA licenses, and lcdkb stores no licensed text in exchange;
- ``/v1/data/article/``: the article's current version (``article_version``);
- ``/v1/data/article/hcpc-code``: the HCPCS/CPT codes it lists, as **numbers only** (``hcpc_code_id``). The
  descriptor fields (``long_description``, ``short_description``) are AMA CPT text for CPT codes: they are never
  read into lcdkb's data, printed, or stored; they are only bounded in size;
- ``/v1/data/article/icd10-covered``: the covered ICD-10-CM codes (``icd10_code_id``) and their group;
- ``/v1/data/article/icd10-covered-group``: the groups' paragraphs, read only for the HCPCS/CPT codes they name
  (a group whose paragraph names codes applies to those codes; one that names none applies to every code).

Every answer is hostile until checked: at most ``MAX_BYTES`` each (the client refuses more), at most ``MAX_ROWS``
rows, every field used must have its exact type and pattern (a code, a group number, a version, the article's own
ID and version), an unused text field is refused past ``MAX_TEXT`` characters or with control characters. Any
failure is a one-line ``PullError`` and nothing is proposed.

For each rule of the payer that cites the article (directly, through its policy or from a fact), or for each
``--code``, the rule's ``diagnoses`` fact is proposed (replacing the one the rule has, which also overrides its
policy's): ``completeness: complete``, ``covered`` (every covered code of the groups that apply to the rule's code,
in CMS's order, listed one by one: lcdkb's range syntax would also take in codes between two listed codes that the
article does not list, so nothing is compressed), ``source`` (the article's entry in the payer file) and a note
naming the version and the retrieval date. The article's source entry gets ``listed_version``, ``listed_on`` and
``compared_on`` (through ``sources.write``). Everything else in the file stays byte for byte; the edited text is
parsed again and must equal the old data with exactly those values changed, or nothing is written.
"""

from __future__ import annotations

import contextlib
import difflib
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import requests
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from lcdkb import review_mark as edit
from lcdkb.paths import display_path
from lcdkb.sources import client as http
from lcdkb.sources import write as source_write
from lcdkb.terminal import safe

MAX_BYTES = 8 * 2**20  # one article's code list is tens of KiB; its biggest table a few MiB at most
MAX_ROWS = 20_000
MAX_TEXT = 20_000  # unused texts (descriptions, paragraphs) are only bounded
MAX_CODES = 2000  # the schema's maxItems for diagnoses.covered
ENDPOINTS = {
    "article": "/v1/data/article/",
    "hcpc-code": "/v1/data/article/hcpc-code",
    "icd10-covered": "/v1/data/article/icd10-covered",
    "icd10-covered-group": "/v1/data/article/icd10-covered-group",
}
LICENSE = "/v1/metadata/license-agreement/"

ARTICLE_ID = re.compile(r"A([0-9]{5,6})\Z")
HCPCS = re.compile(r"(?:[0-9]{4}[0-9AFMTU]|[A-CEGHJ-MP-V][0-9]{4})\Z")  # CPT (incl. Cat II/III, PLA) or Level II
ICD10 = re.compile(r"[A-TV-Z][0-9][0-9AB](?:\.[0-9A-TV-Z]{1,4})?\Z")  # as defs.schema.json's icd10
_CODE_TOKEN = re.compile(r"(?<![A-Za-z0-9])(?:[0-9]{4}[0-9AFMTU]|[A-CEGHJ-MP-V][0-9]{4})(?![A-Za-z0-9])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{8,4096}\Z")


class PullError(Exception):
    """The article could not be fetched, or its answer is not one lcdkb can use; one line naming what to do."""


@dataclass(frozen=True)
class Article:
    display_id: str  # "A57701"
    version: int
    hcpcs: tuple[str, ...]  # numbers only
    covered: tuple[tuple[int, str], ...]  # (group, ICD-10-CM code) in CMS's order
    group_codes: dict[int, frozenset[str]]  # group -> HCPCS/CPT codes its paragraph names (empty: all codes)
    retrieved_on: date

    def covered_for(self, code: str) -> tuple[list[int], list[str]]:
        groups = sorted(
            {g for g, _ in self.covered if not self.group_codes.get(g) or code in self.group_codes.get(g, ())}
        )
        codes: list[str] = []
        for group, icd in self.covered:
            if group in groups and icd not in codes:
                codes.append(icd)
        return groups, codes


@dataclass
class Proposal:
    path: Path
    old_text: str
    new_text: str
    source_id: str
    rules: list[str] = field(default_factory=list)  # the codes whose diagnoses are proposed
    skipped: list[str] = field(default_factory=list)  # one line each: a code not proposed, and why


# --- fetching ---


def article_number(article_id: str) -> str:
    match = ARTICLE_ID.match(article_id.strip().upper())
    if not match:
        raise PullError(f"{safe(article_id)} is not a billing article ID (A followed by five or six digits)")
    return match.group(1)


def fetch_article(
    article_id: str,
    today: date,
    api_url: str = http.DEFAULT_API,
    response_dir: Path | None = None,
    timeout: float = 60.0,
    backoff: float | None = None,
    note: Callable[[str], None] | None = None,
) -> Article:
    """The article's current version and code lists, from the API or from saved answers in ``response_dir``
    (``article.json``, ``hcpc-code.json``, ``icd10-covered.json``, ``icd10-covered-group.json``)."""
    number = article_number(article_id)
    display = "A" + number
    answers: dict[str, object] = {}
    if response_dir is not None:
        for name in ENDPOINTS:
            answers[name] = _read_saved(response_dir / f"{name}.json")
    else:
        base = _api(api_url)
        with http.session(None, backoff) as client:  # no disk cache: the answers carry a licence token's grant
            token = _license_token(client, base, timeout, note)
            headers = {"Authorization": f"Bearer {token}"}
            answers["article"] = _get(client, base, ENDPOINTS["article"], {"articleid": number}, headers, timeout, note)
            version = _article_version(answers["article"], number)
            for name in ("hcpc-code", "icd10-covered", "icd10-covered-group"):
                query = {"articleid": number, "ver": str(version)}
                answers[name] = _get(client, base, ENDPOINTS[name], query, headers, timeout, note)
    return parse_answers(display, answers, today)


def _api(api_url: str) -> str:
    try:
        return http.checked_api_url(api_url)
    except http.FetchError as exc:
        raise PullError(str(exc)) from None


def _read_saved(path: Path) -> object:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise PullError(f"{safe(path)}: {exc.strerror or exc}; --response-dir needs the four saved answers") from None
    if len(raw) > MAX_BYTES:
        raise PullError(f"{safe(path)} is over {MAX_BYTES // 2**20} MiB; it is not one article's answer")
    return _json(raw, safe(path))


def _json(raw: bytes, where: str) -> object:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PullError(f"{where} is not UTF-8 JSON") from None


def _no_constant(name: str) -> object:
    raise ValueError(name)


def _license_token(client: requests.Session, base: str, timeout: float, note) -> str:
    answer = _get(client, base, LICENSE, {}, {}, timeout, note)
    rows = _rows(answer, "the license-agreement answer")
    token = rows[0].get("token") if rows and isinstance(rows[0], dict) else None
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise PullError("the CMS Coverage API's license-agreement answer holds no usable token; try again later")
    return token


def _get(client, base: str, path: str, query: dict[str, str], headers, timeout: float, note) -> object:
    url = base + path + ("?" + urlencode(query) if query else "")
    try:
        body, _ = http.get_bytes(client, url, base, timeout, headers, MAX_BYTES, "one article's answer")
    except http.FetchError as exc:
        raise PullError(str(exc).replace("give a saved listing with --listing FILE", "use --response-dir")) from None
    if note:
        note(f"GET {url}: {len(body)} bytes")
    return _json(body, url)


# --- checking the answers ---


def _rows(answer: object, what: str) -> list:
    if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):
        raise PullError(f'{what} is not a Coverage API answer ({{"meta": ..., "data": [...]}})')
    rows = answer["data"]
    if len(rows) > MAX_ROWS:
        raise PullError(f"{what} holds more than {MAX_ROWS} rows; it is not one article's list")
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or len(row) > 40:
            raise PullError(f"{what}: row {index + 1} is not an object of fields")
        for key, value in row.items():
            if not isinstance(key, str) or len(key) > 64 or _CONTROL.search(key):
                raise PullError(f"{what}: row {index + 1} has a field name that is not plain text")
            if isinstance(value, str) and (len(value) > MAX_TEXT or _CONTROL.search(value)):
                raise PullError(
                    f"{what}: row {index + 1}'s {safe(key)} is over {MAX_TEXT} characters or holds control "
                    "characters; the answer is refused"
                )
            if not isinstance(value, (str, int, type(None))) or isinstance(value, bool):
                raise PullError(f"{what}: row {index + 1}'s {safe(key)} is not text or a number")
    return rows


def _int(row: dict, key: str, what: str, index: int, limit: int = 1_000_000) -> int:
    value = row.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit:
        raise PullError(f"{what}: row {index + 1}'s {safe(key)} is not a whole number from 0 to {limit}")
    return value


def _code(row: dict, key: str, pattern: re.Pattern, kind: str, what: str, index: int) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not pattern.match(value.strip()) or len(value) > 12:
        shown = safe(value[:20] + ("..." if len(value) > 20 else "")) if isinstance(value, str) else type(value)
        raise PullError(f"{what}: row {index + 1}'s {key} {shown!s} is not {kind} code; the answer is refused")
    return value.strip()


def _article_version(answer: object, number: str) -> int:
    rows = _rows(answer, "the article answer")
    if len(rows) != 1:
        raise PullError(f"the article answer holds {len(rows)} articles, not one; check the article ID")
    _check_id(rows[0], number, "the article answer", 0)
    return _int(rows[0], "article_version", "the article answer", 0)


def _check_id(row: dict, number: str, what: str, index: int) -> None:
    if _int(row, "article_id", what, index, 10**6) != int(number):
        raise PullError(f"{what}: row {index + 1} is about another article than A{number}; the answer is refused")


def parse_answers(display_id: str, answers: dict[str, object], today: date) -> Article:
    number = article_number(display_id)
    version = _article_version(answers["article"], number)

    def rows_of(name: str) -> list[dict]:
        what = f"the {name} answer"
        rows = _rows(answers[name], what)
        for index, row in enumerate(rows):
            _check_id(row, number, what, index)
            if _int(row, "article_version", what, index) != version:
                raise PullError(f"{what}: row {index + 1} is of another version than {version}; try again")
        return rows

    hcpcs: list[str] = []
    for index, row in enumerate(rows_of("hcpc-code")):
        code = _code(row, "hcpc_code_id", HCPCS, "an HCPCS/CPT", "the hcpc-code answer", index)
        if code not in hcpcs:
            hcpcs.append(code)
    covered: list[tuple[int, str]] = []
    for index, row in enumerate(rows_of("icd10-covered")):
        group = _int(row, "icd10_covered_group", "the icd10-covered answer", index, 10_000)
        code = _code(row, "icd10_code_id", ICD10, "an ICD-10-CM", "the icd10-covered answer", index)
        covered.append((group, code))
    group_codes: dict[int, frozenset[str]] = {}
    for index, row in enumerate(rows_of("icd10-covered-group")):
        group = _int(row, "icd10_covered_group", "the icd10-covered-group answer", index, 10_000)
        paragraph = row.get("paragraph") or ""
        if not isinstance(paragraph, str):
            raise PullError(f"the icd10-covered-group answer: row {index + 1}'s paragraph is not text")
        named = frozenset(_CODE_TOKEN.findall(paragraph)) & set(hcpcs)
        group_codes[group] = group_codes.get(group, frozenset()) | named
    if not hcpcs:
        raise PullError(f"{display_id} version {version} lists no HCPCS/CPT codes; nothing to import")
    return Article(display_id, version, tuple(hcpcs), tuple(covered), group_codes, today)


# --- proposing the edit ---


def propose(data_dir: Path, payer_path: Path, article: Article, codes: list[str] | None, today: date) -> Proposal:
    try:
        real, _status = edit._writable_target(payer_path, data_dir)
        _bom, text = edit._decode(payer_path, edit._read(payer_path, real))
        document = edit._parse(payer_path, text)
    except edit.ReviewError as exc:
        raise PullError(str(exc)) from None
    data = document.data
    shown = safe(display_path(payer_path))
    source_id = _source_id(data, article.display_id, shown)
    rules_node = edit._child(document.root, "rules")
    if not isinstance(rules_node, SequenceNode) or rules_node.flow_style:
        raise PullError(f"{shown} has no block 'rules' list")
    rules = data.get("rules") or []
    policies = data.get("policies") or {}
    wanted = set(codes) if codes else None
    proposal = Proposal(payer_path, text, text, source_id)
    edits: list[tuple[int, int, str]] = []
    proposed: list[tuple[int, MappingNode, str, dict]] = []
    expected = json.loads(json.dumps(data))
    for index, (rule, node) in enumerate(zip(rules, rules_node.value, strict=True)):
        code = str(rule.get("code", ""))
        if wanted is not None:
            if code not in wanted:
                continue
        elif not _cites(rule, policies, source_id):
            continue
        if code not in article.hcpcs:
            proposal.skipped.append(f"{code}: {article.display_id} version {article.version} does not list it")
            continue
        groups, covered = article.covered_for(code)
        if not covered:
            proposal.skipped.append(f"{code}: no covered ICD-10-CM group of {article.display_id} applies to it")
            continue
        if len(covered) > MAX_CODES:
            raise PullError(f"{code}: {len(covered)} covered codes, over the schema's {MAX_CODES}")
        fact = {
            "completeness": "complete",
            "covered": covered,
            "source": source_id,
            "note": _note(article, groups, code),
        }
        proposed.append((index, node, code, fact))
    edits += _placed(payer_path, text, document.root, rules, policies, proposed, expected)
    proposal.rules = [code for _i, _n, code, _f in proposed]
    if wanted is not None:
        missing = sorted(wanted - {str(r.get("code", "")) for r in rules})
        proposal.skipped += [f"{safe(c)}: no rule for this code in {shown}" for c in missing]
    source = next(s for s in data["sources"] if s.get("id") == source_id)
    values: dict[str, str | None] = {
        "listed_version": str(article.version),
        "listed_on": today.isoformat(),
        "listed_status": source.get("listed_status"),
        "compared_on": today.isoformat(),
    }
    try:
        source_edits, _changed = source_write._edits(payer_path, text, document.root, {source_id: values})
    except source_write.WriteError as exc:
        raise PullError(str(exc)) from None
    for entry in expected["sources"]:
        if entry.get("id") == source_id:
            entry.update({k: v for k, v in values.items() if v is not None})
    all_edits = sorted(edits + source_edits)
    for (_s1, e1, _t1), (s2, _e2, _t2) in itertools.pairwise(all_edits):
        if s2 < e1:
            raise PullError(f"{shown}: the edits overlap; nothing was changed")
    new_text = edit._apply(text, all_edits)
    try:
        reparsed = edit._reparse(new_text)
    except edit.ReviewError:
        reparsed = None
    if reparsed != expected:
        raise PullError(f"{shown}: internal check failed: the edit would change more than the imported values")
    proposal.new_text = new_text
    return proposal


def _placed(path, text, root, rules, policies, proposed, expected) -> list[tuple[int, int, str]]:
    """Where each fact goes. When every rule of a policy gets the same fact, the policy's diagnoses is replaced
    (once); when they get different ones, each rule gets its own and the policy's, which no rule would inherit
    any more (LCD036), is removed."""
    edits: list[tuple[int, int, str]] = []
    by_policy: dict[str, list[tuple[int, MappingNode, str, dict]]] = {}
    for item in proposed:
        policy = rules[item[0]].get("policy")
        if isinstance(policy, str) and isinstance(policies.get(policy), dict):
            by_policy.setdefault(policy, []).append(item)
    policies_node = edit._child(root, "policies")
    done: set[int] = set()
    for policy, items in by_policy.items():
        users = [i for i, r in enumerate(rules) if r.get("policy") == policy]
        if sorted(users) != sorted(i for i, *_ in items):
            continue  # some rules keep the policy's diagnoses
        node = edit._child(policies_node, policy)
        facts = [fact for *_, fact in items]
        if all(f["covered"] == facts[0]["covered"] for f in facts):
            codes = ", ".join(code for _i, _n, code, _f in items)
            fact = dict(
                facts[0], note=facts[0]["note"].rsplit(", which apply to ", 1)[0] + f", which apply to {codes}."
            )
            edits.append(_diagnoses_edit(path, text, node, fact))
            expected["policies"][policy]["diagnoses"] = fact
            done.update(i for i, *_ in items)
        elif "diagnoses" in policies[policy]:
            edits.append(_diagnoses_edit(path, text, node, None))
            expected["policies"][policy].pop("diagnoses")
    for index, node, _code, fact in proposed:
        if index not in done:
            edits.append(_diagnoses_edit(path, text, node, fact))
            expected["rules"][index]["diagnoses"] = fact
    return edits


def _source_id(data: dict, display_id: str, shown: str) -> str:
    number = display_id[1:]
    for entry in data.get("sources") or []:
        if entry.get("id") == display_id:
            return display_id
    for entry in data.get("sources") or []:
        url = str(entry.get("url") or "")
        if entry.get("type") == "billing-article" and re.search(rf"articleid={number}(?![0-9])", url):
            return str(entry["id"])
    raise PullError(f"{shown} has no source entry for {display_id}; add it under 'sources' first")


def _cites(rule: dict, policies: dict, source_id: str) -> bool:
    if source_id in (rule.get("sources") or []):
        return True
    policy = policies.get(rule.get("policy")) if rule.get("policy") else None
    if isinstance(policy, dict) and source_id in (policy.get("sources") or []):
        return True
    return any(isinstance(v, dict) and v.get("source") == source_id for v in rule.values())


def _note(article: Article, groups: list[int], code: str) -> str:
    named = ", ".join(map(str, groups))
    return (
        f"Imported from {article.display_id} version {article.version} through the CMS Coverage API, retrieved "
        f"{article.retrieved_on.isoformat()}: the covered ICD-10-CM codes of group{'s' if len(groups) > 1 else ''} "
        f"{named}, which apply to {code}."
    )


def _diagnoses_edit(path: Path, text: str, node, fact: dict | None) -> tuple[int, int, str]:
    """Replace (or insert, or with ``fact`` None delete) the block ``diagnoses`` of a rule or policy mapping."""
    shown = safe(display_path(path))
    if not isinstance(node, MappingNode) or node.flow_style:
        raise PullError(f"{shown}:{node.start_mark.line + 1}: the rule is in flow style; write it as a block mapping")
    pairs = list(node.value)
    column = pairs[0][0].start_mark.column
    eol_match = source_write._LINE_BREAK.search(text)
    eol = eol_match.group(0) if eol_match else "\n"
    pad = " " * column
    lines = (
        []
        if fact is None
        else [
            f"{pad}diagnoses:",
            f"{pad}  completeness: complete",
            f"{pad}  covered: [{', '.join(json.dumps(c) for c in fact['covered'])}]",
            f"{pad}  source: {json.dumps(fact['source'])}",
            f"{pad}  note: {json.dumps(fact['note'])}",
        ]
    )
    block = "".join(line + eol for line in lines)
    keys = {k.value: (k, v) for k, v in pairs if isinstance(k, ScalarNode)}
    if "diagnoses" in keys:
        key, value = keys["diagnoses"]
        start = _line_start(text, key.start_mark.index)
        if text[start : key.start_mark.index].strip(" "):
            raise PullError(f"{shown}:{key.start_mark.line + 1}: diagnoses shares its line; put it on its own line")
        end = value.end_mark.index
        if text[_line_start(text, end) : end].strip(" "):
            end = source_write._line_end(text, end)
        else:
            end = _line_start(text, end)
        rest = text[value.end_mark.index : end].strip(" \t\r\n")
        if rest and not rest.startswith("#"):
            raise PullError(f"{shown}:{key.start_mark.line + 1}: diagnoses shares its last line with another key")
        return (start, end, block)
    if "review" in keys:
        key = keys["review"][0]
        start = _line_start(text, key.start_mark.index)
        if text[start : key.start_mark.index].strip(" "):
            raise PullError(f"{shown}:{key.start_mark.line + 1}: review shares its line; put it on its own line")
        return (start, start, block)
    last = pairs[-1][1]
    if (isinstance(last, ScalarNode) and last.style not in ("|", ">")) or getattr(last, "flow_style", False):
        at = source_write._line_end(text, last.end_mark.index)
    else:
        at = _line_start(text, last.end_mark.index)
    if at == len(text) and not text.endswith(("\n", "\r")):
        return (at, at, eol + block.rstrip("\r\n"))
    return (at, at, block)


def _line_start(text: str, index: int) -> int:
    return max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1


def diff(proposal: Proposal, data_dir: Path) -> str:
    name = display_path(proposal.path)
    with contextlib.suppress(ValueError):
        name = str(proposal.path.relative_to(data_dir))
    lines = difflib.unified_diff(
        proposal.old_text.splitlines(keepends=True),
        proposal.new_text.splitlines(keepends=True),
        f"a/{name}",
        f"b/{name}",
    )
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)


def save(proposal: Proposal, data_dir: Path) -> None:
    if proposal.new_text == proposal.old_text:
        return
    try:
        real, status = edit._writable_target(proposal.path, data_dir)
        bom, text = edit._decode(proposal.path, edit._read(proposal.path, real))
        if text != proposal.old_text:
            raise PullError(f"{safe(display_path(proposal.path))} changed while it was read; run again")
        edit._save(proposal.path, real, bom + proposal.new_text.encode("utf-8"), status)
    except edit.ReviewError as exc:
        raise PullError(str(exc)) from None
