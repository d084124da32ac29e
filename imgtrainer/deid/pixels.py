"""Burned-in text removal for DICOM pixel data: keep the scan area, black out the rest.

Every ultrasound frame is assumed to carry burned-in text, whatever Burned In Annotation says.
The kept area is the union of the Ultrasound Regions' rectangles (clipped to the frame) when they
are usable, otherwise the area found by ``imgtrainer.media.scanarea.detect_scan_area``. Pixels
inside the kept area are never changed. Output is always lossless:

- MONOCHROME1/2 and RGB: stored values kept, outside set to black (0, or the maximum for MONO1);
- YBR_* (JPEG Baseline, JPEG 2000 RCT/ICT, ...): decoded to RGB by pydicom, written as RGB;
- PALETTE COLOR: indices and LUT kept, outside set to an index whose LUT colour is black; when
  the LUT has no black entry the frames are converted to 8-bit RGB;
- any compressed input is decoded; output is RLE Lossless (or uncompressed on request).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import apply_color_lut, pixel_array
from pydicom.uid import ExplicitVRLittleEndian, RLELossless

from imgtrainer.deid.textlines import cut_text
from imgtrainer.errors import DeidError
from imgtrainer.media.regions import parse_regions
from imgtrainer.media.scanarea import detect_scan_area, to_gray

SKIPPED_REGION_FORMATS = frozenset({"GRAPHICS"})
"""Region spatial formats not kept: graphics regions hold annotations, not image data (regions
with format NONE are kept: some vendors describe the whole image area that way)."""
MAX_REGION_FRACTION = 0.97
"""Regions covering more of the frame than this leave no banner to remove: detect instead."""


@dataclass
class KeepMask:
    """Pixels kept (True) on every frame, where they came from and how sure that is (0..1)."""

    mask: np.ndarray
    source: str  # "regions" | "detected"
    confidence: float
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)
    text_cut: list[tuple[int, int, int, int]] = field(default_factory=list)  # text lines removed
    clipped: bool = False  # a region reached outside the frame and was clipped to it

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "confidence": round(float(self.confidence), 3),
            "boxes": [list(b) for b in self.boxes],
            "kept_fraction": round(float(self.mask.mean()), 4),
            "text_lines_cut": [[int(v) for v in b] for b in self.text_cut],
            "regions_clipped_to_frame": self.clipped,
        }


def n_frames(ds: Dataset) -> int:
    try:
        return max(1, int(ds.get("NumberOfFrames", 1) or 1))
    except (TypeError, ValueError):
        return 1


def decode_frames(ds: Dataset, where: str) -> np.ndarray:
    """All frames as stored values ``(n, rows, cols[, samples])``; YBR comes back as RGB and the
    dataset's Photometric Interpretation is updated to match. Raises DeidError if undecodable."""
    if "PixelData" not in ds:
        raise DeidError(f"{where}: no Pixel Data (7FE0,0010) to check for burned-in text")
    try:
        pi_in = str(ds.get("PhotometricInterpretation", "")).strip()
        spp_in = int(ds.get("SamplesPerPixel", 1) or 1)
        if ds.file_meta.TransferSyntaxUID.is_compressed and pi_in in _YBR_FULL and spp_in == 3:
            # decoded as stored, converted with OpenCV (5x faster than pydicom's, within 1 level);
            # the Pixel Data is rewritten by ``store_frames``
            arr = ybr_full_to_rgb(np.asarray(pixel_array(ds, as_rgb=False)))
            ds.PhotometricInterpretation = "RGB"
        else:
            if ds.file_meta.TransferSyntaxUID.is_compressed:
                ds.decompress(as_rgb=True, generate_instance_uid=False)
            arr = ds.pixel_array
    except Exception as exc:  # any decoder failure means we cannot vouch for the pixels
        raise DeidError(f"{where}: pixel data cannot be decoded ({type(exc).__name__}: {exc})") from None
    arr = np.asarray(arr)
    spp = int(ds.get("SamplesPerPixel", 1) or 1)
    if n_frames(ds) == 1:
        arr = arr[None]
    if arr.ndim != (4 if spp > 1 else 3):
        raise DeidError(f"{where}: unexpected pixel array shape {arr.shape}")
    pi = str(ds.get("PhotometricInterpretation", "")).strip()
    if pi in ("YBR_FULL", "YBR_FULL_422") and spp == 3:  # native YBR: pydicom returned RGB
        ds.PhotometricInterpretation = "RGB"
    elif pi.startswith("YBR") and spp == 3:
        raise DeidError(f"{where}: {pi} pixels were not converted to RGB")
    return np.ascontiguousarray(arr)


