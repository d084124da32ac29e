"""OCR as the second line of defence (issue 19), with the real Tesseract.

Labels burned inside the fan of real frames (fonts, sizes, colours, positions from
``benchmarks/ocr_labels.py``, which measures the full set) are found; unlabelled shared lung
frames give few false alarms; a patient's name burned inside the scan area of real DICOMs
quarantines the file with a reason that names the attribute, or is blacked out with the
reviewer-confirmed option; every word read is listed in the report."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import cv2
import numpy as np
import pydicom
import pytest
from phi_factory import plant_headers
from pydicom.uid import ExplicitVRLittleEndian

from imgtrainer.deid import DeidContext, DeidOptions, deidentify_file, ocr

pytestmark = pytest.mark.skipif(not ocr.available(), reason="tesseract is not installed")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.ocr_labels import false_alarms, lung_clips, make_labels, score  # noqa: E402

REGION_FILES = ["IM00001.implicit_little_endian.dcm", "Issue16.dcm", "JPGLosslessP14SV1_1s_1f_8b.dcm"]


def test_synthetic_labels_in_the_fan_are_detected(shared_data: Path) -> None:
    s = score(make_labels(40, seed=7))
    assert s["labels"] == 40
    assert s["detected"] >= 0.95, s


def test_false_alarms_on_unlabelled_lung_frames(shared_data: Path) -> None:
    clips = lung_clips()
    f = false_alarms(clips[::12])
    assert f["frames"] >= 20
    assert f["per_frame"] <= 0.1, f


def _name_in_fan(src: Path, out: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(src, force=True)
        if ds.file_meta.TransferSyntaxUID.is_compressed:
            ds.decompress()
        arr = ds.pixel_array.copy()
    plant_headers(ds)
    multi = int(getattr(ds, "NumberOfFrames", 1) or 1) > 1
    frames = arr if multi else arr[None]
    r = max(ds.SequenceOfUltrasoundRegions, key=lambda r: r.RegionLocationMaxX1 - r.RegionLocationMinX0)
    x0, y0, x1, y1 = (
        r.RegionLocationMinX0,
        r.RegionLocationMinY0,
        r.RegionLocationMaxX1,
        r.RegionLocationMaxY1,
    )
    h = max(14, (y1 - y0) // 14)
    for f in frames:
        colour = 255 if f.ndim == 2 else (255, 255, 255)
        cv2.putText(f, "ZYXWA QWERTINA", (x0 + (x1 - x0) // 5, (y0 + y1) // 2), 0, h / 22, colour, 2)
    if ds.PhotometricInterpretation.startswith("YBR"):
        ds.PhotometricInterpretation = "RGB"
    if getattr(ds, "SamplesPerPixel", 1) == 3:
        ds.PlanarConfiguration = 0
    ds.PixelData = (frames if multi else frames[0]).astype(arr.dtype).tobytes()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.save_as(out, enforce_file_format=False)
    return out


@pytest.mark.parametrize("name", REGION_FILES)
def test_name_inside_the_scan_area_quarantines_or_is_masked(
    shared_data: Path, tmp_path: Path, name: str
) -> None:
    src = _name_in_fan(next((shared_data / "dicom").rglob(name)), tmp_path / name)
    res = deidentify_file(src, tmp_path / "out", DeidContext())
    assert res.status == "quarantined"
    assert "OCR read a PatientName-derived token inside the kept area" in res.reason
    assert "zyxwa" not in res.reason.lower() and "zyxwa" not in str(res.report).lower()

    masked = deidentify_file(
        src, tmp_path / "out2", DeidContext(options=DeidOptions(mask_text_in_scan_area=True))
    )
    assert masked.status == "cleaned"
    assert masked.report["ocr"]["masked"] and masked.report["ocr"]["words"]
    out = pydicom.dcmread(masked.output)
    arr = out.pixel_array
    first = arr[0] if int(out.get("NumberOfFrames", 1) or 1) > 1 else arr
    read = ocr.read_frame(first, np.ones(first.shape[:2], bool))
    assert all("zyxwa" not in w.text.lower() for w in read)


def test_words_read_are_listed_in_the_report(shared_data: Path, tmp_path: Path) -> None:
    """US1_UNCR.dcm has 'PWR' markers inside its image: listed (and not quarantined)."""
    res = deidentify_file(shared_data / "dicom/pydicom-data/US1_UNCR.dcm", tmp_path, DeidContext())
    assert res.status == "cleaned"
    words = res.report["ocr"]["words"]
    assert any(w["text"] == "PWR" for w in words)
    assert all(len(w["box"]) == 4 for w in words)


def test_ocr_off(shared_data: Path, tmp_path: Path) -> None:
    res = deidentify_file(
        shared_data / "dicom/pydicom-data/US1_UNCR.dcm", tmp_path, DeidContext(options=DeidOptions(ocr=False))
    )
    assert res.status == "cleaned" and "ocr" not in res.report
