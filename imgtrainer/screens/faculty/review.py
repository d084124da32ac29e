"""Import review, Qt-free: the queue of pending cases, their before/after frames, and the
approve / re-mask / reject actions.

The originals of an import never enter the library (they hold the patient's identity). The
faculty machine remembers where each imported case came from in a private file
``<data dir>/faculty/import_sources.json`` so that the review can show the original beside the
cleaned frame and re-run the masking from it; without the original the cleaned frame is shown
alone and a re-mask can only black out more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from imgtrainer.errors import ImgTrainerError
from imgtrainer.library.case_io import is_case_folder, load_case, media_path, read_json, save_case
from imgtrainer.library.importer import sha256_file
from imgtrainer.library.models import Case
from imgtrainer.library.originals import SOURCES_FILE, ImportSources

__all__ = ["SOURCES_FILE", "ImportSources", "queue_label"]

Box = tuple[int, int, int, int]


def queue_label(case: Case, sources: ImportSources) -> str:
    """Two lines for the review queue: the title, then the case id beside the original file name
    (known only on the computer that imported it; never stored in the library)."""
    name = sources.original_name(case)
    return f"{case.title}\n{case.id} · {name or 'original file not recorded here'}"


def pending_cases(library: Path) -> list[Path]:
    """Case folders directly under ``library`` whose status is ``pending_review``, by id."""
    out = []
    for folder in sorted(p for p in Path(library).iterdir() if p.is_dir() and is_case_folder(p)):
        try:
            data = read_json(folder / "case.json")
        except ImgTrainerError:
            continue
        if isinstance(data, dict) and data.get("status") == "pending_review":
            out.append(folder)
    return out


@dataclass
class ReviewPreview:
    """Side-by-side picture (RGB uint8) and what it shows."""

    image: np.ndarray
    has_original: bool
    frame: int
    n_frames: int
    kept_fraction: float
    split_x: int  # first column of the right (cleaned) panel
    suspect_text: list[tuple[int, int, int, int]] = field(default_factory=list)
    """Text-like lines still visible in the cleaned frames (x0, y0, x1, y1): check them."""
    keep: np.ndarray | None = None  # bool (rows, cols): the kept area shown in green


def _rgb(frame: np.ndarray) -> np.ndarray:
    a = np.asarray(frame)
    if a.ndim == 2:
        a = np.stack([a] * 3, axis=-1)
    return np.ascontiguousarray(a[..., :3]).astype(np.uint8)


def kept_area(frames: list[np.ndarray]) -> np.ndarray:
    """Bool (rows, cols) mask of the area the cleaned file keeps, read from the cleaned frames:
    every pixel lit on any frame, each lit area with its holes filled (dark anechoic areas inside
    the scan area stay kept). Every lit area counts, not only the largest: a cursor or a label
    the mask kept must not be drawn as blacked out (give all frames for the whole truth)."""
    lit = np.zeros(frames[0].shape[:2], np.uint8)
    for f in frames:
        g = f if f.ndim == 2 else f[..., :3].max(axis=-1)
        lit |= (g > 0).astype(np.uint8)
    closed = cv2.morphologyEx(lit, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    keep = closed.copy()
    cv2.drawContours(keep, contours, -1, 1, thickness=cv2.FILLED)
    return (keep | lit).astype(bool)


def build_preview(
    folder: Path, original: Path | None, frame: int = 0, reuse: ReviewPreview | None = None
) -> ReviewPreview:
    """Original (left) and cleaned (right) frame ``frame``; the masked area tinted red, the kept
    area outlined in green (``imgtrainer.deid.review.preview_image``), text-like lines still
    visible boxed in yellow. ``reuse``: a preview of the same file, whose kept area and text
    boxes are reused so that moving through frames decodes one frame only."""
    from imgtrainer.deid.review import preview_image
    from imgtrainer.deid.textlines import text_boxes
    from imgtrainer.media import open_clip
    from imgtrainer.media.scanarea import to_gray

    case = load_case(folder)
    with open_clip(media_path(folder, case)) as clip:
        n = clip.n_frames
        i = min(max(int(frame), 0), n - 1)
        after = _rgb(clip.frame(i))
        fresh = reuse is None or reuse.keep is None or reuse.keep.shape != after.shape[:2]
        # every frame: the kept area shown must cover every pixel the cleaned file still shows
        samples = [np.asarray(clip.frame(k)) for k in range(n)] if fresh else []
    if fresh:
        keep = _reported_keep(case, after.shape[:2])
        if keep is None:
            keep = kept_area(samples)
        picks = [samples[int(k)] for k in np.linspace(0, n - 1, min(n, 8)).round()]
        median = np.median(np.stack([to_gray(s) for s in picks]), axis=0).astype(np.uint8)
        suspects = [b for b in text_boxes(median) if median[b[1] : b[3] + 1, b[0] : b[2] + 1].max() > 0]
    else:
        keep, suspects = reuse.keep, list(reuse.suspect_text)  # type: ignore[union-attr]
    before, has_original = after, False
    if original is not None:
        try:
            with open_clip(original) as oclip:
                candidate = _rgb(oclip.frame(min(i, oclip.n_frames - 1)))
            if candidate.shape == after.shape:
                before, has_original = candidate, True
        except ImgTrainerError:
            pass
    image = preview_image(before, after, keep)
    split = after.shape[1] + 8
    for x0, y0, x1, y1 in suspects:  # yellow boxes on both panels
        for off in (0, split):
            cv2.rectangle(image, (x0 + off, y0), (x1 + off, y1), (240, 228, 66), 2)
    return ReviewPreview(image, has_original, i, n, float(keep.mean()), split, suspects, keep)


def _reported_keep(case: Case, shape: tuple[int, int]) -> np.ndarray | None:
    """The exact kept area when the de-identification report gives it as boxes (Ultrasound
    Regions or a hand-drawn re-mask), minus the text lines it cut; None for a detected fan."""
    deid = case.provenance.deid or {}
    remask = deid.get("remask") or {}
    kept = dict((remask.get("pixels") or {}).get("kept_area") or {})
    if not kept:
        kept = dict(((deid.get("report") or {}).get("pixels") or {}).get("kept_area") or {})
    if kept.get("source") not in ("regions", "manual") or not kept.get("boxes"):
        return None
    keep = np.zeros(shape, bool)
    for x0, y0, x1, y1 in kept["boxes"]:
        keep[int(y0) : int(y1) + 1, int(x0) : int(x1) + 1] = True
    for x0, y0, x1, y1 in kept.get("text_lines_cut") or []:
        keep[int(y0) : int(y1) + 1, int(x0) : int(x1) + 1] = False
    return keep


def approve(folder: Path, reviewer: str, public: bool = True, now: datetime | None = None) -> Case:
    """Approve: status approved (and public), Burned In Annotation = NO on the media."""
    from imgtrainer.library.review import review_case

    return review_case(folder, "approved", public=public, reviewer=reviewer, now=now)


def reject(folder: Path, reviewer: str, now: datetime | None = None) -> Case:
    from imgtrainer.library.review import review_case

    return review_case(folder, "rejected", public=False, reviewer=reviewer, now=now)


def remask(folder: Path, box: Box, original: Path | None, reviewer: str) -> Case:
    """Re-run the pixel masking keeping only ``box`` (stored-frame pixels, inclusive); the case
    stays pending review with its new checksum and the re-mask recorded in its provenance."""
    from imgtrainer.deid.remask import remask_file

    case = load_case(folder)
    path = media_path(folder, case)
    report = remask_file(path, box, original)
    media = [
        m.model_copy(update={"sha256": sha256_file(path)}) if folder / m.path == path else m
        for m in case.media
    ]
    deid = dict(case.provenance.deid or {})
    deid["remask"] = {"box": [int(v) for v in box], "by": reviewer, "pixels": report}
    updated = case.model_copy(
        update={
            "media": media,
            "status": "pending_review",
            "public": False,
            "provenance": case.provenance.model_copy(update={"deid": deid}),
        }
    )
    save_case(folder, updated)
    return updated
