"""Importing clips into a library: one case per clip, de-identified on the way in.

``import_files`` takes files, folders, DICOMDIRs and zips. Each file goes through
``imgtrainer.deid`` (DICOM header cleaning and scan-area masking for DICOM, video and stills);
a cleaned file becomes a case with status ``pending_review`` (never public until faculty
approve it), a quarantined one is reported and kept out of the library. The study and series
context (descriptions, manufacturer, model) goes into the provenance, the study and series as
tags. A file that fails is reported and the rest carry on.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imgtrainer.errors import ImgTrainerError
from imgtrainer.library.case_io import MEDIA_DIR, save_case, save_key
from imgtrainer.library.models import DOMAINS, AnswerKey, Case, MediaRef, PatientContext, Provenance
from imgtrainer.library.sources import expand_sources

STAGING_DIR = ".importing"
_DOMAIN_WORDS: dict[str, str] = {  # whole words (regex) that name an application in DICOM descriptions
    "cardiac": r"echo\w*|cardiac|heart|focus(ed)?|tte|plax|psax|apical|a4c|parasternal|ivc",
    "lung": r"lungs?|chest|thora(x|cic)|pleura[l]?|blue protocol|lus",
    "fast": r"e?fast|trauma|morison'?s?|hepatorenal|splenorenal",
    "gastric": r"gastric|stomach|antrum|antral",
    "airway": r"airway|trachea[l]?|larynx|laryngeal|cricothyroid|vocal cords?",
}


@dataclass
class ImportedCase:
    source: str
    case_id: str
    folder: str
    status: str
    n_frames: int
    deid: str  # "cleaned", "not_deidentified" or "none (dataset)"
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    library: str
    imported: list[ImportedCase] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # not media / already imported
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.quarantined

    def label(self) -> str:
        """The source this (one-file) report is about, for a progress line."""
        if self.imported:
            return self.imported[0].source
        rows = self.quarantined or self.failed or self.skipped
        return rows[0][0] if rows else ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["counts"] = {k: len(getattr(self, k)) for k in ("imported", "failed", "quarantined", "skipped")}
        return d


@dataclass
class ImportOptions:
    library: Path
    domain: str | None = None  # None: from the DICOM descriptions, else the file fails
    probe: str = "unknown"
    imported_by: str | None = None
    deidentify: bool = True
    quarantine_dir: Path | None = None  # default: <data dir>/quarantine
    now: datetime | None = None  # the clock, passed in
    tags: list[str] = field(default_factory=list)
    ocr: bool = True  # read the kept area of de-identified files with Tesseract
    manual_keep_box: tuple[int, int, int, int] | None = None  # faculty's scan area (re-mask)


def deid_api() -> tuple[Callable[..., Any], type] | None:
    """(deidentify_file, DeidContext) when imgtrainer.deid provides them, else None."""
    try:
        from imgtrainer.deid.context import DeidContext
        from imgtrainer.deid.pipeline import deidentify_file
    except ImportError:
        return None
    return deidentify_file, DeidContext


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def dicom_context(path: Path) -> dict[str, Any]:
    """Descriptions, device, study/series UIDs and patient context from a DICOM header ({} if not DICOM)."""
    try:
        import pydicom

        with warnings.catch_warnings():  # charset complaints of odd files are not the user's concern here
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
    except Exception:  # not DICOM or unreadable header: no context
        return {}

    def text(keyword: str) -> str | None:
        value = ds.get(keyword)
        s = str(value).strip() if value is not None else ""
        return s or None

    ctx: dict[str, Any] = {k: text(k) for k in (
        "StudyDescription", "SeriesDescription", "Manufacturer", "ManufacturerModelName", "StudyInstanceUID",
        "SeriesInstanceUID", "BodyPartExamined", "ProtocolName", "PatientName", "PatientID", "PatientBirthDate",
        "PatientAge", "PatientSex", "PatientWeight",
    )}  # fmt: skip
    return ctx


def _age_years(age: str | None) -> float | None:
    """DICOM AS ('045Y', '006M') to years; ages over 89 are reported as 90 (not identifying)."""
    if not age or len(age) < 2 or not age[:-1].isdigit():
        return None
    n, unit = int(age[:-1]), age[-1].upper()
    years = {"Y": n, "M": n / 12, "W": n / 52, "D": n / 365}.get(unit)
    return None if years is None else round(min(float(years), 90.0), 2)


def infer_domain(ctx: dict[str, Any]) -> str | None:
    """The application named by the study/series/protocol/body part text; None if none or several."""
    words = " ".join(
        str(ctx.get(k) or "")
        for k in ("StudyDescription", "SeriesDescription", "ProtocolName", "BodyPartExamined")
    )
    text = words.lower()
    hits = {d for d, pattern in _DOMAIN_WORDS.items() if re.search(rf"\b({pattern})\b", text)}
    return hits.pop() if len(hits) == 1 else None


def _short_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:10]


def stage_case_folder(
    library: Path,
    case: Case,
    key: AnswerKey | None,
    media_file: Path,
    move: bool,
    extra_files: dict[str, Path] | None = None,
) -> Path:
    """Create ``library/<case.id>/`` atomically: stage it in a hidden folder, then rename.

    The media file is copied (or moved) to ``media/clip<suffix>``; ``case.media`` must already
    name that path. ``extra_files`` maps further paths inside the folder to files to bring along. Raises FileExistsError when the case folder exists.
    """
    library = Path(library)
    final = library / case.id
    if final.exists():
        raise FileExistsError(str(final))
    staging_root = library / STAGING_DIR
    staging_root.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f"{case.id}.", dir=staging_root))
    try:
        target = stage / case.primary_media.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if move:
            shutil.move(str(media_file), target)
        else:
            shutil.copyfile(media_file, target)
        for rel, src in (extra_files or {}).items():  # e.g. the de-identification sidecar
            shutil.move(str(src), stage / rel) if move else shutil.copyfile(src, stage / rel)
        save_case(stage, case)
        if key is not None:
            save_key(stage, key)
        try:
            os.replace(stage, final)
        except OSError:
            if final.exists():  # another worker renamed the same case into place first
                raise FileExistsError(str(final)) from None
            raise
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    finally:
        with contextlib.suppress(OSError):
            staging_root.rmdir()  # only when empty
    return final


def media_ref(media_file: Path, suffix: str | None = None) -> MediaRef:
    suffix = (suffix if suffix is not None else media_file.suffix).lower() or ".dcm"
    return MediaRef(path=f"{MEDIA_DIR}/clip{suffix}", sha256=sha256_file(media_file))


def count_frames(path: Path) -> int:
    from imgtrainer.media import open_clip

    with open_clip(path) as clip:
        clip.frame(0)  # decodes: a file that opens but cannot decode fails here
        return int(clip.n_frames)


def import_one(
    path: Path, display: str, opts: ImportOptions, deid: Any, report: ImportReport, batch: str
) -> None:
    """Import one file into the library, recording the outcome in ``report``."""
    from imgtrainer.fileio import read_problem
    from imgtrainer.media.open import diagnose, sniff_kind

    now = opts.now or datetime.now(UTC)
    try:
        kind = sniff_kind(path)
    except OSError as exc:
        report.failed.append((display, read_problem(exc)))
        return
    if kind is None:  # the media layer's words ("file is empty", "not DICOM and not ...")
        report.failed.append((display, diagnose(path) or "not a DICOM file, video or still image"))
        return
    digest = sha256_file(path)
    case_id = f"imp-{digest[:12]}"
    if (opts.library / case_id).exists():
        report.skipped.append((display, f"already in the library as {case_id}"))
        return
    work = Path(tempfile.mkdtemp(prefix="deid.", dir=opts.library / STAGING_DIR))
    try:
        media_file, deid_state, deid_report = path, "not_deidentified", None
        if opts.deidentify and deid is not None:
            deidentify_file, ctx = deid
            result = deidentify_file(path, work, ctx)
            if result.status != "cleaned" or result.output is None:
                report.quarantined.append((display, str(result.reason or "quarantined")))
                _keep_quarantine_sidecars(work, opts)
                return
            media_file, deid_state = Path(result.output), "cleaned"
            deid_report = {k: v for k, v in result.report.items() if k != "sidecar"}
        warnings: list[str] = []
        if deid_state == "not_deidentified":
            warnings.append(
                "not de-identified (imgtrainer.deid unavailable or disabled): review before sharing"
            )
        try:
            n_frames = count_frames(media_file)
        except ImgTrainerError as exc:
            report.failed.append((display, str(exc)))
            return
        ctx_info = dicom_context(media_file) if kind == "dicom" else {}
        domain = opts.domain or infer_domain(ctx_info)
        if domain not in DOMAINS:
            report.failed.append(
                (
                    display,
                    "application unknown: pass --domain (nothing in the study/series description names one)",
                )
            )
            return
        tags = [f"batch-{batch}", *opts.tags]
        if ctx_info.get("StudyInstanceUID"):
            tags.append(f"study-{_short_hash(ctx_info['StudyInstanceUID'])}")
        if ctx_info.get("SeriesInstanceUID"):
            tags.append(f"series-{_short_hash(ctx_info['SeriesInstanceUID'])}")
        if not opts.domain:
            tags.append("application-inferred")
        if deid_state == "not_deidentified" and any(
            ctx_info.get(k) for k in ("PatientName", "PatientID", "PatientBirthDate")
        ):
            tags.append("contains-patient-data")
            warnings.append("the DICOM header holds patient identity: the case stays pending review")
        title_bits = [ctx_info.get("StudyDescription"), ctx_info.get("SeriesDescription")]
        title = " / ".join(b for b in title_bits if b) or f"Imported {kind} {digest[:8]}"
        weight = ctx_info.get("PatientWeight")
        try:
            weight_kg = float(weight) if weight and 0 < float(weight) <= 400 else None
        except ValueError:
            weight_kg = None
        sex = {"F": "female", "M": "male", "O": "other"}.get(str(ctx_info.get("PatientSex") or "").upper())
        suffix = ".dcm" if kind == "dicom" else media_file.suffix
        case = Case(
            id=case_id, title=title[:200], domain=domain, media=[media_ref(media_file, suffix)], probe=opts.probe,
            patient=PatientContext(age_years=_age_years(ctx_info.get("PatientAge")), weight_kg=weight_kg, sex=sex),
            tags=tags, status="pending_review", public=False, created_at=now,
            provenance=Provenance(
                source="import", original_file=f"sha256:{digest}", imported_at=now, imported_by=opts.imported_by,
                study_description=ctx_info.get("StudyDescription"), series_description=ctx_info.get("SeriesDescription"),
                manufacturer=ctx_info.get("Manufacturer"), model=ctx_info.get("ManufacturerModelName"),
                deid={"status": deid_state, **({"report": deid_report} if deid_report else {})},
            ),
        )  # fmt: skip
        extra = deid_sidecars(media_file, case.primary_media.path) if media_file != path else {}
        folder = stage_case_folder(
            opts.library, case, None, media_file, move=media_file != path, extra_files=extra
        )
        report.imported.append(
            ImportedCase(display, case_id, str(folder), case.status, n_frames, deid_state, warnings)
        )
    except FileExistsError:  # the same content finished first in another worker
        report.skipped.append((display, f"already in the library as {case_id}"))
    except ImgTrainerError as exc:
        report.failed.append((display, getattr(exc, "reason", None) or str(exc)))
    except OSError as exc:
        report.failed.append((display, f"{exc.filename or display}: {read_problem(exc)}"))
    except ValueError as exc:
        report.failed.append((display, f"cannot be imported: {exc}"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def deid_sidecars(output: Path, rel: str) -> dict[str, Path]:
    """The de-identification sidecar of a cleaned video/still (it holds the review state)."""
    side = output.with_name(output.name + ".deid.json")
    return {f"{rel}.deid.json": side} if side.is_file() else {}


def _keep_quarantine_sidecars(work: Path, opts: ImportOptions) -> None:
    qdir = opts.quarantine_dir
    if qdir is None:
        return
    for sidecar in (work / "quarantine").glob("*.json"):
        qdir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(sidecar, qdir / sidecar.name)


def import_files(
    sources: Iterable[Path],
    opts: ImportOptions,
    on_item: Callable[[int, str], None] | None = None,
    jobs: int = 1,
) -> ImportReport:
    """Import every clip under ``sources`` into ``opts.library`` with ``jobs`` worker processes;
    ``on_item(i, display)`` reports progress as files finish.

    Resumable: a case folder appears by one atomic rename, named by the hash of its source, so a
    restarted import skips what is done and a killed one leaves only staging, cleared here. One
    import at a time per library (a lock file). The de-identification salt of the library is
    kept in the user's private data folder, so UIDs and date shifts agree across runs.
    """
    from imgtrainer.deid.batch import folder_lock, folder_salt
    from imgtrainer.library.import_workers import clear_staging, import_task, init_worker, merge
    from imgtrainer.workpool import run_parallel

    opts.library = Path(opts.library)
    opts.library.mkdir(parents=True, exist_ok=True)
    if opts.quarantine_dir is None:
        from imgtrainer.resources import data_dir

        opts.quarantine_dir = data_dir() / "quarantine"
    report = ImportReport(library=str(opts.library))
    if opts.deidentify and deid_api() is None:
        report.warnings.append(
            "imgtrainer.deid is unavailable: files are imported as they are, pending review"
        )
    batch = (opts.now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    library_root = opts.library.resolve()
    with folder_lock(opts.library, ".import.lock", "import"):
        clear_staging(opts.library)
        (opts.library / STAGING_DIR).mkdir(exist_ok=True)
        salt = folder_salt(opts.library, "import") if opts.deidentify else None
        held = Path(tempfile.mkdtemp(prefix="held.", dir=opts.library / STAGING_DIR))

        def tasks() -> Iterator[tuple[str, str, str]]:
            for n, item in enumerate(expand_sources(sources)):
                if item.path is None:
                    (report.skipped if item.skipped else report.failed).append(
                        (item.display, item.problem or "?")
                    )
                    continue
                if library_root in item.path.resolve().parents:
                    report.skipped.append((item.display, "already inside the target library"))
                    continue
                path = item.path
                if jobs > 1 and item.display != str(path):  # an archive member lives only until the next item
                    path = held / f"{n}{path.suffix}"
                    shutil.copyfile(item.path, path)
                yield str(path), item.display, batch

        try:
            for i, (_k, part) in enumerate(
                run_parallel(import_task, tasks(), jobs, init_worker, (opts, salt)), 1
            ):
                merge(report, part)
                if on_item is not None:
                    on_item(i, part.label())
        finally:
            shutil.rmtree(held, ignore_errors=True)
            with contextlib.suppress(OSError):
                (opts.library / STAGING_DIR).rmdir()
    return report
