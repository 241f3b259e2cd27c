"""Full validation of an 835 against the X12 5010 implementation guide (005010X221A1) with pyx12, for
``lcdkb denials import --strict``: every segment, loop, element and code value the guide defines. Slower than the
import's own structural checks (about 12,000 segments a second here), so it is asked for, not the default.

Only pyx12's error codes, element names and positions are reported, never the offending value: a value may be a
patient's name or member ID.
"""

from __future__ import annotations

import io
import json
import logging

ELEMENT_PROBLEMS = {
    "1": "is required and missing",
    "2": "is required by another element and missing",
    "3": "has too many data elements",
    "4": "is too short",
    "5": "is too long",
    "6": "has an invalid character",
    "7": "is not a valid code",
    "8": "is not a valid date",
    "9": "is not a valid time",
    "10": "is not allowed here (exclusion condition)",
    "12": "repeats too often",
    "13": "has too many components",
    "I10": "is not used in this guide",
}


def first_problem(text: str) -> str | None:
    """The first problem pyx12 finds, as 'segment N (ID): ...', or None when the file is valid."""
    import pyx12.params  # type: ignore[import-untyped]
    import pyx12.x12n_document  # type: ignore[import-untyped]

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    report = io.StringIO()
    try:
        valid = pyx12.x12n_document.x12n_document(
            pyx12.params.params(), io.StringIO(text), fd_997=None, fd_html=None, fd_json=report
        )
    except Exception as exc:  # pyx12 raises its own engine errors on input it cannot walk
        return f"the X12 validator (pyx12) could not read the file: {type(exc).__name__}"
    if valid:
        return None
    try:
        document = json.loads(report.getvalue() or "{}")
    except ValueError:
        return "the X12 validator (pyx12) found errors"
    return _first(document) or "the X12 validator (pyx12) found errors"


def _first(document: dict) -> str | None:
    for interchange in document.get("interchanges", []):
        if interchange.get("errors"):
            return f"interchange (ISA/IEA): {_code_text(interchange['errors'][0])}"
        for group in interchange.get("groups", []):
            if group.get("errors"):
                return f"functional group (GS/GE): {_code_text(group['errors'][0])}"
            for transaction in group.get("transactions", []):
                for segment in transaction.get("segments", []):
                    where = f"segment {segment.get('cur_line')} ({segment.get('seg_id')})"
                    if segment.get("errors"):
                        return f"{where}: {_code_text(segment['errors'][0])}"
                    for element in segment.get("elements", []):
                        if element.get("errors"):
                            error = element["errors"][0]
                            name = f"{segment.get('seg_id')}{int(element.get('ele_pos') or 0):02d}"
                            problem = ELEMENT_PROBLEMS.get(str(error.get("err_cde")), "is not valid")
                            return f"{where}: {element.get('name')} ({name}) {problem}"
                if transaction.get("errors"):
                    return f"transaction (ST/SE): {_code_text(transaction['errors'][0])}"
    return None


def _code_text(error: dict) -> str:
    text = str(error.get("err_str") or "not valid")
    value = error.get("err_val")
    if value:
        text = text.replace(str(value), "...")
    return text
