"""The worker side of a parallel import (``import_files(..., jobs=N)``).

Each worker process builds its own de-identification context from the library's salt once,
then imports one file per task and returns a one-file report that the parent merges.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from imgtrainer.library.importer import STAGING_DIR, ImportOptions, ImportReport, deid_api, import_one


def _deid_for(opts: ImportOptions, salt: bytes | None) -> tuple[Any, Any] | None:
    """(deidentify_file, context) sharing ``salt``, or None when unavailable."""
    api = deid_api()
    if api is None:
        return None
    deidentify_file, context_cls = api
    ctx = context_cls(salt=salt) if salt is not None else context_cls()
    if not opts.ocr or opts.manual_keep_box is not None:
        from dataclasses import replace

        ctx.options = replace(ctx.options, ocr=opts.ocr, manual_keep_box=opts.manual_keep_box)
    ctx.quarantine_copy_dir = opts.quarantine_dir
    return deidentify_file, ctx


_WORKER: tuple[ImportOptions, Any] | None = None  # set in each worker process


def init_worker(opts: ImportOptions, salt: bytes | None) -> None:
    global _WORKER
    _WORKER = (opts, _deid_for(opts, salt) if opts.deidentify else None)


def import_task(task: tuple[str, str, str]) -> ImportReport:
    """Worker: import one file; its outcome as a one-file report."""
    assert _WORKER is not None
    opts, deid = _WORKER
    report = ImportReport(library=str(opts.library))
    import_one(Path(task[0]), task[1], opts, deid, report, task[2])
    return report


def merge(into: ImportReport, part: ImportReport) -> None:
    for name in ("imported", "failed", "quarantined", "skipped", "warnings"):
        getattr(into, name).extend(getattr(part, name))


def clear_staging(library: Path) -> None:
    """Remove what a killed import left half-staged (only called while holding the lock)."""
    staging = library / STAGING_DIR
    if staging.is_dir():
        for p in staging.iterdir():
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
