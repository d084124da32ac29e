"""Filing received instances into the library: de-identified, one case per series, pending review.

Uses the importer's pieces (``deidentify_file``, ``dicom_context``, ``infer_domain``,
``stage_case_folder``) so a received instance is cleaned and gated exactly like
``imgtrainer import``: the case is ``pending_review`` and private until faculty approve it.

A series becomes a case (``rx-<keyed hash of study and series>``) with one clip per instance
(``media/<instance key>.dcm``). Filing is idempotent by the instance key: an instance the case
already lists is not filed again. A clip added to an approved case sends it back to review.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imgtrainer.deid.context import DeidContext
from imgtrainer.errors import ImgTrainerError
from imgtrainer.library.case_io import MEDIA_DIR, load_case, save_case
from imgtrainer.library.importer import (
    STAGING_DIR,
    count_frames,
    dicom_context,
    infer_domain,
    media_ref,
    stage_case_folder,
)
from imgtrainer.library.models import Case, MediaRef, PatientContext, Provenance

QUARANTINE_DIR = "quarantine"
STAGE_PREFIX = "rx."


@dataclass
class FilingOptions:
    library: Path
    domain: str | None = None  # fixed application; None: from the DICOM descriptions
    fallback_domain: str = "lung"  # when the descriptions name none (tagged application-unknown)
    source: str = "dicom-receive"  # provenance source ("dicom-receive" or "dicomweb-pull")
    received_from: str | None = None
    tags: list[str] = field(default_factory=list)


@dataclass
class Filed:
    key: str
    status: str  # "filed", "already_filed", "quarantined", "failed"
    case_id: str | None = None
    reason: str | None = None
    frames: int | None = None
    report: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """What the journal keeps (no patient data)."""
        return {"key": self.key, "status": self.status, "case_id": self.case_id, "reason": self.reason}


def instance_key(ctx: DeidContext, sop_instance_uid: str) -> str:
    """Keyed hash of the SOP Instance UID: names the inbox file, the journal entry and the clip."""
    return ctx.file_stem(f"sop|{str(sop_instance_uid).strip()}")


def series_case_id(ctx: DeidContext, study_uid: str | None, series_uid: str | None, key: str) -> str:
    if not series_uid:
        return f"rx-{key[:16]}"
    basis = f"series|{study_uid or ''}|{series_uid}"
    return f"rx-{ctx.file_stem(basis)[:16]}"


class CaseLocks:
    """One lock per case id, so that two workers never edit the same case at once."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, case_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(case_id, threading.Lock())


def _listed(folder: Path, rel: str) -> bool:
    try:
        case = load_case(folder)
    except ImgTrainerError:
        return False
    return any(m.path == rel for m in case.media) and (folder / rel).is_file()


def clean_staging(library: Path) -> int:
    """Remove staging folders a killed receiver left behind (only its own ``rx.`` ones)."""
    n = 0
    stage = Path(library) / STAGING_DIR
    for p in [*stage.glob(f"{STAGE_PREFIX}*"), *stage.glob("rx-*")] if stage.is_dir() else []:
        shutil.rmtree(p, ignore_errors=True)
        n += 1
    for p in Path(library).glob("rx-*/**/.*.tmp"):
        p.unlink(missing_ok=True)
        n += 1
    return n


def _quarantine_sidecar(library: Path, key: str, reason: str) -> None:
    from imgtrainer.fileio import atomic_write_json

    atomic_write_json(
        library / QUARANTINE_DIR / f"{key}.json",
        {"key": key, "status": "quarantined", "reason": reason, "at": datetime.now(UTC).isoformat()},
    )


def _new_case(
    case_id: str, rel: str, media_file: Path, info: dict[str, Any], opts: FilingOptions, key: str
) -> Case:
    from imgtrainer.library.importer import _age_years, _short_hash

    inferred = infer_domain(info)
    domain = opts.domain or inferred or opts.fallback_domain
    tags = [opts.source, *opts.tags]
    if info.get("StudyInstanceUID"):
        tags.append(f"study-{_short_hash(info['StudyInstanceUID'])}")
    if not opts.domain:
        tags.append("application-inferred" if inferred else "application-unknown")
    title = " / ".join(b for b in (info.get("StudyDescription"), info.get("SeriesDescription")) if b)
    now = datetime.now(UTC)
    sex = {"F": "female", "M": "male", "O": "other"}.get(str(info.get("PatientSex") or "").upper())
    return Case(
        id=case_id, title=(title or f"Received series {case_id[3:11]}")[:200], domain=domain,
        media=[MediaRef(path=rel, sha256=media_ref(media_file).sha256)],
        patient=PatientContext(age_years=_age_years(info.get("PatientAge")), sex=sex),
        tags=tags, status="pending_review", public=False, created_at=now,
        provenance=Provenance(
            source=opts.source, original_file=f"instance:{key}", imported_at=now,
            imported_by=opts.received_from, study_description=info.get("StudyDescription"),
            series_description=info.get("SeriesDescription"), manufacturer=info.get("Manufacturer"),
            model=info.get("ManufacturerModelName"), deid={"status": "cleaned"},
        ),
    )  # fmt: skip


def _add_clip(folder: Path, rel: str, media_file: Path) -> None:
    """Move the cleaned clip into an existing case and list it; the case goes back to review."""
    target = folder / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(media_file, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(media_file, target)
    case = load_case(folder)
    media = [m for m in case.media if m.path != rel]
    media.append(MediaRef(path=rel, role="supplementary", sha256=media_ref(target).sha256))
    save_case(folder, case.model_copy(update={"media": media, "status": "pending_review", "public": False}))


def file_instance(
    path: Path, key: str, ctx: DeidContext, opts: FilingOptions, locks: CaseLocks | None = None
) -> Filed:
    """De-identify one received instance and add it to its series' case (see module doc)."""
    from imgtrainer.deid.pipeline import deidentify_file

    library = Path(opts.library)
    info = dicom_context(path)
    case_id = series_case_id(ctx, info.get("StudyInstanceUID"), info.get("SeriesInstanceUID"), key)
    folder = library / case_id
    rel = f"{MEDIA_DIR}/{key}.dcm"
    if _listed(folder, rel):
        return Filed(key, "already_filed", case_id)
    (library / STAGING_DIR).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{key[:8]}.", dir=library / STAGING_DIR))
    try:
        result = deidentify_file(path, work, ctx)
        if result.status != "cleaned" or result.output is None:
            reason = str(result.reason or "quarantined")
            _quarantine_sidecar(library, key, reason)
            return Filed(key, "quarantined", None, reason)
        out = Path(result.output)
        try:
            frames = count_frames(out)
        except ImgTrainerError as exc:
            _quarantine_sidecar(library, key, f"cleaned output does not open: {exc}")
            return Filed(key, "quarantined", None, str(exc))
        report = {k: v for k, v in result.report.items() if k != "sidecar"}
        lock = (locks or CaseLocks()).get(case_id)
        with lock:
            if _listed(folder, rel):
                return Filed(key, "already_filed", case_id)
            if (folder / "case.json").is_file():
                _add_clip(folder, rel, out)
            else:
                case = _new_case(case_id, rel, out, info, opts, key)
                case.provenance.deid = {"status": "cleaned", "report": report}
                stage_case_folder(library, case, None, out, move=True)
        return Filed(key, "filed", case_id, None, frames, report)
    except (ImgTrainerError, OSError, ValueError) as exc:
        return Filed(key, "failed", case_id, f"{type(exc).__name__}: {exc}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
