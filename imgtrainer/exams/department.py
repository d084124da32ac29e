"""Exam results in the department store.

- At submission (``land``): when a department store is configured on the exam PC, the signed
  results file lands in ``exam_results`` as it is (``verified = false``: the PC cannot check
  its own MAC against the package secret). An unreachable store never blocks a submission:
  the results file stays the record, and ``exam collect`` picks it up later.
- ``collect``: results files from a shared folder or a USB stick are verified (MAC, audit
  chain, package copy) and graded with the package and the proctor passphrase, then stored
  with their score. A file already collected, or a second attempt of the same candidate at the
  same exam, is refused; a file landed at submission is completed (verified and scored).
- ``graded_from_store``: the graded exam, as ``exam report`` reads it, from the stored rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from imgtrainer.errors import ExamError, ImgTrainerError, StoreError
from imgtrainer.exams.results import parse_results
from imgtrainer.store.attempt_tables import TraineeRow
from imgtrainer.store.exam_tables import ExamResultRow


@dataclass
class CollectReport:
    stored: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"stored": self.stored, "refused": self.refused, "ok": not self.refused}


def _trainee_id(s: Session, candidate: str) -> int | None:
    """The trainee the candidate name (or trainee uuid) names, if exactly one."""
    from imgtrainer.progress.trainees import matching_rows

    rows = matching_rows(s, candidate)
    return rows[0].id if len(rows) == 1 else None


def _submitted_at(doc: dict[str, Any]) -> datetime:
    for row in reversed(doc.get("audit", [])):
        wall = row.get("wall") if isinstance(row, dict) else None
        if isinstance(wall, str):
            try:
                t = datetime.fromisoformat(wall)
                return t if t.tzinfo else t.replace(tzinfo=UTC)
            except ValueError:
                continue
    return datetime.now(UTC)


def land(engine: Engine, data: bytes, what: str, title: str = "") -> str:
    """Store a results file as submitted (unverified). Returns its uuid; a duplicate is refused."""
    doc = parse_results(data, what)
    sha = hashlib.sha256(data).hexdigest()
    with Session(engine) as s, s.begin():
        old = s.scalar(select(ExamResultRow).where(ExamResultRow.sha256 == sha))
        if old is not None:
            return old.uuid  # the same bytes landed before (a retried submission)
        row = ExamResultRow(
            exam_id=doc["exam_id"],
            exam_title=title,
            candidate=doc["candidate"],
            exam_attempt=doc["attempt_id"],
            trainee_id=_trainee_id(s, doc["candidate"]),
            sha256=sha,
            document=data.decode("ascii"),
            status=str(doc.get("status") or ""),
            submitted_at=_submitted_at(doc),
            verified=False,
            source="submission",
        )
        s.add(row)
        try:
            s.flush()
        except IntegrityError:
            raise StoreError(f"{what}: results of this attempt are already stored") from None
        return row.uuid


def land_quietly(results_path: Path, title: str = "") -> str | None:
    """Called at submission: land in the configured department store if there is one. Returns
    a one-line status (None: no store configured); never raises."""
    from imgtrainer.store.config import mask_url, resolve_department_url
    from imgtrainer.store.engine import make_engine

    try:
        url = resolve_department_url(None)
        if url is None:
            return None
        engine = make_engine(url)
        try:
            land(engine, Path(results_path).read_bytes(), str(results_path), title)
        finally:
            engine.dispose()
        return f"results stored in the department store {mask_url(url)}"
    except (ImgTrainerError, OSError) as exc:
        return f"results not stored in the department store ({exc}); collect them later with `imgtrainer exam collect`"
    except Exception as exc:  # a broken network must never lose a submission
        return f"results not stored in the department store ({exc.__class__.__name__}); collect them later"


def collect(engine: Engine, files: list[Path], package: Any, passphrase: str) -> CollectReport:
    """Verify, grade and store results files (see the module docstring)."""
    from imgtrainer.exams.grading import _item_table, grade_document
    from imgtrainer.exams.results import verify_document

    master = package.check_passphrase(passphrase)
    secret = package.results_secret(master=master)
    table = _item_table(package.unseal_key(master=master), package)
    settings = package.settings
    header = {
        "exam_id": package.exam_id,
        "title": settings.get("title", ""),
        "pass_mark": settings["pass_mark"],
        "feedback": settings.get("feedback", "score"),
        "items": [{k: v for k, v in e.items() if k not in ("case", "key", "qset")} for e in table],
    }
    report = CollectReport()
    for path in files:
        try:
            data = Path(path).read_bytes()
            doc = parse_results(data, str(path))
            verify_document(doc, package, secret, str(path))
            graded = grade_document(doc, table, float(settings["pass_mark"]))
            uid = _store_collected(engine, data, doc, graded, header, str(path))
            report.stored.append(
                {"file": str(path), "candidate": doc["candidate"], "score": graded["score"], "id": uid}
            )
        except (ImgTrainerError, OSError) as exc:
            report.refused.append({"file": str(path), "error": str(exc)})
    return report


def _store_collected(engine: Engine, data: bytes, doc: dict, graded: dict, header: dict, what: str) -> str:
    sha = hashlib.sha256(data).hexdigest()
    payload = json.dumps({"exam": header, "candidate": graded}, sort_keys=True)
    with Session(engine) as s, s.begin():
        same = s.scalar(
            select(ExamResultRow).where(
                ExamResultRow.exam_id == doc["exam_id"], ExamResultRow.candidate == doc["candidate"]
            )
        )
        if same is not None:
            if same.sha256 == sha and not same.verified:  # landed at submission: complete it
                same.verified, same.score, same.passed = True, graded["score"], graded["passed"]
                same.graded_json, same.exam_title = payload, header["title"]
                return same.uuid
            if same.sha256 == sha:
                raise ExamError(f"{what}: duplicate: these results were already collected")
            raise ExamError(
                f"{what}: duplicate: candidate {doc['candidate']!r} already has results for exam {doc['exam_id']}"
                f" (attempt {same.exam_attempt}); refused"
            )
        row = ExamResultRow(
            exam_id=doc["exam_id"],
            exam_title=header["title"],
            candidate=doc["candidate"],
            exam_attempt=doc["attempt_id"],
            trainee_id=_trainee_id(s, doc["candidate"]),
            sha256=sha,
            document=data.decode("ascii"),
            status=str(doc.get("status") or ""),
            submitted_at=_submitted_at(doc),
            verified=True,
            score=graded["score"],
            passed=graded["passed"],
            graded_json=payload,
            source="collect",
        )
        s.add(row)
        try:
            s.flush()
        except IntegrityError:
            raise ExamError(f"{what}: duplicate: these results are already stored") from None
        return row.uuid


def graded_from_store(engine: Engine, exam_id: str) -> dict[str, Any]:
    """The graded exam (format of ``exam grade``) from the verified rows of ``exam_id``."""
    from imgtrainer.exams.grading import GRADED_FORMAT

    with Session(engine) as s:
        rows = s.scalars(
            select(ExamResultRow)
            .where(ExamResultRow.exam_id == exam_id, ExamResultRow.verified.is_(True))
            .order_by(ExamResultRow.candidate)
        ).all()
        pending = s.scalar(
            select(ExamResultRow.id).where(
                ExamResultRow.exam_id == exam_id, ExamResultRow.verified.is_(False)
            )
        )
    if not rows:
        more = " (results landed but not yet verified: run `imgtrainer exam collect`)" if pending else ""
        raise ExamError(f"no verified results of exam {exam_id!r} in the store{more}")
    docs = [json.loads(r.graded_json) for r in rows if r.graded_json]
    head = docs[0]["exam"]
    return {
        "format": GRADED_FORMAT,
        **head,
        "graded_at": max(r.submitted_at for r in rows).isoformat(),
        "candidates": [d["candidate"] for d in docs],
    }


def latest_result(s: Session, trainee: TraineeRow, unique_name: bool) -> dict[str, Any] | None:
    """The trainee's most recent exam result (linked by trainee id, or by candidate name when
    that name belongs to this trainee only)."""
    cond = ExamResultRow.trainee_id == trainee.id
    if unique_name:
        cond = or_(cond, (ExamResultRow.trainee_id.is_(None)) & (ExamResultRow.candidate == trainee.name))
    row = s.scalar(select(ExamResultRow).where(cond).order_by(ExamResultRow.submitted_at.desc()).limit(1))
    if row is None:
        return None
    at = row.submitted_at if row.submitted_at.tzinfo else row.submitted_at.replace(tzinfo=UTC)
    return {
        "exam_id": row.exam_id,
        "title": row.exam_title,
        "submitted_at": at.isoformat(),
        "verified": row.verified,
        "score": row.score,
        "passed": row.passed,
    }
