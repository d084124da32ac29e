"""Burned-in text: 100 % of banner pixels black on 100 % of frames, 0 pixels changed inside
the scan area, for every encoding; undecodable or ambiguous files quarantined."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from phi_factory import BANNER, REGION
from pydicom.pixels import apply_color_lut

from imgtrainer.deid import DeidContext, deidentify_file

ENCODED = [
    f"{k}_{n}.dcm"
    for k in ("grey", "rgb", "jpeg", "ybr", "rle", "palette", "palette_noblack")
    for n in (1, 3)
]


def _rgb_or_index(ds: pydicom.Dataset) -> np.ndarray:
    arr = ds.pixel_array
    arr = arr if int(ds.get("NumberOfFrames", 1) or 1) > 1 else arr[None]
    return arr


def _as_colour(ds: pydicom.Dataset, arr: np.ndarray) -> np.ndarray:
    if ds.PhotometricInterpretation == "PALETTE COLOR":
        rgb = apply_color_lut(arr, ds)
        return (rgb >> 8).astype(np.uint8) if rgb.dtype != np.uint8 else rgb
    return arr


@pytest.mark.parametrize("name", ENCODED)
def test_banner_black_scan_area_untouched(phi_import, name):
    planted = phi_import.planted[name]
    result = phi_import.results[name]
    assert result.status == "cleaned", result.reason
    out = pydicom.dcmread(result.output)
    assert out.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.5"  # RLE Lossless
    got = _rgb_or_index(out)
    assert got.shape[0] == planted.frames.shape[0]
    colour = _as_colour(out, got)
    x0, y0, x1, y1 = BANNER
    banner = colour[:, y0 : y1 + 1, x0 : x1 + 1]
    assert (banner == 0).all(), "banner must be 100 % black on 100 % of frames"
    rx0, ry0, rx1, ry1 = REGION
    outside = np.ones(got.shape[1:3], bool)
    outside[ry0 : ry1 + 1, rx0 : rx1 + 1] = False
    assert (colour[:, outside] == 0).all()
    inside_out = got[:, ry0 : ry1 + 1, rx0 : rx1 + 1]
    if name.startswith("palette_noblack"):  # converted to RGB: compare colours
        src = pydicom.dcmread(planted.path)
        before = _as_colour(src, _rgb_or_index(src))[:, ry0 : ry1 + 1, rx0 : rx1 + 1]
        assert out.PhotometricInterpretation == "RGB"
        assert np.array_equal(inside_out, before)
    else:
        assert np.array_equal(inside_out, planted.frames[:, ry0 : ry1 + 1, rx0 : rx1 + 1]), "0 pixels changed"
    if name.startswith("palette_") and not name.startswith("palette_noblack"):
        assert out.PhotometricInterpretation == "PALETTE COLOR"  # indices and LUT kept


def test_detected_sector_masks_banner(phi_import):
    r = phi_import.results["sector_8.dcm"]
    assert r.status == "cleaned", r.reason
    assert r.report["pixels"]["kept_area"]["source"] == "detected"
    got = _rgb_or_index(pydicom.dcmread(r.output))
    x0, y0, x1, y1 = BANNER
    assert (got[:, y0 : y1 + 1, x0 : x1 + 1] == 0).all()
    planted = phi_import.planted["sector_8.dcm"].frames
    kept = got != 0
    assert np.array_equal(got[kept], planted[kept])  # whatever is kept is unchanged
    assert kept.mean() > 0.2  # and the sector is mostly kept


@pytest.mark.parametrize("name", ["truncated.dcm", "ambiguous.dcm", "garbage.dcm"])
def test_undecodable_or_ambiguous_quarantined(phi_import, name):
    r = phi_import.results[name]
    assert r.status == "quarantined" and r.output is None and r.reason
    assert (phi_import.out / "quarantine").is_dir()


def test_quarantine_copy_kept_apart(tmp_path):
    import phi_factory as pf

    src = pf.make_truncated(tmp_path / "t.dcm")
    ctx = DeidContext(quarantine_copy_dir=tmp_path / "held")
    r = deidentify_file(src, tmp_path / "out", ctx)
    assert r.status == "quarantined" and "Pixel Data holds" in r.reason  # the media layer's diagnosis
    assert len(list((tmp_path / "held").iterdir())) == 1
    assert not list((tmp_path / "out").glob("*.dcm"))
