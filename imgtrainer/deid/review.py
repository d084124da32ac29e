"""The review gate and the before/after preview.

Cleaned output stays "pending review" until faculty have looked at it: DICOM output carries
Burned In Annotation = YES until ``approve`` sets it to NO (and records the approval in
De-identification Method); PNG/video output carries the state in its ``.deid.json`` sidecar.
``preview_image`` / ``render_preview`` build the side-by-side picture the CLI and GUI show.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pydicom

from imgtrainer.deid.context import DeidContext
from imgtrainer.deid.media_files import SIDECAR_SUFFIX, media_keep_mask
from imgtrainer.deid.pipeline import atomic_write_bytes, dataset_bytes, write_json
from imgtrainer.deid.pixels import decode_frames, keep_mask, mask_frames
from imgtrainer.errors import DeidError

APPROVED_NOTE = "Burned-in text review: approved"
_GAP = 8
_TINT = np.array([255, 0, 0], np.float32)  # masked area shown in red on the "after" panel
_OUTLINE = (0, 255, 0)  # kept area outlined in green on both panels


def _is_dicom(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(132)
    return head[128:132] == b"DICM"


def review_status(path: Path) -> str:
    """ "approved" or "pending" for a cleaned output file."""
    path = Path(path)
    if _is_dicom(path):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        methods = ds.get("DeidentificationMethod", [])
        methods = [methods] if isinstance(methods, str) else list(methods)
        ok = str(ds.get("BurnedInAnnotation", "")).upper() == "NO" and APPROVED_NOTE in methods
        return "approved" if ok else "pending"
    side = path.with_name(path.name + SIDECAR_SUFFIX)
    if side.is_file():
        return str(json.loads(side.read_text()).get("review", "pending"))
    return "pending"


def approve(path: Path) -> Path:
    """Mark a cleaned output as reviewed by faculty: Burned In Annotation = NO (DICOM), or
    ``review: approved`` in the sidecar (PNG/video). Written atomically; returns the path."""
    path = Path(path)
    if not path.is_file():
        raise DeidError(f"{path}: no such file to approve")
    if _is_dicom(path):
        ds = pydicom.dcmread(path)
        if str(ds.get("PatientIdentityRemoved", "")).upper() != "YES":
            raise DeidError(f"{path.name}: not a de-identified file (Patient Identity Removed is not YES)")
        ds.BurnedInAnnotation = "NO"
        methods = ds.get("DeidentificationMethod", [])
        methods = [methods] if isinstance(methods, str) else list(methods)
        if APPROVED_NOTE not in methods:
            ds.DeidentificationMethod = [*methods, APPROVED_NOTE]
        atomic_write_bytes(path, dataset_bytes(ds))
        return path
    side = path.with_name(path.name + SIDECAR_SUFFIX)
    if not side.is_file():
        raise DeidError(f"{path.name}: no de-identification sidecar ({side.name}); not a cleaned output")
    data = json.loads(side.read_text())
    data["review"] = "approved"
    write_json(side, data)
    return path


def _rgb(img: np.ndarray) -> np.ndarray:
    a = np.asarray(img)
    if a.dtype != np.uint8:
        a = a.astype(np.float64)
        lo, hi = float(a.min()), float(a.max())
        a = ((a - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(a)).astype(np.uint8)
    if a.ndim == 2:
        a = np.stack([a] * 3, axis=-1)
    return np.ascontiguousarray(a[..., :3])


def preview_image(before: np.ndarray, after: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Side-by-side RGB uint8 picture: original left, cleaned right with the blacked-out area
    tinted red; the kept scan area is outlined in green on both. ``keep`` is bool (rows, cols)."""
    b, a = _rgb(before).copy(), _rgb(after).astype(np.float32)
    out_mask = ~np.asarray(keep, bool)
    a[out_mask] = 0.6 * a[out_mask] + 0.4 * _TINT
    a = a.astype(np.uint8)
    contours, _ = cv2.findContours(np.asarray(keep, np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    for img in (b, a):
        cv2.drawContours(img, contours, -1, _OUTLINE, 1)
    gap = np.full((b.shape[0], _GAP, 3), 255, np.uint8)
    return np.hstack([b, gap, a])


def render_preview(src: Path, ctx: DeidContext | None = None, frame: int = 0) -> np.ndarray:
    """Preview of what de-identification would do to ``src`` (nothing is written)."""
    ctx = ctx or DeidContext()
    src = Path(src)
    if _is_dicom(src):
        ds = pydicom.dcmread(src, force=True)
        frames = decode_frames(ds, src.name)
        i = min(max(frame, 0), len(frames) - 1)
        before_rgb = _display_rgb(ds, frames[i])
        keep = keep_mask(ds, frames, ctx.options.min_scan_confidence, src.name, ctx.options.manual_keep_box)
        masked, _ = mask_frames(ds, frames[i : i + 1].copy(), keep)
        after_rgb = _display_rgb(ds, masked[0])
        return preview_image(before_rgb, after_rgb, keep.mask)
    from imgtrainer.media import open_clip

    with open_clip(src) as clip:
        keep, _ = media_keep_mask(clip, ctx, src.name)
        img = clip.frame(min(max(frame, 0), clip.n_frames - 1))
        after = np.array(img, copy=True)
        after[~keep] = 0
        return preview_image(img, after, keep)


def _display_rgb(ds: pydicom.Dataset, frame: np.ndarray) -> np.ndarray:
    from pydicom.pixels import apply_color_lut

    if str(ds.get("PhotometricInterpretation", "")).strip() == "PALETTE COLOR":
        frame = apply_color_lut(frame, ds)
    rgb = _rgb(frame)
    if str(ds.get("PhotometricInterpretation", "")).strip() == "MONOCHROME1":
        rgb = 255 - rgb
    return rgb
