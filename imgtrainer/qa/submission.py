"""A trainee's bedside study submitted for review: a de-identified case folder in the QA folder
plus ``submission.json`` (who, what, when, supervision and the trainee's own reading).

The folder is an ordinary case folder (pending review, private), so the cine viewer, the quality
panel, the lung assist and the faculty agreement report work on it unchanged; reviewers' answers
become ``keys/<reviewer>.json`` and their grades ``reviews/<reviewer>.json`` (``qa.review``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from imgtrainer.errors import ImgTrainerError
from imgtrainer.fileio import atomic_output
from imgtrainer.library.case_io import load_case, save_case
from imgtrainer.library.models import Case, MediaRef, Provenance

SUBMISSION_FILE = "submission.json"
Supervision = Literal["direct", "indirect", "none"]
Status = Literal["submitted", "in_review", "reviewed", "returned"]


class QaError(ImgTrainerError):
    """A submission or review that cannot be read, or a step not allowed in its state."""


class Submission(BaseModel):
    """What the trainee says about a study they performed (I-AIM reading in practice format)."""

    id: str
    trainee: str = Field(min_length=1)
    domain: Literal["airway", "lung", "gastric", "cardiac", "fast"]
    views: list[str] = Field(default_factory=list)  # the view the trainee claims, one per clip
    supervision: Supervision = "none"
    performed_on: date
    submitted_at: datetime
    reading: dict[str, Any] = Field(default_factory=dict)  # question id -> answer (practice format)
    decision_note: str = ""  # what the trainee did with the finding, in their words
    source: str = ""  # "files", "received study <case id>", "C-STORE from AE <title>"


def submission_id(trainee: str, sources: list[str], when: datetime) -> str:
    """Stable id of a submission (case-id pattern: lowercase, digits, dashes)."""
    h = hashlib.sha256("\n".join([trainee, when.isoformat(), *sorted(sources)]).encode()).hexdigest()
    return f"qa-{h[:12]}"


def write_submission(folder: Path, sub: Submission) -> None:
    with atomic_output(folder / SUBMISSION_FILE) as tmp:
        tmp.write_text(sub.model_dump_json(indent=2), encoding="utf-8")


def load_submission(folder: Path) -> Submission:
    path = Path(folder) / SUBMISSION_FILE
    try:
        return Submission.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise QaError(f"{folder}: not a QA submission (no {SUBMISSION_FILE})") from None
    except (OSError, ValidationError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise QaError(f"{path}: unreadable submission: {first}") from None


def _finish(folder: Path, qa_dir: Path, case: Case, sub: Submission, reading_check: bool = True) -> Path:
    """Write case.json and submission.json into a staging folder, then rename it into place."""
    if reading_check:
        check_reading(case, sub.reading)
    save_case(folder, case)
    write_submission(folder, sub)
    final = qa_dir / sub.id
    if final.exists():
        shutil.rmtree(folder, ignore_errors=True)
        raise QaError(f"{final}: already submitted")
    folder.rename(final)
    return final


def check_reading(case: Case, reading: dict[str, Any]) -> None:
    """Refuse a reading that does not answer the case's own questions (names the question)."""
    from imgtrainer.library.taxonomy_io import load_taxonomy
    from imgtrainer.training.questions import build_question_set
    from imgtrainer.training.responses import parse_answers

    qset = build_question_set(case, None, load_taxonomy(case.domain))
    parse_answers(reading, qset)


def _case_for(sub: Submission, media: list[MediaRef], probe: str = "unknown") -> Case:
    return Case(
        id=sub.id,
        title=f"{sub.domain} study performed by {sub.trainee} on {sub.performed_on.isoformat()}",
        domain=sub.domain,
        media=media,
        probe=probe,  # type: ignore[arg-type]
        status="pending_review",
        public=False,
        tags=["qa-submission"],
        provenance=Provenance(
            source=sub.source or "trainee submission", licence="internal", imported_at=sub.submitted_at
        ),
        created_at=sub.submitted_at,
    )


def submit_files(
    files: list[Path], qa_dir: Path, sub: Submission, ocr: bool = True, jobs: int = 1
) -> tuple[Path, list[tuple[str, str]]]:
    """De-identify ``files`` like ``imgtrainer import`` and file them as one submission.
    Returns the folder and the (file, reason) of files that failed or were quarantined."""
    from imgtrainer.library.importer import ImportOptions, import_files

    qa_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=qa_dir))
    try:
        lib = staging / "import"
        opts = ImportOptions(library=lib, domain=sub.domain, now=sub.submitted_at, ocr=ocr)
        report = import_files(files, opts, jobs=jobs)
        problems = [*report.failed, *report.quarantined]
        folder = staging / "case"
        (folder / "media").mkdir(parents=True)
        media: list[MediaRef] = []
        for i, imp in enumerate(report.imported):
            src_case = load_case(lib / imp.case_id)
            src = lib / imp.case_id / src_case.primary_media.path
            rel = f"media/view-{i + 1:02d}{src.suffix}"
            shutil.move(str(src), folder / rel)
            label = sub.views[i] if i < len(sub.views) else ""
            media.append(MediaRef(path=rel, role="primary" if i == 0 else "supplementary", label=label))
        if not media:
            why = "; ".join(f"{f}: {r}" for f, r in problems) or "no media found"
            raise QaError(f"submission has no usable images ({why})")
        return _finish(folder, qa_dir, _case_for(sub, media), sub), problems
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def submit_case(case_folder: Path, qa_dir: Path, sub: Submission, any_domain: bool = False) -> Path:
    """Submit a study that is already de-identified in a library (e.g. received by C-STORE).
    ``any_domain``: the submission's application wins (a device mapped to one application)."""
    src = load_case(case_folder)
    if src.domain != sub.domain and not any_domain:
        raise QaError(f"{case_folder}: the study is {src.domain}, the submission says {sub.domain}")
    qa_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=qa_dir))
    try:
        folder = staging / "case"
        (folder / "media").mkdir(parents=True)
        media: list[MediaRef] = []
        for i, ref in enumerate(src.media):
            source = case_folder / ref.path
            rel = f"media/view-{i + 1:02d}{source.suffix}"
            shutil.copy2(source, folder / rel)
            label = sub.views[i] if i < len(sub.views) else ref.label
            media.append(MediaRef(path=rel, role=ref.role, label=label, sha256=ref.sha256))
        return _finish(folder, qa_dir, _case_for(sub, media, src.probe), sub)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def new_submission(
    trainee: str,
    domain: str,
    performed_on: date,
    sources: list[str],
    now: datetime | None = None,
    **fields: Any,
) -> Submission:
    now = now or datetime.now(UTC)
    reading = dict(fields.pop("reading", None) or {})
    reading.setdefault("application", domain)  # the trainee named the application by submitting
    try:
        return Submission(
            reading=reading,
            id=submission_id(trainee, sources, now),
            trainee=trainee,
            domain=domain,  # type: ignore[arg-type]
            performed_on=performed_on,
            submitted_at=now,
            **fields,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise QaError(f"submission {where}: {err['msg']}") from None


def read_reading(path: Path) -> dict[str, Any]:
    """A reading file: {"answers": {...}, "decision_note": "..."} or just the answers object."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise QaError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise QaError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    if not isinstance(data, dict):
        raise QaError(f"{path}: a reading must be a JSON object")
    return data
