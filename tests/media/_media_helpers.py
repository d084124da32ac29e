"""Helpers for the media tests: an independent reference decoder and synthetic JPEG streams."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pydicom
from pydicom.pixels import apply_color_lut

BROKEN = {"pydicom/MR_truncated.dcm": "TruncatedPixelDataError", "pydicom/no_meta.dcm": "NotDicomError"}
LOSSLESS_TS = {
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2.5",
    "1.2.840.10008.1.2.4.70",
    "1.2.840.10008.1.2.4.80",
    "1.2.840.10008.1.2.4.90",
}


def reference_frame(path: Path, index: int = 0) -> np.ndarray:
    """Frame ``index`` decoded independently by pydicom + pylibjpeg (palette applied, RGB out)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path)
        arr = pydicom.pixels.pixel_array(ds, index=index)
        if ds.PhotometricInterpretation == "PALETTE COLOR":
            arr = apply_color_lut(arr, ds)
            if arr.max() > 255:
                arr = arr >> 8
            arr = arr.astype(np.uint8)
    return arr


def all_dicoms(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() not in (".md", ".txt"))


def rgb_jpeg_without_markers(img: np.ndarray) -> bytes:
    """A JPEG whose components are RGB (no colour transform) with no Adobe marker and ids 1,2,3.

    libjpeg-turbo assumes such a stream is YCbCr and converts it wrongly; DICOM calls it RGB.
    """
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=95, keep_rgb=True, subsampling=0)
    data = buf.getvalue()
    i = data.find(b"\xff\xee")
    seg = int.from_bytes(data[i + 2 : i + 4], "big")
    out = bytearray(data[:i] + data[i + 2 + seg :])
    j = out.find(b"\xff\xc0")
    for k in range(3):
        out[j + 10 + 3 * k] = k + 1
    j = out.find(b"\xff\xda")
    for k in range(3):
        out[j + 5 + 2 * k] = k + 1
    return bytes(out)
