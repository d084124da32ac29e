"""De-identify files on import: ``deidentify_file`` for one file, ``deidentify_tree`` for many.

Fails closed: a file whose pixels cannot be decoded, whose scan area cannot be found with
confidence, or whose cleaned header still holds an identifying value is quarantined (a sidecar
JSON with the reason under ``out_dir/quarantine/``), never written as cleaned output.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID

from imgtrainer.deid.context import DeidContext, DeidResult
from imgtrainer.deid.header import HeaderCleaner, add_method_attributes, drop_unreadable
from imgtrainer.deid.kept_text import check_kept_text
from imgtrainer.deid.media_files import deidentify_media
from imgtrainer.deid.outcome import QUARANTINE_DIR, dataset_bytes, quarantine, write_json
from imgtrainer.deid.pixels import decode_frames, keep_mask, mask_frames, n_frames, store_frames
from imgtrainer.errors import DeidError
from imgtrainer.fileio import atomic_write_bytes
from imgtrainer.media.dicom_video import VIDEO_SYNTAXES
from imgtrainer.media.files import iter_media_files
from imgtrainer.media.open import sniff_kind
from imgtrainer.noise import reading

__all__ = [
    "QUARANTINE_DIR",
    "dataset_bytes",
    "deidentify_file",
    "deidentify_tree",
    "quarantine",
    "write_json",
]

REPORT_NAME = "deid-report.json"
_US_IMAGE = "1.2.840.10008.5.1.4.1.1.6.1"
_US_MULTIFRAME = "1.2.840.10008.5.1.4.1.1.3.1"


def _file_meta(ds: Dataset, ts: str) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = UID(ts)
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = "IMGTRAINER_DEID"
    return meta


def _swap_big_endian_ow(ds: Dataset) -> None:
    """OW values read from a big-endian file are raw big-endian bytes: swap them for LE output."""
    for elem in ds.iterall():
        if elem.VR == "OW" and int(elem.tag) != 0x7FE00010 and isinstance(elem.value, bytes):
            b = bytearray(elem.value)
            b[0::2], b[1::2] = elem.value[1::2], elem.value[0::2]
            elem.value = bytes(b)


def deidentify_dicom(src: Path, out_dir: Path, ctx: DeidContext) -> DeidResult:
    """One DICOM file -> cleaned file in ``out_dir`` (named by a hash) or quarantine."""
    where = src.name
    try:
        ds = pydicom.dcmread(src, force=True)
    except Exception as exc:
        return quarantine(src, out_dir, ctx, f"{where}: not readable as DICOM ({type(exc).__name__}: {exc})")
    ts = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    if ts is None:
        return quarantine(
            src, out_dir, ctx, f"{where}: no Transfer Syntax UID in the file meta (encoding ambiguous)"
        )
    if str(ts) in VIDEO_SYNTAXES:  # MPEG-2 / H.264 / HEVC stream: decode, mask, re-encode
        from imgtrainer.deid.video_dicom import deidentify_video_dicom

        return deidentify_video_dicom(src, out_dir, ctx)
    big_endian = not ts.is_little_endian
    report: dict[str, Any] = {"transfer_syntax_in": ts.name}
    try:
        report["unreadable_elements_removed"] = drop_unreadable(ds)
        frames = decode_frames(ds, where)
        cleaner = HeaderCleaner(ds, ctx)  # reads the identity tokens before anything changes
        if ctx.options.mask_pixels:
            keep = keep_mask(ds, frames, ctx.options.min_scan_confidence, where, ctx.options.manual_keep_box)
            frames, note = mask_frames(ds, frames, keep)
            if ctx.options.ocr:
                mask_text = ctx.options.mask_text_in_scan_area
                report["ocr"], words, reason = check_kept_text(
                    ds, frames, keep.mask, cleaner.identity, mask_text, where
                )
                if reason:
                    raise DeidError(reason)
                if words is not None:
                    keep.mask &= ~words
                    frames, note = mask_frames(ds, frames, keep)
            report["pixels"] = {**note, "kept_area": keep.to_dict()}
        cleaner.clean(ds)
        if big_endian:
            _swap_big_endian_ow(ds)
        report["transfer_syntax_out"] = store_frames(ds, frames, ctx.options.rle_output)
        add_method_attributes(ds, ctx.options.mask_pixels, cleaner.counts["dates_shifted"] > 0)
        ds.BurnedInAnnotation = "YES"  # pending faculty review; approve() sets NO
        if not ds.get("SOPInstanceUID"):
            ds.SOPInstanceUID = ctx.new_uid(f"file:{src.resolve()}")
        if not ds.get("SOPClassUID"):
            ds.SOPClassUID = _US_MULTIFRAME if n_frames(ds) > 1 else _US_IMAGE
        ds.file_meta = _file_meta(ds, ds.file_meta.TransferSyntaxUID)
        ds.preamble = b"\x00" * 128
        report["header"] = cleaner.report()
        left = cleaner.residual_identity(ds)
        if left:
            report["residual_identity"] = [h.reason() for h in left]
            more = f" (and {len(left) - 1} more, see the report)" if len(left) > 1 else ""
            raise DeidError(f"{where}: {left[0].reason()}{more}")
        data = dataset_bytes(ds)
    except DeidError as exc:
        return quarantine(src, out_dir, ctx, str(exc), report)
    except Exception as exc:  # never let one bad file stop an import
        return quarantine(
            src, out_dir, ctx, f"{where}: cannot be de-identified ({type(exc).__name__}: {exc})", report
        )
    out = out_dir / f"{ctx.file_stem(f'{ds.SOPInstanceUID}|{src.resolve()}')}.dcm"
    atomic_write_bytes(out, data)
    report["review"] = "pending"
    return DeidResult(src, "cleaned", out, None, report)


def deidentify_file(src: Path, out_dir: Path, ctx: DeidContext) -> DeidResult:
    """De-identify one file of any supported kind (DICOM, video, still) into ``out_dir``."""
    src, out_dir = Path(src), Path(out_dir)
    with reading(src):  # a library warning names this file
        return _deidentify_file(src, out_dir, ctx)


def _deidentify_file(src: Path, out_dir: Path, ctx: DeidContext) -> DeidResult:
    try:
        kind = sniff_kind(src)
    except OSError as exc:
        return quarantine(src, out_dir, ctx, f"{src.name}: cannot be read ({exc.strerror or exc})")
    if kind == "dicom":
        return deidentify_dicom(src, out_dir, ctx)
    if kind in ("video", "still"):
        return deidentify_media(src, out_dir, ctx, kind)
    return quarantine(src, out_dir, ctx, f"{src.name}: not a DICOM file, video or still image")


def iter_sources(sources: Iterable[Path], out_dir: Path | None = None) -> Iterator[Path]:
    """Media files under the given files/folders, leaving out anything inside ``out_dir``."""
    return iter_media_files(sources, exclude=out_dir)


def summarize(results: list[DeidResult]) -> dict[str, Any]:
    cleaned = sum(r.status == "cleaned" for r in results)
    return {"files": len(results), "cleaned": cleaned, "quarantined": len(results) - cleaned}


def deidentify_tree(
    sources: Iterable[Path], out_dir: Path, ctx: DeidContext | None = None, write_report: bool = True
) -> list[DeidResult]:
    """De-identify every file under ``sources`` with one shared context; writes
    ``out_dir/deid-report.json`` (per-file actions, no identifying values)."""
    ctx = ctx or DeidContext()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = [deidentify_file(p, out_dir, ctx) for p in iter_sources(sources, out_dir)]
    if write_report:
        write_json(
            out_dir / REPORT_NAME, {"summary": summarize(results), "files": [r.to_dict() for r in results]}
        )
    return results
