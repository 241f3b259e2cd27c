"""The validator refuses markup and unsafe links however they are written, so hostile text is stopped before any
output (the site escapes it anyway: tests/test_site_hostile*.py)."""

import pytest

from conftest import FIXTURE_TODAY
from lcdkb.validate import validate

PROSE = [
    '"><svg onload="window.PWN=1" x="',  # a tag that is never closed
    "&lt;/title&gt;&lt;script&gt;window.PWN=1&lt;/script&gt;",  # tags as character references
    "&#60;img src=x onerror=alert(1)&#62;",
    "[click me](jav&#x61;script:alert(1))",
    "[click me](JaVaScRiPt&colon;alert(1))",
    "javascript :alert(1)",
    "Text {: tabindex=0 autofocus onfocus=alert(1) }",
    "Text { #x onclick=alert(1) }",
    "Text { .cls }",
    "Text onmouseover = alert(1)",
]
LINKS = [
    'https://example.org/"onmouseover="alert(1)',
    "https://example.org/<svg/onload=alert(1)>",
    "https://example.org/a b",
    "https://example.org/`x`",
    "https:///no-host",
    "https://example.org/{x}",
]
FINE_PROSE = [
    'Up to 4 sessions in 12 months (<5 levels); 50% relief & a "quote"',
    "2 < 3 and 3 > 2",
    "a < b",
    "A plan (CMM-200): see section 4.1; the information below",
]
FINE_LINKS = [
    "https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid=39242&ver=12",
    "https://example.org/a_(b)/c~d?x=1,2;y=%20#frag",
    "https://example.org:8443/",
]


def validate_with(data_dir, old: str, new: str):
    payer = data_dir / "payers" / "fixture-commercial.yaml"
    text = payer.read_text(encoding="utf-8")
    assert old in text
    payer.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [p for p in validate(data_dir, today=FIXTURE_TODAY).problems if p.severity == "error"]


def quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@pytest.mark.parametrize("value", PROSE)
def test_markup_in_prose_is_refused(data_dir, value):
    problems = validate_with(data_dir, 'notes: Plain text with an ampersand & a "quote".', f"notes: {quoted(value)}")
    assert [p.code for p in problems] == ["LCD042"], problems


@pytest.mark.parametrize("value", FINE_PROSE)
def test_plain_prose_with_punctuation_passes(data_dir, value):
    assert validate_with(data_dir, 'notes: Plain text with an ampersand & a "quote".', f"notes: {quoted(value)}") == []


@pytest.mark.parametrize("value", LINKS)
def test_links_that_could_break_out_are_refused(data_dir, value):
    problems = validate_with(data_dir, "url: https://example.org/policy", f"url: {quoted(value)}")
    assert [p.code for p in problems] == ["LCD040"], problems


@pytest.mark.parametrize("value", FINE_LINKS)
def test_real_addresses_pass(data_dir, value):
    assert validate_with(data_dir, "url: https://example.org/policy", f"url: {quoted(value)}") == []
