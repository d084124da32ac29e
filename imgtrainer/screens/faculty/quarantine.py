"""Import review, Qt-free: quarantined files and the text OCR read in the kept area.

A file whose scan area could not be found with confidence is quarantined on import: its
original is copied into the faculty's private quarantine folder beside a sidecar with the
reason. The review lists these; one drag over the scan area imports the file again with that
area as the kept box (``rescue``), and it joins the queue of cases pending review.

Words OCR read inside the kept area are listed in the case's de-identification report; they
are drawn boxed for the reviewer, who may confirm blacking them out (``mask_text``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from imgtrainer.errors import ImgTrainerError
from imgtrainer.library.case_io import load_case, media_path, save_case
from imgtrainer.library.importer import sha256_file
from imgtrainer.library.models import Case
from imgtrainer.screens.faculty.review import ImportSources, ReviewPreview, _rgb

Box = tuple[int, int, int, int]


@dataclass
class QuarantineItem:
    """One quarantined file: its sidecar, the reason, and the private copy of the original."""

    sidecar: Path
    source: str
    reason: str
    copy: Path | None

    @property
    def title(self) -> str:
        return Path(self.source).name


def quarantined(folder: Path) -> list[QuarantineItem]:
    """Quarantined files whose original copy is still at hand (those can be re-masked)."""
    out = []
    for side in sorted(Path(folder).glob("*.json")) if Path(folder).is_dir() else []:
        try:
            data = json.loads(side.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        copy = Path(data["copy"]) if data.get("copy") else None
        if copy is not None and copy.is_file():
            out.append(QuarantineItem(side, str(data.get("source", "")), str(data.get("reason", "")), copy))
    return out


def quarantine_preview(item: QuarantineItem, frame: int = 0) -> ReviewPreview:
    """The original on the left; on the right the same frame with the detected (doubtful) scan
    area, so the faculty can see what the detector saw and drag the real one."""
    from imgtrainer.deid.review import preview_image
    from imgtrainer.media import open_clip
    from imgtrainer.media.scanarea import find_scan_area

    assert item.copy is not None
    with open_clip(item.copy) as clip:
        n = clip.n_frames
        i = min(max(int(frame), 0), n - 1)
        before = _rgb(clip.frame(i))
        area = find_scan_area(clip)
    image = preview_image(before, before, area.mask)
    return ReviewPreview(image, True, i, n, float(area.mask.mean()), before.shape[1] + 8, [], area.mask)


def rescue(
    item: QuarantineItem, box: Box, library: Path, reviewer: str, domain: str | None, home: Path
) -> str:
    """Import the quarantined original again keeping exactly ``box``; returns the new case id.
    Raises ImgTrainerError with the reason when it is still quarantined or fails."""
    from imgtrainer.library.importer import ImportOptions, import_files

    assert item.copy is not None
    opts = ImportOptions(
        library=Path(library), domain=domain, imported_by=reviewer, manual_keep_box=tuple(int(v) for v in box)
    )  # type: ignore[arg-type]
    report = import_files([item.copy], opts)
    if report.imported:
        case_id = report.imported[0].case_id
        ImportSources(home).remember(case_id, item.copy)
        item.sidecar.unlink(missing_ok=True)
        return case_id
    problems = report.quarantined + report.failed + report.skipped
    raise ImgTrainerError(problems[0][1] if problems else "not imported")


def ocr_words(case: Case) -> list[dict[str, Any]]:
    """Words OCR read in the kept area on import (text, confidence, frame, box)."""
    deid = case.provenance.deid or {}
    ocr = (deid.get("report") or {}).get("ocr") or {}
    if deid.get("text_masked"):
        return []
    return [w for w in ocr.get("words", []) if isinstance(w, dict) and len(w.get("box", [])) == 4]


def draw_words(preview: ReviewPreview, words: list[dict[str, Any]]) -> None:
    """Box the words (orange, on both panels) in ``preview.image``."""
    import cv2

    for w in words:
        x0, y0, x1, y1 = (int(v) for v in w["box"])
        for off in (0, preview.split_x):
            cv2.rectangle(preview.image, (x0 + off - 2, y0 - 2), (x1 + off + 2, y1 + 2), (255, 140, 0), 2)


def mask_text(folder: Path, original: Path | None, reviewer: str) -> Case:
    """Black out the words OCR read in the kept area (the reviewer confirmed it): from the
    original when at hand (de-identified again with the text option), else on the cleaned file."""
    case = load_case(folder)
    words = ocr_words(case)
    if not words:
        raise ImgTrainerError(f"{case.id}: no text was read in the kept area")
    path = media_path(folder, case)
    boxes = [tuple(int(v) for v in w["box"]) for w in words]
    _black_out(path, boxes)
    media = [
        m.model_copy(update={"sha256": sha256_file(path)}) if folder / m.path == path else m
        for m in case.media
    ]
    deid = dict(case.provenance.deid or {})
    deid["text_masked"] = {"by": reviewer, "boxes": [list(b) for b in boxes]}
    updated = case.model_copy(
        update={"media": media, "status": "pending_review", "public": False,
                "provenance": case.provenance.model_copy(update={"deid": deid})}
    )  # fmt: skip
    save_case(folder, updated)
    return updated


def _black_out(path: Path, boxes: list[Box]) -> None:
    """Set the boxes (grown by 3 pixels) to black on every frame of a cleaned file, in place."""
    import pydicom

    from imgtrainer.deid.outcome import dataset_bytes
    from imgtrainer.deid.pixels import KeepMask, decode_frames, mask_frames, store_frames
    from imgtrainer.deid.review import _is_dicom
    from imgtrainer.fileio import atomic_write_bytes

    if not _is_dicom(path):
        raise ImgTrainerError(f"{path.name}: text masking after import works on DICOM files only")
    ds = pydicom.dcmread(path)
    frames = decode_frames(ds, path.name)
    keep = np.ones(frames.shape[1:3], bool)
    for x0, y0, x1, y1 in boxes:
        keep[max(0, y0 - 3) : y1 + 4, max(0, x0 - 3) : x1 + 4] = False
    frames, _ = mask_frames(ds, frames, KeepMask(keep, "manual", 1.0))
    store_frames(ds, frames, rle=True)
    ds.BurnedInAnnotation = "YES"
    atomic_write_bytes(path, dataset_bytes(ds))