_YBR_FULL = ("YBR_FULL", "YBR_FULL_422")


def ybr_full_to_rgb(arr: np.ndarray) -> np.ndarray:
    """8-bit YBR_FULL (Y, Cb, Cr; any leading frame axes) to RGB, PS3.3 C.7.6.3.1.2."""
    if arr.dtype != np.uint8:
        raise ValueError(f"YBR_FULL with {arr.dtype} samples")
    shape = arr.shape
    ycrcb = np.ascontiguousarray(arr[..., [0, 2, 1]]).reshape(-1, shape[-2], 3)
    return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB).reshape(shape)


def display_gray(ds: Dataset, frames: np.ndarray) -> np.ndarray:
    """uint8 grey frames for scan-area detection (palette applied, >8 bits scaled)."""
    pi = str(ds.get("PhotometricInterpretation", "")).strip()
    out = []
    for f in frames:
        g = apply_color_lut(f, ds) if pi == "PALETTE COLOR" else f
        g = np.asarray(g)
        if g.dtype != np.uint8:
            g = g.astype(np.float64)
            lo, hi = float(g.min()), float(g.max())
            g = ((g - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(g)).astype(np.uint8)
        gray = to_gray(g)
        out.append(255 - gray if pi == "MONOCHROME1" else gray)
    return np.stack(out)


def keep_mask(
    ds: Dataset,
    frames: np.ndarray,
    min_confidence: float,
    where: str,
    manual_box: tuple[int, int, int, int] | None = None,
) -> KeepMask:
    """The kept area: union of usable region rectangles, else the detected scan area."""
    rows, cols = frames.shape[1], frames.shape[2]
    if manual_box is not None:  # faculty drew the scan area by hand (re-mask in import review)
        return manual_keep_mask(manual_box, rows, cols, where)
    regions, _ = parse_regions(ds)
    mask = np.zeros((rows, cols), bool)
    boxes = []
    clipped = False
    for r in regions:
        if r.spatial_format in SKIPPED_REGION_FORMATS:
            continue
        clipped = clipped or max(r.x0, r.x1) >= cols or max(r.y0, r.y1) >= rows or min(r.x0, r.y0) < 0
        x0, x1 = max(0, min(r.x0, r.x1)), min(cols - 1, max(r.x0, r.x1))
        y0, y1 = max(0, min(r.y0, r.y1)), min(rows - 1, max(r.y0, r.y1))
        if x1 > x0 and y1 > y0:
            mask[y0 : y1 + 1, x0 : x1 + 1] = True
            boxes.append((x0, y0, x1, y1))
    frac = float(mask.mean())
    gray = display_gray(ds, frames[:: max(1, len(frames) // 32)])
    if boxes and mask.sum() >= 64 and frac <= MAX_REGION_FRACTION:
        # Defence in depth: some vendors burn text inside their own region rectangle (in the
        # black corners beside a sector). Static text lines on flat dark ground are cut out.
        mask, cut = cut_text(mask, gray)
        return KeepMask(mask, "regions", 0.8 if clipped else 0.95, boxes, cut, clipped=clipped)
    area = detect_scan_area(gray)
    if area.confidence < min_confidence:
        raise DeidError(
            f"{where}: scan area not found with confidence ({area.confidence:.2f} < {min_confidence:.2f}); "
            "burned-in text cannot be removed safely"
        )
    if area.mask.mean() >= 0.995:
        raise DeidError(f"{where}: detected scan area is the whole frame; burned-in text cannot be excluded")
    mask, cut = cut_text(area.mask.astype(bool), gray)
    return KeepMask(mask, "detected", float(area.confidence), [tuple(area.bbox)], cut)


def manual_keep_mask(box: tuple[int, int, int, int], rows: int, cols: int, where: str) -> KeepMask:
    """A keep mask of exactly the inclusive box (x0, y0, x1, y1), clipped to the frame."""
    x0, y0, x1, y1 = (round(v) for v in box)
    x0, x1 = sorted((max(0, x0), min(cols - 1, x1)))
    y0, y1 = sorted((max(0, y0), min(rows - 1, y1)))
    if x1 - x0 < 8 or y1 - y0 < 8:
        raise DeidError(f"{where}: the hand-drawn scan area ({x0},{y0})-({x1},{y1}) is too small")
    mask = np.zeros((rows, cols), bool)
    mask[y0 : y1 + 1, x0 : x1 + 1] = True
    return KeepMask(mask, "manual", 1.0, [(x0, y0, x1, y1)])


def _black_value(ds: Dataset, frames: np.ndarray) -> int:
    pi = str(ds.get("PhotometricInterpretation", "")).strip()
    signed = int(ds.get("PixelRepresentation", 0) or 0) == 1
    bits = int(ds.get("BitsStored", 8) or 8)
    if pi == "MONOCHROME1":
        return (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    return -(1 << (bits - 1)) if signed else 0


def _palette_black_index(ds: Dataset) -> int | None:
    try:
        bits = int(ds.BitsStored)
        lut = np.asarray(
            apply_color_lut(np.arange(1 << min(bits, 16), dtype=np.uint16 if bits > 8 else np.uint8), ds)
        )
    except Exception:
        return None
    hits = np.flatnonzero((lut.reshape(-1, 3) == 0).all(axis=1))
    return int(hits[0]) if hits.size else None


def _palette_to_rgb(ds: Dataset, frames: np.ndarray) -> np.ndarray:
    rgb = np.asarray(apply_color_lut(frames, ds))
    if rgb.dtype != np.uint8:
        rgb = (rgb >> 8).astype(np.uint8) if rgb.max() > 255 else rgb.astype(np.uint8)
    for kw in list(ds.dir()):
        if "PaletteColorLookupTable" in kw or kw == "PaletteColorLookupTableUID":
            del ds[kw]
    ds.PhotometricInterpretation = "RGB"
    ds.SamplesPerPixel = 3
    ds.PlanarConfiguration = 0
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    return np.ascontiguousarray(rgb)


def mask_frames(ds: Dataset, frames: np.ndarray, keep: KeepMask) -> tuple[np.ndarray, dict[str, Any]]:
    """Frames with everything outside ``keep`` black; the dataset is updated when the pixel
    representation has to change (palette without a black entry -> RGB)."""
    pi = str(ds.get("PhotometricInterpretation", "")).strip()
    note: dict[str, Any] = {"photometric_in": pi}
    outside = ~keep.mask
    if pi == "PALETTE COLOR":
        idx = _palette_black_index(ds)
        if idx is None:
            frames = _palette_to_rgb(ds, frames)
            note["palette"] = "no black LUT entry: converted to RGB"
            fill: int = 0
        else:
            fill = idx
            note["palette"] = f"indices kept, masked with black index {idx}"
    else:
        fill = _black_value(ds, frames)
    out = frames.copy() if not frames.flags.writeable else frames
    out[:, outside] = fill
    note["photometric_out"] = str(ds.PhotometricInterpretation)
    note["frames"] = int(out.shape[0])
    note["masked_fraction"] = round(float(outside.mean()), 4)
    return out, note


def store_frames(ds: Dataset, frames: np.ndarray, rle: bool) -> str:
    """Write frames back as RLE Lossless (or Explicit VR Little Endian); returns the syntax name."""
    if "SamplesPerPixel" in ds and int(ds.SamplesPerPixel) == 3:
        ds.PlanarConfiguration = 0
    arr = frames if n_frames(ds) > 1 else frames[0]
    if arr.dtype.byteorder == ">" or (arr.dtype.byteorder == "=" and np.little_endian is False):
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    if rle:
        try:
            ds.compress(RLELossless, np.ascontiguousarray(arr), generate_instance_uid=False)
            return RLELossless.name
        except Exception:  # no RLE encoder: fall back to uncompressed
            pass
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.PixelData = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
    ds["PixelData"].VR = "OB" if int(ds.BitsAllocated) <= 8 else "OW"
    ds["PixelData"].is_undefined_length = False
    return ExplicitVRLittleEndian.name
