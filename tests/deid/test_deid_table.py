"""Every row of PS3.15 Table E.1-1 has an action, and that action is what happens to the
attribute in a generated dataset."""

from __future__ import annotations

import datetime as dt

import pytest
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid

from imgtrainer.deid.context import DeidContext, DeidOptions
from imgtrainer.deid.header import HeaderCleaner
from imgtrainer.deid.profile import ACTIONS, lookup, resolve, table_rows

TOKENS = ("zyxwa", "qwertina", "8675309")
ROWS = table_rows()
BINARY = {"OB", "OW", "OD", "OF", "OL", "OV", "UN"}


def _tag_and_vr(row) -> tuple[int, str]:
    if row.tag.startswith("50xx"):
        return 0x50000022, "LO"
    if row.tag.startswith("60xx"):
        return (0x60000000 | int(row.tag[5:], 16)), ("OW" if row.tag.endswith("3000") else "LT")
    try:
        return row.tag_int, dictionary_VR(row.tag_int)
    except KeyError:  # newer than pydicom's dictionary: an explicit-VR file could say LO
        return row.tag_int, "LO"


def _value(vr: str):
    return {
        "PN": "Zyxwa^Qwertina",
        "DA": "20240315",
        "DT": "20240315101530.5",
        "TM": "101530",
        "UI": generate_uid(),
        "US": 7,
        "SS": 7,
        "UL": 7,
        "SL": 7,
        "FL": 1.5,
        "FD": 1.5,
        "DS": "1.5",
        "IS": "7",
        "AS": "073Y",
        "CS": "ZYXWA",
        "AE": "ZYXWA",
        "UR": "http://zyxwa.example",
    }.get(vr, b"Zyxwa\x00\x00\x00" if vr in BINARY else "Zyxwa 8675309")


def _sq_item(uid: str) -> Dataset:
    item = Dataset()
    item.PatientName = "Zyxwa^Qwertina"
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = "1", "99X", "Zyxwa finding"
    item.ReferencedSOPInstanceUID = uid
    return item


def _has_token(value) -> bool:
    text = str(value).lower()
    return any(t in text for t in TOKENS)


def test_table_is_complete_and_every_row_resolves_to_one_action():
    assert len(ROWS) >= 650  # PS3.15 2026c lists 655 rows
    tags = [r.tag for r in ROWS]
    assert len(tags) == len(set(tags))
    for r in ROWS:
        assert r.basic in {"D", "Z", "X", "U", "K", "C", "X/Z", "X/D", "Z/D", "X/Z/D", "X/Z/U*"}, r
        assert resolve(r, DeidOptions()) in ACTIONS
        assert resolve(r, DeidOptions(False, False, False)) in ACTIONS


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        (0x00100010, "Z"),  # Patient's Name
        (0x00100020, "D"),  # Patient ID -> pseudonym
        (0x00100030, "Z"),  # Patient's Birth Date (no date option for it)
        (0x0020000D, "U"),  # Study Instance UID
        (0x00080020, "C"),  # Study Date: shifted (modified dates option)
        (0x00181000, "K"),  # Device Serial Number (retain device identity)
        (0x00081030, "C"),  # Study Description (clean descriptors)
        (0x04000561, "X"),  # Original Attributes Sequence
        (0x00080080, "X"),  # Institution Name
        (0x00081140, "U*"),  # Referenced Image Sequence
        (0x60003000, "X"),  # Overlay Data
        (0x60023000, "X"),  # Overlay Data, another overlay group
        (0x50100000, "X"),  # Curve Data
    ],
)
def test_known_rows(tag, expected):
    assert resolve(lookup(tag), DeidOptions()) == expected


def test_options_off_fall_back_to_basic_profile():
    off = DeidOptions(retain_modified_dates=False, clean_descriptors=False, retain_device_identity=False)
    assert resolve(lookup(0x00080020), off) == "Z"  # Study Date
    assert resolve(lookup(0x00181000), off) == "X"  # Device Serial Number (X/Z/D)
    assert resolve(lookup(0x00081030), off) == "X"  # Study Description


@pytest.mark.parametrize("row", ROWS, ids=[r.tag for r in ROWS])
def test_row_action_applied(row):
    ctx = DeidContext(salt=b"table")
    tag, vr = _tag_and_vr(row)
    action = resolve(row, ctx.options)
    ds = Dataset()
    ds.PatientID = "P-TABLE"
    ds.PatientName = "Zyxwa^Qwertina"  # the identity that kept text must be cleaned of
    ds.OtherPatientIDs = "8675309"
    uid = generate_uid()
    original = Sequence([_sq_item(uid)]) if vr == "SQ" else _value(vr)
    ds.add_new(tag, vr, original)
    cleaner = HeaderCleaner(ds, ctx)
    cleaner.clean(ds)
    if vr in BINARY and action in ("C", "U", "U*"):
        action = "X"  # opaque bytes cannot be cleaned or re-UIDed: removed
    if action == "X" or tag >> 16 == 0x0002:  # file meta is rebuilt, never copied into the body
        assert tag not in ds
        return
    assert tag in ds, f"{row.tag} {row.name} should be present after {action}"
    value = ds[tag].value
    if action == "Z":
        assert value in ("", None, b"") or (vr == "SQ" and len(value) == 0)
    elif action == "D":
        assert value not in ("", None, b"")
        assert value != original or vr in ("US", "SS", "UL", "SL", "FL", "FD")
        if vr != "SQ":
            assert not _has_token(value)
    elif action == "K":  # kept; only the patient's own identifiers are cut out of kept text
        assert value == original or (
            vr in ("LO", "SH", "ST", "LT", "UT", "UC", "AE", "PN") and not _has_token(value)
        )
    elif action == "U":
        assert str(value).startswith("2.25.") and len(str(value)) <= 64
        assert str(value) == ctx.new_uid(str(original))
    elif action in ("C", "U*"):
        if vr == "DA":
            shift = dt.datetime.strptime(value, "%Y%m%d") - dt.datetime.strptime(original, "%Y%m%d")
            assert shift.days == cleaner.offset_days < 0
        elif vr == "DT":
            assert value[8:] == original[8:] and value[:8] != original[:8]
        elif vr == "TM":
            assert value == original  # whole-day shift leaves the time of day
        elif vr == "SQ":
            item = value[0]
            assert item.PatientName == ""
            assert not _has_token(item.CodeMeaning)
            assert item.ReferencedSOPInstanceUID == ctx.new_uid(uid)
        elif vr in ("LO", "SH", "ST", "LT", "UT", "UC", "PN"):
            assert not _has_token(value)
    else:  # pragma: no cover - resolve() returned something unknown
        pytest.fail(f"unknown action {action}")
