"""DICOM header de-identification: PS3.15 Annex E Basic Profile plus the Retain Longitudinal
Temporal Information with Modified Dates, Clean Descriptors and Retain Device Identity options.

Every element at every depth (sequences inside sequences, Original Attributes, Referenced and
Source Image sequences, Ultrasound Regions) is visited once. Table E.1-1 rows get their resolved
action (see ``profile.resolve``); elements outside the table fail closed by VR: unknown UIDs are
replaced, person names emptied, dates shifted, free text scrubbed of the dataset's own identifying
values, private and UN elements removed, overlays (60xx) and curves (50xx) removed.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from typing import Any

from pydicom.datadict import keyword_for_tag
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.uid import UID_dictionary

from imgtrainer.deid.context import DeidContext
from imgtrainer.deid.identity import Hit, IdentityTokens
from imgtrainer.deid.profile import lookup, resolve
from imgtrainer.deid.scrub import Scrubber

TEXT_VRS = frozenset({"LO", "SH", "ST", "LT", "UT", "UC", "PN", "CS", "AE", "UR", "AS"})
_FREE_TEXT = frozenset({"LO", "SH", "ST", "LT", "UT", "UC"})
_BINARY_VRS = frozenset({"OB", "OW", "OD", "OF", "OL", "OV", "UN"})
_NUMERIC_VRS = frozenset({"US", "SS", "UL", "SL", "FL", "FD", "SV", "UV", "AT"})
_PIXEL_TAGS = frozenset({0x7FE00010, 0x7FE00008, 0x7FE00009})

_PLACE_KEYWORDS = frozenset({"InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName"})
DEVICE_KEYWORDS = frozenset({"Manufacturer", "ManufacturerModelName", "SoftwareVersions"})
"""Device description outside Table E.1-1, treated like its K rows (Retain Device Identity):
only the patient's own identifiers are cut out of them, not the institution's name (vendor
sample files often name the vendor as the institution)."""
METHOD_CODES = (
    ("113100", "Basic Application Confidentiality Profile"),
    ("113107", "Retain Longitudinal Temporal Information Modified Dates Option"),
    ("113105", "Clean Descriptors Option"),
    ("113109", "Retain Device Identity Option"),
)
CLEAN_PIXEL_CODE = ("113101", "Clean Pixel Data Option")


def _curve_or_overlay(group: int) -> bool:
    """Repeating groups 50xx (curves) and 60xx (overlays): removed whole."""
    return (0x5000 <= group <= 0x501E or 0x6000 <= group <= 0x601E) and group % 2 == 0


def _kw(tag: int) -> str:
    kw = keyword_for_tag(tag) if not (tag >> 16) % 2 else ""
    return kw or f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def _values(elem: DataElement) -> list[Any]:
    v = elem.value
    if v is None or v == "":
        return []
    return list(v) if isinstance(v, (list, MultiValue)) else [v]


def _set_values(elem: DataElement, values: list[Any]) -> None:
    elem.value = values[0] if len(values) == 1 else values


def _is_well_known_uid(value: str) -> bool:
    return str(value).strip().rstrip("\x00") in UID_dictionary


def _keeps_uid(elem: DataElement) -> bool:
    kw = keyword_for_tag(elem.tag) or ""
    return kw.endswith("ClassUID") or kw in ("TransferSyntaxUID", "CodingSchemeUID")


def _shift_da(value: str, days: int) -> str | None:
    v = str(value).strip().replace(".", "")
    try:
        d = _dt.datetime.strptime(v[:8], "%Y%m%d").date()
    except ValueError:
        return None
    return (d + _dt.timedelta(days=days)).strftime("%Y%m%d")


def _shift_dt(value: str, days: int) -> str | None:
    v = str(value).strip()
    if len(v) < 8:
        return None
    head = _shift_da(v[:8], days)
    return None if head is None else head + v[8:]


def drop_unreadable(ds: Dataset) -> int:
    """Delete stray item delimiters (FFFE,xxxx) and elements whose value cannot be decoded, at
    any depth, before anything else touches the dataset; returns how many were removed."""
    removed = 0
    for tag in list(ds.keys()):
        if tag.group == 0xFFFE:
            del ds[tag]
            removed += 1
            continue
        try:
            elem = ds[tag]
        except Exception:
            del ds[tag]
            removed += 1
            continue
        if elem.VR == "SQ":
            for item in elem.value or []:
                removed += drop_unreadable(item)
    return removed


class HeaderCleaner:
    """Cleans one dataset in place; ``report`` then says what was done (keywords, counts)."""

    def __init__(self, ds: Dataset, ctx: DeidContext) -> None:
        self.ctx = ctx
        self.options = ctx.options
        pid = str(ds.get("PatientID", "") or "")
        name = str(ds.get("PatientName", "") or "")
        birth = str(ds.get("PatientBirthDate", "") or "")
        self.patient_key = ctx.patient_key(pid, name, birth)
        self.offset_days = ctx.date_offset_days(self.patient_key)
        self.identity = IdentityTokens(ds, self._retained)
        tokens = self.identity.scrub_tokens()
        self.scrubber = Scrubber(tokens | _private_values(ds))
        places = {t for t, srcs in self.identity.sources.items() if srcs <= _PLACE_KEYWORDS}
        self.patient_scrubber = Scrubber(tokens - places)
        self.actions: dict[str, set[str]] = {a: set() for a in ("X", "Z", "D", "K", "C", "U", "U*")}
        self.counts: Counter[str] = Counter()

    def _retained(self, elem: DataElement) -> bool:
        """Kept as it is under the active options (its original value may name the vendor)."""
        if keyword_for_tag(elem.tag) in DEVICE_KEYWORDS:
            return True
        row = lookup(elem.tag)
        return bool(row) and resolve(row, self.options) == "K"

    # -- walking --------------------------------------------------------------------------------
    def clean(self, ds: Dataset, depth: int = 0) -> None:
        """Apply the profile to ``ds`` and every nested item."""
        kept_private: set[tuple[int, int]] = set()
        for tag in list(ds.keys()):
            elem = ds[tag]
            t = int(elem.tag)
            group, el = t >> 16, t & 0xFFFF
            if elem.tag.is_private:
                if not elem.tag.is_private_creator and self._safe_private(ds, elem):
                    kept_private.add((group, el >> 8))
                    self._note("K", _kw(t))
                    continue
                if not elem.tag.is_private_creator:
                    del ds[tag]
                    self.counts["private_removed"] += 1
                continue
            if el == 0 or group in (0x0002, 0xFFFE) or _curve_or_overlay(group):
                del ds[tag]
                self._note("X", _kw(t))
                continue
            if t in _PIXEL_TAGS:
                continue
            row = lookup(t)
            action = resolve(row, self.options) if row else self._default_action(elem)
            self._apply(ds, elem, action, descriptor=bool(row), depth=depth)
        for tag in list(ds.keys()):  # private creators without kept elements
            if tag.is_private and tag.is_private_creator and (tag.group, tag.element) not in kept_private:
                del ds[tag]
                self.counts["private_removed"] += 1

    def _safe_private(self, ds: Dataset, elem: DataElement) -> bool:
        if not self.options.safe_private:
            return False
        creator_tag = (elem.tag.group << 16) | (elem.tag.element >> 8)
        creator = ds.get(creator_tag)
        if creator is None:
            return False
        key = (str(creator.value).strip(), elem.tag.group, elem.tag.element & 0xFF)
        return key in self.options.safe_private

    def _default_action(self, elem: DataElement) -> str:
        vr = elem.VR
        if vr == "SQ":
            return "C"
        if vr == "UI":
            return "K" if _keeps_uid(elem) else "U"
        if vr in ("DA", "DT", "TM"):
            return "C"
        if vr == "PN":
            return "Z"
        if vr == "UN":
            return "X"
        if vr in _FREE_TEXT:
            return "S"  # scrub only
        return "K"

    def _note(self, action: str, kw: str) -> None:
        self.actions.setdefault(action, set()).add(kw)

    def _apply(self, ds: Dataset, elem: DataElement, action: str, descriptor: bool, depth: int) -> None:
        t = int(elem.tag)
        kw = _kw(t)
        vr = elem.VR
        if action == "X":
            del ds[t]
            self._note("X", kw)
            return
        if action == "Z":
            elem.value = Sequence([]) if vr == "SQ" else (b"" if vr in _BINARY_VRS else "")
            if vr in _NUMERIC_VRS:
                elem.value = None
            self._note("Z", kw)
            return
        if action == "D":
            self._dummy(elem)
            self._note("D", kw)
            return
        if vr in _BINARY_VRS and action in ("C", "U", "U*"):  # opaque bytes cannot be cleaned
            del ds[t]
            self._note("X", kw)
            return
        if vr == "SQ":  # K, C, U, U*: keep the sequence, clean each item with the same rules
            for item in elem.value or []:
                self.clean(item, depth + 1)
            self._note(action if action in ("C", "U*") else "C", kw)
            return
        if vr == "UI":
            if action == "K":
                self._note("K", kw)
                return
            new = [v if _is_well_known_uid(v) else self.ctx.new_uid(str(v)) for v in _values(elem)]
            if new:
                _set_values(elem, new)
                self.counts["uids_replaced"] += len(new)
            self._note("U", kw)
            return
        if vr in ("DA", "DT", "TM"):
            self._shift(ds, elem, kw)
            return
        if vr in TEXT_VRS and action in ("C", "K", "S"):
            keep = action == "K" or keyword_for_tag(t) in DEVICE_KEYWORDS
            self._scrub(elem, descriptor=(action == "C" and descriptor), keep=keep)
            self._note("C" if action == "S" else action, kw)
            return
        self._note(action, kw)

    def _shift(self, ds: Dataset, elem: DataElement, kw: str) -> None:
        if elem.VR == "TM":  # whole-day offset: time of day is unchanged by construction
            self._note("C", kw)
            return
        shift = _shift_da if elem.VR == "DA" else _shift_dt
        vals = _values(elem)
        new = [shift(str(v), self.offset_days) for v in vals]
        if any(n is None for n in new):
            elem.value = ""
            self.counts["dates_unparseable_emptied"] += 1
        elif new:
            _set_values(elem, [n for n in new if n is not None])
            self.counts["dates_shifted"] += len(new)
        self._note("C", kw)

    def _scrub(self, elem: DataElement, descriptor: bool, keep: bool) -> None:
        vals = _values(elem)
        if not vals or elem.VR in ("CS", "AS", "UR"):
            return
        scrubber = self.patient_scrubber if keep else self.scrubber
        new = [scrubber.scrub(str(v), descriptor=descriptor) for v in vals]
        if new != [str(v) for v in vals]:
            _set_values(elem, new)
            self.counts["text_scrubbed"] += 1

    def _dummy(self, elem: DataElement) -> None:
        vr = elem.VR
        vals = _values(elem)
        orig = str(vals[0]) if vals else ""
        if vr == "SQ":
            elem.value = Sequence([])
        elif vr == "UI":
            elem.value = self.ctx.new_uid(orig) if orig else ""
        elif vr == "DA":
            elem.value = _shift_da(orig, self.offset_days) or "19000101"
        elif vr == "DT":
            elem.value = _shift_dt(orig, self.offset_days) or "19000101000000"
        elif vr == "TM":
            elem.value = "000000"
        elif vr in ("LO", "SH", "CS", "AE"):
            elem.value = self.ctx.pseudonym(_kw(int(elem.tag)), orig, 11).replace("-", "")
        elif vr in ("PN", "ST", "LT", "UT", "UC"):
            elem.value = "ANONYMIZED"
        elif vr in ("IS", "DS"):
            elem.value = "0"
        elif vr == "AS":
            elem.value = "000Y"
        elif vr == "UR":
            elem.value = "urn:anonymized"
        elif vr in _NUMERIC_VRS:
            elem.value = 0
        elif vr in _BINARY_VRS:
            elem.value = b"\x00\x00"
        else:
            elem.value = ""

    def residual_identity(self, ds: Dataset) -> list[Hit]:
        """Identity tokens still found in the cleaned header at any depth: a guard against bugs;
        a hit quarantines the file, its reason naming source and target attributes."""

        def skip(elem: DataElement) -> bool:
            return elem.VR in ("UI", "TM") or int(elem.tag) in _PIXEL_TAGS

        return self.identity.find(ds, skip)

    def report(self) -> dict[str, Any]:
        names = {"X": "removed", "Z": "emptied", "D": "dummy", "K": "kept", "C": "cleaned_or_shifted"}
        out: dict[str, Any] = {names.get(a, a): sorted(kws) for a, kws in self.actions.items() if kws}
        out["uid_replaced_in"] = out.pop("U", [])
        out["uid_sequences"] = out.pop("U*", [])
        out.update(self.counts)
        out["date_shift"] = "whole days, per patient, secret (not recorded)"
        out["identity_sources"] = self.identity.keywords
        return out


def _private_values(ds: Dataset) -> set[str]:
    """Whole text values of private elements (removed anyway; cut from kept text if copied)."""
    out: set[str] = set()
    for elem in ds.iterall():
        if elem.tag.is_private and not elem.tag.is_private_creator and elem.VR in TEXT_VRS:
            out.update(v.strip() for v in map(str, _values(elem)) if len(v.strip()) >= 5)
    return out


def add_method_attributes(ds: Dataset, pixels_cleaned: bool, dates_shifted: bool) -> None:
    """Patient Identity Removed, De-identification Method and its code sequence (DCM codes)."""
    ds.PatientIdentityRemoved = "YES"
    codes = list(METHOD_CODES) + ([CLEAN_PIXEL_CODE] if pixels_cleaned else [])
    ds.DeidentificationMethod = ["imgtrainer: PS3.15 E.1 Basic Profile"] + [m for _, m in codes[1:]]
    items = []
    for value, meaning in codes:
        item = Dataset()
        item.CodeValue = value
        item.CodingSchemeDesignator = "DCM"
        item.CodeMeaning = meaning
        items.append(item)
    ds.DeidentificationMethodCodeSequence = Sequence(items)
    if dates_shifted:
        ds.LongitudinalTemporalInformationModified = "MODIFIED"
