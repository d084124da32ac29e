"""Identity tokens: the words and numbers that identify a person or an institution in a header.

They come only from the attributes that identify someone (person names, patient IDs, addresses,
telephone numbers, accession and request numbers, institution names, birth dates), never from
free-text clinical descriptions, which are removed rather than mined for words. Common English
words (Debian's ``wamerican``/``wbritish`` lists) are never tokens, and neither is a token that
also occurs in the original value of an attribute the active options retain (Retain Device
Identity keeps the manufacturer, whose name may also be the hospital's).

The tokens serve three uses: scrubbing kept text, the residual-identity guard that quarantines a
cleaned header still holding one (``find``), and matching words that OCR reads in the kept
pixels (``match_word``). Reasons name attribute keywords and the rule, never a value.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydicom.datadict import keyword_for_tag
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from imgtrainer.deid.scrub import date_variants

IDENTIFYING = frozenset(
    {
        "PatientID",
        "OtherPatientIDs",
        "IssuerOfPatientID",
        "PatientBirthDate",
        "PatientAddress",
        "PatientTelephoneNumbers",
        "PatientTelecomInformation",
        "MedicalRecordLocator",
        "MilitaryRank",
        "RegionOfResidence",
        "AccessionNumber",
        "StudyID",
        "RequestedProcedureID",
        "ScheduledProcedureStepID",
        "PerformedProcedureStepID",
        "AdmissionID",
        "PlacerOrderNumberImagingServiceRequest",
        "FillerOrderNumberImagingServiceRequest",
        "InsurancePlanIdentification",
        "InstitutionName",
        "InstitutionAddress",
        "InstitutionalDepartmentName",
        "ReferringPhysicianAddress",
        "ReferringPhysicianTelephoneNumbers",
        "PersonAddress",
        "PersonTelephoneNumbers",
        "PersonTelecomInformation",
        "ResponsibleOrganization",
    }
)
"""Attributes (besides every person name, VR PN) whose values identify a person or a place."""

WORD_LISTS = (Path("/usr/share/dict/american-english"), Path("/usr/share/dict/british-english"))
GUARD_MIN_LETTERS = 4
"""Shortest word the header guard looks for (shorter name parts match too much by chance)."""
OCR_MIN_LETTERS = 3
"""Shortest word read by OCR that can match a removed identity token (the issue's rule)."""
MIN_DIGITS = 6
"""Shortest digit run treated as an identifying number (IDs, phone numbers, dates)."""
_WORD = re.compile(r"[0-9A-Za-z\u00C0-\uFFFF]+")


@functools.cache
def common_words() -> frozenset[str]:
    """Lower-case common English words (entries written in lower case in the Debian lists:
    proper names such as "Philips" are capitalised there and stay out). Empty if no list."""
    words: set[str] = set()
    for path in WORD_LISTS:
        try:
            text = path.read_text(encoding="utf-8", errors="ignore")
        except OSError:
            continue
        words.update(w for w in text.split() if w.islower() and w.isalpha())
    return frozenset(words)


def _values(elem) -> list[str]:
    v = elem.value
    if v is None or v == "" or isinstance(v, bytes):
        return []
    return [str(x) for x in (v if isinstance(v, (list, MultiValue)) else [v])]


def _norm(text: str) -> str:
    return " ".join(w.lower() for w in _WORD.findall(text))


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def tag_text(tag: int) -> str:
    """``(gggg,eeee) Keyword`` for a reason line."""
    kw = keyword_for_tag(tag) or "private"
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X}) {kw}"


@dataclass(frozen=True)
class Hit:
    """One identity token found where it must not be: which attribute it came from, where it
    was found and which rule fired (no value)."""

    source: str
    where: str
    rule: str

    def reason(self) -> str:
        return f"{self.source}-derived token found in {self.where} ({self.rule})"


