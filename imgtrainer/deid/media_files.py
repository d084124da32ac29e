"""Scan-area masking for videos and stills imported from other formats (mp4, avi, gif, png, ...).

The frames are re-encoded from pixels only, so container metadata (creation dates, GPS, device
names) never reaches the output. Stills are written as PNG, videos losslessly as FFV1 in
Matroska (``.mkv``), which OpenCV can encode and read back. A sidecar ``<output>.deid.json``
holds the review state and the report.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from imgtrainer.deid import ocr
from imgtrainer.deid.context import DeidContext, DeidResult
from imgtrainer.deid.kept_text import judge, read_clip_words
from imgtrainer.deid.outcome import quarantine, write_json
from imgtrainer.deid.pixels import manual_keep_mask
from imgtrainer.deid.textlines import cut_text
from imgtrainer.errors import DeidError, ImgTrainerError
from imgtrainer.media.scanarea import find_scan_area, to_gray

SIDECAR_SUFFIX = ".deid.json"


def _bgr(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        return cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(np.ascontiguousarray(frame[..., :3]), cv2.COLOR_RGB2BGR)


def _sample_gray(clip: Any, k: int = 16) -> np.ndarray:
    idx = np.unique(np.linspace(0, clip.n_frames - 1, min(k, clip.n_frames)).round().astype(int))
    return np.stack([to_gray(np.asarray(clip.frame(int(i)))) for i in idx])


def _masked(frame: np.ndarray, outside: np.ndarray) -> np.ndarray:
    out = np.array(frame, copy=True)
    out[outside] = 0
    return out


def _write_png(path: Path, frame: np.ndarray) -> None:
    ok, buf = cv2.imencode(".png", _bgr(frame))
    if not ok:
        raise DeidError(f"{path.name}: PNG encoding failed")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".png")
    with os.fdopen(fd, "wb") as fh:
        fh.write(buf.tobytes())
    os.replace(tmp, path)


def _write_ffv1(path: Path, clip: Any, outside: np.ndarray) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".mkv")
    os.close(fd)
    try:
        writer = cv2.VideoWriter(
            tmp, cv2.VideoWriter_fourcc(*"FFV1"), float(clip.fps), (clip.cols, clip.rows)
        )
        if not writer.isOpened():
            raise DeidError(f"{path.name}: no lossless (FFV1) video encoder available")
        try:
            for i in range(clip.n_frames):
                writer.write(_bgr(_masked(clip.frame(i), outside)))
        finally:
            writer.release()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def media_keep_mask(clip: Any, ctx: DeidContext, where: str) -> tuple[np.ndarray, dict[str, Any]]:
    """Kept pixels of a video/still: the faculty's hand-drawn box if given, else the detected
    scan area without the text lines found in it. Raises DeidError when it cannot be trusted."""
    if ctx.options.manual_keep_box is not None:
        manual = manual_keep_mask(ctx.options.manual_keep_box, clip.rows, clip.cols, where)
        return manual.mask, manual.to_dict()
    area = find_scan_area(clip)
    conf = float(area.confidence)
    if conf < ctx.options.min_scan_confidence:
        raise DeidError(
            f"{where}: scan area not found with confidence ({conf:.2f}); burned-in text cannot be removed"
        )
    if area.mask.mean() >= 0.995:
        raise DeidError(f"{where}: detected scan area is the whole frame; burned-in text cannot be excluded")
    keep, cut = cut_text(area.mask.astype(bool), _sample_gray(clip))
    kept_area: dict[str, Any] = {**area.to_dict(), "text_lines_cut": [[int(v) for v in b] for b in cut]}
    if ctx.options.ocr and ocr.available():
        report, words, _ = judge(read_clip_words(clip, keep), None, ctx.options.mask_text_in_scan_area, where)
        kept_area["ocr"] = report
        if words:
            keep = keep & ~ocr.word_mask(keep.shape, words)
    return keep, kept_area


def deidentify_media(src: Path, out_dir: Path, ctx: DeidContext, kind: str) -> DeidResult:
    """One video or still -> masked lossless output (PNG / FFV1 .mkv) or quarantine."""
    from imgtrainer.media import open_clip

    where = src.name
    try:
        clip = open_clip(src)
    except ImgTrainerError as exc:
        return quarantine(src, out_dir, ctx, f"{where}: cannot be decoded ({exc})")
    except Exception as exc:
        return quarantine(src, out_dir, ctx, f"{where}: cannot be decoded ({type(exc).__name__}: {exc})")
    try:
        with clip:
            if ctx.options.manual_keep_box is not None:  # faculty re-mask: the hand-drawn box
                return _manual(src, out_dir, ctx, kind, clip)
            keep, kept_area = media_keep_mask(clip, ctx, where)
            outside = ~keep
            stem = ctx.file_stem(f"file:{src.resolve()}")
            out_dir.mkdir(parents=True, exist_ok=True)
            still = kind == "still" or clip.n_frames == 1
            out = out_dir / (stem + (".png" if still else ".mkv"))
            if still:
                _write_png(out, _masked(clip.frame(0), outside))
            else:
                _write_ffv1(out, clip, outside)
            report: dict[str, Any] = {
                "kind": kind,
                "pixels": {
                    "frames": int(clip.n_frames),
                    "kept_area": kept_area,
                    "masked_fraction": round(float(outside.mean()), 4),
                    "encoding_out": "PNG" if still else "FFV1 (lossless) in Matroska",
                },
                "header": {"removed": ["all container metadata (pixels re-encoded)"]},
                "review": "pending",
            }
    except DeidError as exc:
        return quarantine(src, out_dir, ctx, str(exc))
    except Exception as exc:
        return quarantine(
            src, out_dir, ctx, f"{where}: cannot be de-identified ({type(exc).__name__}: {exc})"
        )
    write_json(out.with_name(out.name + SIDECAR_SUFFIX), {"review": "pending", "report": report})
    return DeidResult(src, "cleaned", out, None, report)


def _manual(src: Path, out_dir: Path, ctx: DeidContext, kind: str, clip: Any) -> DeidResult:
    """Mask with the faculty's hand-drawn keep box (no detection, no text cut)."""
    from imgtrainer.deid.pixels import manual_keep_mask

    keep = manual_keep_mask(ctx.options.manual_keep_box, clip.rows, clip.cols, src.name)  # type: ignore[arg-type]
    outside = ~keep.mask
    out_dir.mkdir(parents=True, exist_ok=True)
    still = kind == "still" or clip.n_frames == 1
    out = out_dir / (ctx.file_stem(f"file:{src.resolve()}") + (".png" if still else ".mkv"))
    if still:
        _write_png(out, _masked(clip.frame(0), outside))
    else:
        _write_ffv1(out, clip, outside)
    report: dict[str, Any] = {
        "kind": kind,
        "pixels": {
            "frames": int(clip.n_frames),
            "kept_area": keep.to_dict(),
            "masked_fraction": round(float(outside.mean()), 4),
            "encoding_out": "PNG" if still else "FFV1 (lossless) in Matroska",
        },
        "header": {"removed": ["all container metadata (pixels re-encoded)"]},
        "review": "pending",
    }
    write_json(out.with_name(out.name + SIDECAR_SUFFIX), {"review": "pending", "report": report})
    return DeidResult(src, "cleaned", out, None, report)
