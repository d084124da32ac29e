"""Where a de-identification result lands: quarantine sidecars, JSON reports, DICOM bytes.

Shared by the DICOM pipeline and the video/still path (``media_files``), which both record
quarantines the same way; neither imports the other for it.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path
from typing import Any

import pydicom
from pydicom.dataset import Dataset

from imgtrainer.deid.context import DeidContext, DeidResult
from imgtrainer.fileio import atomic_write_json

QUARANTINE_DIR = "quarantine"


def write_json(path: Path, data: Any) -> None:
    atomic_write_json(path, data)


def dataset_bytes(ds: Dataset) -> bytes:
    """The dataset as a DICOM file (Explicit VR Little Endian file meta + body)."""
    buf = io.BytesIO()
    pydicom.dcmwrite(buf, ds, enforce_file_format=True)
    return buf.getvalue()


def quarantine(
    src: Path, out_dir: Path, ctx: DeidContext, reason: str, report: dict | None = None
) -> DeidResult:
    """Record ``src`` as quarantined: sidecar JSON with the reason; the original is copied only
    to ``ctx.quarantine_copy_dir`` (never into the output folder). A file the media layer cannot
    read gets the media layer's words, so ``info`` and ``deid`` explain a broken file alike."""
    from imgtrainer.media.open import diagnose

    unreadable = diagnose(src) if Path(src).is_file() else "file not found"
    if unreadable:
        report = {**(report or {}), "deid_reason": reason}
        reason = f"{Path(src).name}: {unreadable}"
    stem = hashlib.sha256(str(Path(src).resolve()).encode()).hexdigest()[:20]
    sidecar = out_dir / QUARANTINE_DIR / f"{stem}.json"
    copy = None
    if ctx.quarantine_copy_dir is not None and Path(src).is_file():
        copy = Path(ctx.quarantine_copy_dir) / f"{stem}{Path(src).suffix}"
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, copy)
    data = {
        "source": str(src),
        "status": "quarantined",
        "reason": reason,
        "copy": str(copy) if copy else None,
    }
    write_json(sidecar, data)
    return DeidResult(Path(src), "quarantined", None, reason, {**(report or {}), "sidecar": str(sidecar)})
