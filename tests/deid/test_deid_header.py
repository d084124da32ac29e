"""Header de-identification over one import of PHI-laden generated files: no planted string
survives anywhere, UIDs stay consistent, date intervals are exact, geometry is kept."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pydicom
import pytest
from phi_factory import ACQ_DT, CONTENT_DATE, REGION, STUDY_DATE, TOKENS

from imgtrainer.deid import DeidContext

UID_RE = re.compile(r"^(0|[1-9]\d*)(\.(0|[1-9]\d*))*$")


def _cleaned(phi_import):
    return {name: r for name, r in phi_import.results.items() if r.status == "cleaned"}


def _read(phi_import, name):
    return pydicom.dcmread(phi_import.results[name].output)


def _hits(data: bytes) -> list[str]:
    low = data.lower()
    return [t for t in TOKENS if t.lower().encode() in low]


def test_every_expected_file_cleaned_and_broken_ones_quarantined(phi_import):
    statuses = {n: r.status for n, r in phi_import.results.items()}
    assert statuses["truncated.dcm"] == statuses["ambiguous.dcm"] == statuses["garbage.dcm"] == "quarantined"
    cleaned = [n for n in phi_import.planted if statuses[n] == "cleaned"]
    assert sorted(cleaned) == sorted(phi_import.planted), statuses


def test_no_planted_string_in_any_output_raw_or_decompressed(phi_import):
    files = [p for p in phi_import.out.rglob("*") if p.is_file()]
    assert len(files) >= len(phi_import.planted) + 1  # outputs + report (+ quarantine sidecars)
    for p in files:
        raw = p.read_bytes()
        assert _hits(raw) == [], p.name
        if p.suffix == ".dcm":
            ds = pydicom.dcmread(p)
            ds.decompress()
            assert _hits(ds.PixelData) == [], p.name
            assert _hits(str(ds).encode()) == [], p.name


def test_profile_attributes_and_file_meta(phi_import):
    for name, r in _cleaned(phi_import).items():
        ds = pydicom.dcmread(r.output)
        assert ds.PatientIdentityRemoved == "YES"
        codes = {i.CodeValue for i in ds.DeidentificationMethodCodeSequence}
        assert {"113100", "113107", "113105", "113109", "113101"} <= codes
        assert all(i.CodingSchemeDesignator == "DCM" for i in ds.DeidentificationMethodCodeSequence)
        assert ds.LongitudinalTemporalInformationModified == "MODIFIED"
        assert ds.BurnedInAnnotation == "YES"  # pending review
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert "SourceApplicationEntityTitle" not in ds.file_meta
        assert ds.PatientName == "" and ds.PatientID.startswith("ANON")
        for elem in ds.iterall():
            g = elem.tag.group
            assert not elem.tag.is_private, (name, elem.tag)
            assert not (0x5000 <= g <= 0x50FF or 0x6000 <= g <= 0x60FF), (name, elem.tag)
        assert "OriginalAttributesSequence" not in ds
        assert ds.DeviceSerialNumber == "SN-42" and ds.StationName == "US-CART-3"  # device identity kept
        assert ds.Manufacturer == "SynthSound"


def test_descriptors_cleaned_not_dropped(phi_import):
    ds = _read(phi_import, "rgb_1.dcm")
    assert ds.StudyDescription == "Lung POCUS"  # name and date cut out, meaning kept
    assert ds.SeriesDescription == "B-lines"
    mid = ds.AnatomicRegionSequence[0]
    assert mid.CodeMeaning == "chest" and mid.CodeValue == "C2"
    inner = mid.AnatomicRegionModifierSequence[0]
    assert inner.CodeMeaning == "left" and inner.PatientName == ""


def test_uids_replaced_consistently_and_valid(phi_import):
    ctx = phi_import.ctx
    a = phi_import.planted["grey_1.dcm"]
    ds_a = _read(phi_import, "grey_1.dcm")
    ds_b = _read(phi_import, "refers_to_grey_1.dcm")
    assert ds_a.SOPInstanceUID == ctx.uid_map[a.sop_uid] != a.sop_uid
    ref = ds_b.ReferencedImageSequence[0]
    assert ref.ReferencedSOPInstanceUID == ds_a.SOPInstanceUID
    assert ref.SourceImageSequence[0].ReferencedSOPInstanceUID == ds_a.SOPInstanceUID  # 2 deep
    assert ref.ReferencedSOPClassUID == "1.2.840.10008.5.1.4.1.1.6.1"  # class UIDs kept
    purpose = ref.SourceImageSequence[0].PurposeOfReferenceCodeSequence[0]  # 3 deep
    assert purpose.PatientName == "" and "Zorblatt" not in purpose.CodeMeaning
    for r in _cleaned(phi_import).values():
        ds = pydicom.dcmread(r.output)
        for elem in ds.iterall():
            if elem.VR == "UI" and elem.value:
                v = str(elem.value)
                assert len(v) <= 64 and UID_RE.match(v), (elem.tag, v)
        assert ds.StudyInstanceUID.startswith("2.25.")


def _days(a: str, b: str) -> int:
    return (dt.datetime.strptime(b[:8], "%Y%m%d") - dt.datetime.strptime(a[:8], "%Y%m%d")).days


def test_date_intervals_preserved_exactly(phi_import):
    offsets = {}
    for name, r in _cleaned(phi_import).items():
        ds = pydicom.dcmread(r.output)
        assert _days(ds.StudyDate, ds.ContentDate) == _days(STUDY_DATE, CONTENT_DATE)
        assert _days(ds.StudyDate, ds.AcquisitionDateTime) == _days(STUDY_DATE, ACQ_DT)
        assert ds.AcquisitionDateTime[8:] == ACQ_DT[8:]  # time part kept: offset is whole days
        assert ds.StudyTime == "101500" and ds.ContentTime == "101531.5"
        shift = _days(STUDY_DATE, ds.StudyDate)
        assert -3650 <= shift <= -365
        offsets[name] = shift
    same_patient = {v for k, v in offsets.items() if k != "patient_b.dcm"}
    assert len(same_patient) == 1  # one offset per patient across the import


def test_offset_comes_from_secret_salt_not_data():
    key = DeidContext(salt=b"one").patient_key("PID-1")
    offs = {DeidContext(salt=bytes([i])).date_offset_days(key) for i in range(8)}
    assert len(offs) > 1
    assert DeidContext(salt=b"one").date_offset_days(key) == DeidContext(salt=b"one").date_offset_days(key)


def test_regions_geometry_and_calibration_kept(phi_import):
    for name in ("grey_3.dcm", "jpeg_1.dcm", "palette_1.dcm"):
        r = _read(phi_import, name).SequenceOfUltrasoundRegions[0]
        box = (r.RegionLocationMinX0, r.RegionLocationMinY0, r.RegionLocationMaxX1, r.RegionLocationMaxY1)
        assert box == REGION
        assert r.PhysicalDeltaX == pytest.approx(0.0125) and r.PhysicalUnitsXDirection == 3


def test_report_lists_actions_without_values(phi_import):
    report = json.loads((phi_import.out / "deid-report.json").read_text())
    assert report["summary"]["quarantined"] == 3
    entry = next(f for f in report["files"] if f["source"].endswith("grey_1.dcm"))
    hdr = entry["report"]["header"]
    assert "OriginalAttributesSequence" in hdr["removed"] and "PatientName" in hdr["emptied"]
    assert hdr["uids_replaced"] >= 4 and hdr["dates_shifted"] >= 4 and hdr["private_removed"] >= 2
    assert entry["report"]["pixels"]["kept_area"]["source"] == "regions"
    for q in (f for f in report["files"] if f["status"] == "quarantined"):
        sidecar = json.loads(Path(q["report"]["sidecar"]).read_text())
        assert sidecar["reason"] and sidecar["status"] == "quarantined"
