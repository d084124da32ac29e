"""Text scrubbing: strip a dataset's own identifying values out of the free text that is kept.

Annex E's Clean Descriptors option asks for descriptors "cleaned" of identifying information.
Free text cannot be understood here, so cleaning means: every identifying value found anywhere in
the original header (names, IDs, dates, addresses, institution, private text) is cut out of the
kept text wherever it appears, case-insensitively, together with date-like strings and long digit
runs. It is applied to every kept text element (defence in depth), descriptors or not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SPLIT = re.compile(r"[^0-9A-Za-z\u00C0-\uFFFF]+")
_DATE_LIKE = re.compile(
    r"\b(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}|(?:19|20)\d{6})\b"
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_WORD_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?[\s-]+{_MONTH}[\s,-]+\d{{2,4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})\b",
    re.IGNORECASE,
)
_LONG_DIGITS = re.compile(r"\d{5,}")
_MIN_WORD = 3
_GENERIC = frozenset({"none", "unknown", "anonymous", "anonymized", "other", "yes", "n/a", "null", "not"})
"""Placeholder values that identify nobody; never treated as identifying tokens."""


def date_variants(da: str) -> list[str]:
    """A DICOM date ``YYYYMMDD`` as people write it (ISO, day-first, month-first)."""
    d = da.strip().replace(".", "")
    if len(d) < 8 or not d[:8].isdigit():
        return []
    y, m, dd = d[:4], d[4:6], d[6:8]
    return [d[:8], f"{y}-{m}-{dd}", f"{dd}/{m}/{y}", f"{m}/{dd}/{y}", f"{dd}.{m}.{y}", f"{y}/{m}/{dd}"]


def tokens_from(values: Iterable[str]) -> set[str]:
    """Whole values plus their words (>= 3 characters) and digit groups (>= 4 digits). A value
    that is only a placeholder ("UNKNOWN", "NONE") is skipped; its words are not."""
    out: set[str] = set()
    for value in values:
        text = str(value).strip().strip("\x00")
        if not text or text.lower() in _GENERIC:
            continue
        if len(text) >= _MIN_WORD:
            out.add(text)
            out.add(text.replace("^", " ").strip())
        for word in _SPLIT.split(text):
            if (word.isdigit() and len(word) >= 4) or (not word.isdigit() and len(word) >= _MIN_WORD):
                out.add(word)
        out.update(date_variants(text))
    return {t for t in out if t}


class Scrubber:
    """Removes a fixed set of identifying tokens from text; built once per dataset."""

    def __init__(self, tokens: Iterable[str]) -> None:
        toks = sorted({t for t in tokens if t.strip()}, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(t) for t in toks), re.IGNORECASE) if toks else None

    def scrub(self, text: str, descriptor: bool = False) -> str:
        """Text with every identifying token cut out; descriptors also lose dates and long numbers."""
        out = self._pattern.sub("", text) if self._pattern is not None else text
        if descriptor:
            out = _DATE_LIKE.sub("", out)
            out = _WORD_DATE.sub("", out)
            out = _LONG_DIGITS.sub("", out)
        if out != text:
            out = re.sub(r"\s{2,}", " ", out).strip(" ,;:-^")
        return out
