"""Text checks: safe links, our own words (never AMA CPT descriptors), no markup in prose."""

from __future__ import annotations

import re
from importlib import resources

from lcdkb.checks import check
from lcdkb.checks.context import walk_strings
from lcdkb.terminal import unsafe_characters

URL_FIELDS = {"url", "website"}
# Markup in prose, however it is written: a tag (closed or not, such as '"><svg onload=...'), javascript:, a
# character reference standing for one (&lt;script&gt;, jav&#x61;script:, &colon;), a Markdown attribute list
# ({: ...}, { #id }, { .class }) or an event-handler attribute (onclick=).
_MARKUP = re.compile(
    r"</?[a-zA-Z!?]|javascript\s*:|&(?:#[0-9]+|#x[0-9a-f]+|[a-z][a-z0-9]*);"
    r"|\{\s*[:#.]|\bon[a-z]+\s*=",
    re.IGNORECASE,
)
# A link: https, a host name, then only characters an address may hold unescaped (RFC 3986), so a link can
# neither break out of an attribute nor carry markup.
_HTTPS_URL = re.compile(r"https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][A-Za-z0-9\-._~!$&()*+,;=:@%/?#]*)?\Z")


def _phrases() -> list[str]:
    text = resources.files("lcdkb").joinpath("ama_phrases.txt").read_text(encoding="utf-8")
    return [line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@check(
    "LCD040",
    "https-links",
    "Every link is a plain https:// address: no http, javascript:, data: or other schemes, "
    "and no spaces, quotes, angle brackets or other characters an address cannot hold.",
)
def https_links(ctx, report):
    for data_file in ctx.files:
        for path, value in walk_strings(data_file.data):
            if not path or path[-1] not in URL_FIELDS or _HTTPS_URL.match(value):
                continue
            if not value.lower().startswith("https://"):
                scheme = value.split(":", 1)[0] if ":" in value else "no scheme"
                report(
                    data_file,
                    path,
                    f"link '{value[:80]}' is not https ({scheme})",
                    "link the https:// address of the page you read",
                )
            else:
                report(
                    data_file,
                    path,
                    f"link '{value[:80]}' holds characters an address cannot hold",
                    "copy the address from the browser's address bar; spaces and quotes are written %20 and %22",
                )


@check("LCD041", "own-words", "No text reproduces AMA CPT descriptor wording; labels and notes are in our own words.")
def own_words(ctx, report):
    phrases = _phrases()
    any_phrase = re.compile("|".join(map(re.escape, phrases))) if phrases else None
    for data_file in ctx.files:
        for path, value in walk_strings(data_file.data):
            lowered = value.lower()
            if any_phrase is None or not any_phrase.search(lowered):
                continue  # one search for all phrases; the loop below names the first listed one found
            for phrase in phrases:
                if phrase in lowered:
                    report(
                        data_file,
                        path,
                        f"text contains AMA CPT descriptor wording: '{phrase}'",
                        "CPT descriptors are copyrighted: describe the service in your own short words",
                    )
                    break


@check(
    "LCD042",
    "plain-text",
    "Text fields hold plain text: no HTML tags (closed or not), scripts, javascript: "
    "links, character references such as &lt;, Markdown attribute lists or on...= handlers.",
)
def plain_text(ctx, report):
    for data_file in ctx.files:
        for path, value in walk_strings(data_file.data):
            if path and path[-1] in URL_FIELDS:
                continue  # links are LCD040's concern
            match = _MARKUP.search(value)
            if match:
                report(
                    data_file,
                    path,
                    f"text contains markup '{match.group(0)[:40]}'",
                    "write plain text (the character itself, not &lt; or &#60;); the site formats it and shows "
                    "any markup as literal characters",
                )


PROSE_FIELDS = {"note", "notes", "summary", "description"}


def _walk_text(value, path=()):
    """(path, text, is_key) for every string in a document, mapping keys included, in document order (collected
    like ``walk_strings``)."""
    if isinstance(value, str):
        return iter([(path, value, False)])
    found: list = []
    if isinstance(value, (dict, list)):
        _collect_text(value, path, found)
    return iter(found)


def _collect_text(value, path: tuple, found: list) -> None:
    is_dict = isinstance(value, dict)
    for key, item in value.items() if is_dict else enumerate(value):
        where = path + (key,)
        if is_dict:
            found.append((where, key, True))
        if isinstance(item, str):
            found.append((where, item, False))
        elif isinstance(item, (dict, list)):
            _collect_text(item, where, found)


def _field(path: tuple) -> str | None:
    return next((part for part in reversed(path) if isinstance(part, str)), None)


@check(
    "LCD045",
    "visible-text",
    "Text and keys are not blank and hold no control, bidi-override or invisible "
    "characters, whether typed or written as YAML escapes (\\e, \\x00, \\u202E); line "
    "breaks only in notes.",
)
def visible_text(ctx, report):
    plainly_fine: set[str] = set()
    for data_file in ctx.files:
        for path, value, is_key in _walk_text(data_file.data):
            if value in plainly_fine:
                continue
            prose = not is_key and "\n" in value and _field(path) in PROSE_FIELDS
            checked = value.replace("\n", "") if prose else value
            if not value.strip():
                report(
                    data_file,
                    path,
                    f"{'the key' if is_key else f'the text of {_field(path)!r}'} is blank",
                    "write the value, or leave the field out if it is optional",
                    key=is_key,
                )
                continue
            found = unsafe_characters(checked)
            if not found and checked is value:
                plainly_fine.add(value)  # fine wherever it appears: repeated keys and values are checked once
            if found:
                what = "the key" if is_key else f"the text of '{_field(path) or 'value'}'"
                report(
                    data_file,
                    path,
                    f"{what} holds {', '.join(found[:3])}" + (" and more" if len(found) > 3 else ""),
                    "delete the invisible or control character (often pasted from a PDF, a web page or a "
                    "chat); write line breaks only in notes",
                    key=is_key,
                )