class IdentityTokens:
    """The identity tokens of one original dataset, built before it is cleaned.

    ``retained(elem)`` says whether an element is kept as it is under the active options; the
    tokens of those elements' original values are exempt from the guard.
    """

    def __init__(self, ds: Dataset, retained) -> None:
        self.sources: dict[str, set[str]] = {}  # word / digit run / whole value -> source keywords
        self.wholes: dict[str, set[str]] = {}  # normalised whole values (several words)
        self.name_words: set[str] = set()  # words of person names: scrubbed even if common
        self.exempt: set[str] = set()
        common = common_words()
        for elem in ds.iterall():
            if elem.VR == "SQ" or elem.tag.is_private:
                continue
            kw = keyword_for_tag(elem.tag) or ""
            if elem.VR == "PN" or kw in IDENTIFYING:
                for value in _values(elem):
                    self._add(kw or tag_text(int(elem.tag)), value, elem.VR == "PN", common)
            elif retained(elem):
                for value in _values(elem):
                    self.exempt.update(_words(value))
                    self.exempt.add(_norm(value))

    def _add(self, source: str, value: str, is_name: bool, common: frozenset[str]) -> None:
        value = value.strip().strip("\x00")
        if not value:
            return
        norm = _norm(value.replace("^", " "))
        if " " in norm and len(norm) >= 6:
            self.wholes.setdefault(norm, set()).add(source)
        for w in _words(value):
            if w.isdigit():
                if len(w) >= MIN_DIGITS:
                    self.sources.setdefault(w, set()).add(source)
            elif len(w) >= OCR_MIN_LETTERS and w not in common:
                self.sources.setdefault(w, set()).add(source)
            elif is_name and len(w) >= OCR_MIN_LETTERS:
                self.name_words.add(w)
        for variant in date_variants(value)[1:]:  # written with separators: matched whole
            self.wholes.setdefault(_norm(variant), set()).add(source)

    @property
    def keywords(self) -> list[str]:
        """The attributes the tokens came from."""
        out: set[str] = set()
        for srcs in (*self.sources.values(), *self.wholes.values()):
            out |= srcs
        return sorted(out)

    def scrub_tokens(self) -> set[str]:
        """Everything to cut out of kept free text: tokens, whole values and name words."""
        return set(self.sources) | set(self.wholes) | self.name_words

    def _guarded(self) -> dict[str, set[str]]:
        return {t: s for t, s in self.sources.items() if t not in self.exempt and _long_enough(t)}

    def find(self, ds: Dataset, skip) -> list[Hit]:
        """Identity tokens still present in the cleaned ``ds`` (``skip(elem)``: not checked)."""
        guarded = self._guarded()
        wholes = {w: s for w, s in self.wholes.items() if w not in self.exempt}
        hits: dict[tuple[str, str], Hit] = {}
        for elem in ds.iterall():
            if elem.VR == "SQ" or skip(elem):
                continue
            text = " ".join(_values(elem))
            if not text:
                continue
            words = _words(text)
            digits = [w for w in words if w.isdigit()]
            where = tag_text(int(elem.tag))
            for word in words:
                for src in guarded.get(word, ()):
                    hits.setdefault((src, where), Hit(src, where, "word of an identifying value"))
            for tok, srcs in guarded.items():
                if tok.isdigit() and any(tok in d and tok != d for d in digits):
                    for src in srcs:
                        hits.setdefault((src, where), Hit(src, where, "digits of an identifying value"))
            norm = " ".join(words)
            for whole, srcs in wholes.items():
                if whole in norm:
                    for src in srcs:
                        hits.setdefault((src, where), Hit(src, where, "whole identifying value"))
        return sorted(hits.values(), key=lambda h: (h.source, h.where))

    def match_word(self, word: str) -> list[str]:
        """Source keywords of a removed identity token equal to ``word`` (>= 3 letters, as read
        by OCR), or [] when it is no identity token."""
        w = word.lower()
        if len(w) < OCR_MIN_LETTERS or w in self.exempt:
            return []
        return sorted(self.sources.get(w, ()))


def _long_enough(token: str) -> bool:
    return len(token) >= (MIN_DIGITS if token.isdigit() else GUARD_MIN_LETTERS)


def sources_of(hits: Iterable[Hit]) -> list[str]:
    """Distinct source keywords of some hits, for a report."""
    return sorted({h.source for h in hits})
