"""ICD-10-CM code matching shared by the checks and the claim pre-check."""

from __future__ import annotations


def normalize(code: str) -> str:
    """Upper case without the dot: "m54.16" -> "M5416"."""
    return code.strip().upper().replace(".", "")


def matches(code: str, entry: str) -> bool:
    """Whether ``code`` is ``entry``, falls inside the range ``entry`` ("M47.812-M47.817"), or sits below the
    category ``entry`` ("M54.1" covers "M54.16")."""
    wanted = normalize(code)
    if "-" in entry:
        start, end = (normalize(part) for part in entry.split("-", 1))
        return start <= wanted <= end or wanted.startswith(end)
    return wanted.startswith(normalize(entry))


def matches_any(code: str, entries) -> str | None:
    """The first entry ``code`` matches, or None."""
    return next((entry for entry in entries if matches(code, entry)), None)
