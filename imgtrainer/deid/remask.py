"""Faculty re-mask: redo the pixel masking of a cleaned file with a hand-drawn scan area.

Used by the import review when the detected scan area was wrong. With the original file at
hand the whole de-identification is re-run with ``DeidOptions.manual_keep_box`` (so a box
larger than the detected area brings image back). Without it, the cleaned file is masked
further: everything outside the box is blacked out as well (it can only ever remove more).
The result stays pending review (Burned In Annotation = YES) until ``approve``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from imgtrainer.deid.context import DeidContext, DeidOptions
from imgtrainer.deid.media_files import SIDECAR_SUFFIX
from imgtrainer.deid.pipeline import dataset_bytes, write_json
from imgtrainer.errors import DeidError
from imgtrainer.fileio import atomic_write_bytes

Box = tuple[int, int, int, int]


def remask_file(cleaned: Path, box: Box, original: Path | None = None) -> dict[str, Any]:
    """Re-mask ``cleaned`` in place (atomically) keeping only ``box`` = (x0, y0, x1, y1) inclusive.

    Returns the pixel report of the new masking. Raises DeidError naming the file on failure.
    """
    cleaned = Path(cleaned)
    if not cleaned.is_file():
        raise DeidError(f"{cleaned}: no such file to re-mask")
    if original is not None and Path(original).is_file():
        return _from_original(cleaned, box, Path(original))
    return _further(cleaned, box)


def _from_original(cleaned: Path, box: Box, original: Path) -> dict[str, Any]:
    from imgtrainer.deid.pipeline import deidentify_file

    ctx = DeidContext(options=DeidOptions(manual_keep_box=tuple(int(v) for v in box)))  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory(prefix=".remask-", dir=cleaned.parent) as tmp:
        result = deidentify_file(original, Path(tmp), ctx)
        if result.status != "cleaned" or result.output is None:
            raise DeidError(f"{original.name}: re-masking failed: {result.reason}")
        if result.output.suffix.lower() != cleaned.suffix.lower() and cleaned.suffix.lower() != ".dcm":
            raise DeidError(
                f"{cleaned.name}: re-masked output is {result.output.suffix}, not {cleaned.suffix}"
            )
        side = result.output.with_name(result.output.name + SIDECAR_SUFFIX)
        if side.is_file():
            shutil.move(str(side), cleaned.with_name(cleaned.name + SIDECAR_SUFFIX))
        atomic_write_bytes(cleaned, result.output.read_bytes())
    return {**dict(result.report.get("pixels", {})), "remask": "from original"}


def _further(cleaned: Path, box: Box) -> dict[str, Any]:
    import pydicom

    from imgtrainer.deid.pixels import decode_frames, manual_keep_mask, mask_frames, store_frames
    from imgtrainer.deid.review import _is_dicom

    if _is_dicom(cleaned):
        ds = pydicom.dcmread(cleaned)
        frames = decode_frames(ds, cleaned.name)
        keep = manual_keep_mask(box, frames.shape[1], frames.shape[2], cleaned.name)
        frames, note = mask_frames(ds, frames, keep)
        store_frames(ds, frames, rle=True)
        ds.BurnedInAnnotation = "YES"  # pending review again
        atomic_write_bytes(cleaned, dataset_bytes(ds))
        return {**note, "kept_area": keep.to_dict(), "remask": "cleaned file masked further"}
    return _further_media(cleaned, box)


def _further_media(cleaned: Path, box: Box) -> dict[str, Any]:
    import json

    from imgtrainer.deid.media_files import _masked, _write_ffv1, _write_png
    from imgtrainer.deid.pixels import manual_keep_mask
    from imgtrainer.media import open_clip

    side = cleaned.with_name(cleaned.name + SIDECAR_SUFFIX)
    with tempfile.TemporaryDirectory(prefix=".remask-", dir=cleaned.parent) as tmp:
        out = Path(tmp) / cleaned.name
        with open_clip(cleaned) as clip:
            keep = manual_keep_mask(box, clip.rows, clip.cols, cleaned.name)
            if cleaned.suffix.lower() == ".png" or clip.n_frames == 1:
                _write_png(out, _masked(clip.frame(0), ~keep.mask))
            else:
                _write_ffv1(out, clip, ~keep.mask)
        atomic_write_bytes(cleaned, out.read_bytes())
    data = json.loads(side.read_text()) if side.is_file() else {}
    data["review"] = "pending"
    report = {"kept_area": keep.to_dict(), "remask": "cleaned file masked further"}
    data.setdefault("report", {})["remask"] = report
    write_json(side, data)
    return report
