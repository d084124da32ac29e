"""Attempt store: start an attempt, commit each answer as it is given, finish (score) it.

Every call is its own transaction, so an answer acknowledged by ``record_answer`` survives a
crash (SQLite: WAL + ``synchronous=FULL``, see ``store.engine``). ``finish`` scores with
``training.scoring`` and stores the score, the per-question reasons and the per-finding
outcomes (TP/FP/TN/FN) that the logbook aggregates. Clocks are passed in (``now``: an aware
UTC datetime).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from pydantic import TypeAdapter
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from imgtrainer.errors import ImgTrainerError, StoreError
from imgtrainer.library.models import DOMAINS, AnswerKey, Case
from imgtrainer.progress.trainees import clean_name, matching_rows, pick_one
from imgtrainer.store.attempt_tables import AnswerRow, AttemptRow, FindingOutcomeRow, ScanLogRow, TraineeRow
from imgtrainer.training.questions import QuestionSet
from imgtrainer.training.responses import Response
from imgtrainer.training.scoring import CORRECT_THRESHOLD, CaseScore, score_case

_RESPONSE = TypeAdapter(Response)


@dataclass(frozen=True)
class AttemptSummary:
    id: int
    trainee: str
    case_id: str
    domain: str
    mode: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    score: float | None
    correct: bool | None
    total_time_s: float | None
    uuid: str = ""


@dataclass(frozen=True)
class FindingRecord:
    domain: str
    finding: str
    label: str
    outcome: str
    distractor: bool


@dataclass(frozen=True)
class ScanEntry:
    id: int
    trainee: str
    domain: str
    scan_date: date
    supervisor: str
    notes: str
    uuid: str = ""
    source: str = "self"  # "self": progress log-scan, no images; "qa": a reviewed submission
    qa_submission: str = ""
    reviewer: str = ""
    acep_grade: float | None = None
    agreement: float | None = None
    submitted_at: datetime | None = None
    counts: bool = True
    logged_at: datetime | None = None  # for a review: when it was reviewed


def scan_entry(r: ScanLogRow) -> ScanEntry:
    """A scan-log row as plain data (also used by the cohort view)."""
    return ScanEntry(
        r.id,
        r.trainee,
        r.domain,
        r.scan_date,
        r.supervisor,
        r.notes,
        r.uuid,
        r.source,
        r.qa_submission,
        r.reviewer,
        r.acep_grade,
        r.agreement,
        _utc(r.submitted_at),
        bool(r.counts),
        _utc(r.created_at),
    )


def _utc(dt: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes: they were stored as UTC."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _check_now(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    return now.astimezone(UTC)


def _summary(row: AttemptRow) -> AttemptSummary:
    return AttemptSummary(
        id=row.id,
        trainee=row.trainee,
        case_id=row.case_id,
        domain=row.domain,
        mode=row.mode,
        status=row.status,
        started_at=_utc(row.started_at),  # type: ignore[arg-type]
        finished_at=_utc(row.finished_at),
        score=row.score,
        correct=row.correct,
        total_time_s=row.total_time_s,
        uuid=row.uuid,
    )


class AttemptStore:
    """Attempts, answers, finding outcomes and the Level 1 scan log on one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._plans: dict[int, frozenset[str]] = {}  # question ids of attempts (never change)

    # ------------------------------------------------------------------ trainees
    def _trainee(self, session: Session, ref: str, now: datetime) -> TraineeRow:
        """The trainee ``ref`` names (name or id); a name nobody has yet makes a new trainee.
        A name shared by several trainees is refused with the list of their ids."""
        ref = clean_name(ref)
        row = pick_one(matching_rows(session, ref), ref)
        if row is None:
            row = TraineeRow(name=ref, group_name="", created_at=now)
            session.add(row)
            session.flush()
        return row

    def _trainee_id(self, session: Session, ref: str) -> int | None:
        row = pick_one(matching_rows(session, ref), ref)
        return row.id if row else None

    def ensure_trainee(self, name: str, now: datetime) -> str:
        """Create the trainee profile ``name`` if it does not exist yet (one transaction); returns
        the stored name (stripped). An empty name is refused."""
        now = _check_now(now)
        with Session(self.engine) as s, s.begin():
            return self._trainee(s, name, now).name

    def trainees(self) -> list[str]:
        """Display names (sorted, each once even when several trainees share it)."""
        with Session(self.engine) as s:
            return sorted(set(s.scalars(select(TraineeRow.name))))

    # ------------------------------------------------------------------ attempts
    def start(self, trainee: str, qset: QuestionSet, now: datetime, mode: str = "practice") -> int:
        """Open an in-progress attempt (committed at once) and return its id."""
        now = _check_now(now)
        if mode not in ("practice", "exam"):
            raise ImgTrainerError(f"mode must be practice or exam, got {mode!r}")
        with Session(self.engine) as s, s.begin():
            t = self._trainee(s, trainee, now)
            row = AttemptRow(
                trainee_id=t.id,
                trainee=t.name,
                case_id=qset.case_id,
                domain=qset.domain,
                mode=mode,
                status="in_progress",
                question_ids=json.dumps(qset.ids),
                option_order=json.dumps(qset.option_order),
                started_at=now,
            )
            s.add(row)
            s.flush()
            return row.id

    def record_answer(
        self,
        attempt_id: int,
        question_id: str,
        response: Response,
        now: datetime,
        time_s: float | None = None,
    ) -> None:
        """Commit one answer (replacing an earlier answer to the same question) in its own transaction."""
        now = _check_now(now)
        if self.engine.dialect.name == "postgresql":
            from imgtrainer.progress.answer_commit import check_question, commit_answer

            if attempt_id not in self._plans:
                with Session(self.engine) as s:
                    att = _open_attempt(s, attempt_id, question_id)
                    self._plans[attempt_id] = frozenset(json.loads(att.question_ids))
            check_question(self._plans, attempt_id, question_id)
            t = time_s if time_s is not None else response.time_s
            if commit_answer(
                self.engine, attempt_id, question_id, response.kind, response.model_dump_json(), t, now
            ):
                return
            with Session(self.engine) as s:  # not in progress any more: say why
                _open_attempt(s, attempt_id, question_id)
            raise StoreError(f"attempt {attempt_id}: the answer was not recorded")
        with Session(self.engine) as s, s.begin():
            _open_attempt(s, attempt_id, question_id)
            t = time_s if time_s is not None else response.time_s
            row = _answer_row(s, attempt_id, question_id)
            data = response.model_dump_json()
            if row is None:
                s.add(
                    AnswerRow(
                        attempt_id=attempt_id,
                        question_id=question_id,
                        kind=response.kind,
                        response_json=data,
                        time_s=t,
                        answered_at=now,
                    )
                )
            else:
                row.kind, row.response_json, row.answered_at = response.kind, data, now
                if t is not None:  # time spent on a question adds up over its answers
                    row.time_s = t if row.time_s is None else row.time_s + t

    def clear_answer(self, attempt_id: int, question_id: str) -> bool:
        """Delete the committed answer to ``question_id`` (the trainee cleared it) in one transaction,
        so a resumed attempt shows it unanswered. Returns whether there was an answer to delete.

        The time spent on it goes with it: time is counted on the answer that is finally scored.
        """
        with Session(self.engine) as s, s.begin():
            _open_attempt(s, attempt_id, question_id)
            row = _answer_row(s, attempt_id, question_id)
            if row is None:
                return False
            s.delete(row)
            return True

    def answers(self, attempt_id: int) -> dict[str, Response]:
        """The answers committed so far (e.g. to resume after a crash)."""
        with Session(self.engine) as s:
            rows = s.scalars(select(AnswerRow).where(AnswerRow.attempt_id == attempt_id)).all()
            out: dict[str, Response] = {}
            for r in rows:
                resp = _RESPONSE.validate_json(r.response_json)
                if r.time_s is not None:
                    resp = resp.model_copy(update={"time_s": r.time_s})
                out[r.question_id] = resp
            return out

    def attempt(self, attempt_id: int) -> AttemptSummary:
        with Session(self.engine) as s:
            row = s.get(AttemptRow, attempt_id)
            if row is None:
                raise StoreError(f"no attempt {attempt_id}")
            return _summary(row)

    def plan(self, attempt_id: int) -> dict:
        """What an attempt was started with: trainee, case_id, question_ids, option_order, status."""
        with Session(self.engine) as s:
            row = s.get(AttemptRow, attempt_id)
            if row is None:
                raise StoreError(f"no attempt {attempt_id}")
            return {
                "trainee": row.trainee,
                "case_id": row.case_id,
                "mode": row.mode,
                "status": row.status,
                "question_ids": json.loads(row.question_ids),
                "option_order": json.loads(row.option_order),
            }

    def result(self, attempt_id: int) -> CaseScore | None:
        with Session(self.engine) as s:
            row = s.get(AttemptRow, attempt_id)
            if row is None or row.result_json is None:
                return None
            return CaseScore.model_validate_json(row.result_json)

    def finish(
        self,
        attempt_id: int,
        case: Case,
        key: AnswerKey,
        qset: QuestionSet,
        now: datetime,
        threshold: float = CORRECT_THRESHOLD,
    ) -> CaseScore:
        """Score the committed answers, store score, reasons and finding outcomes; close the attempt.

        Decision choices are read with the option order stored when the attempt started (a
        resumed session must show that order: ``training.session.apply_option_order``).
        """
        now = _check_now(now)
        responses = self.answers(attempt_id)
        with Session(self.engine) as s, s.begin():
            att = s.get(AttemptRow, attempt_id)
            if att is None:
                raise StoreError(f"no attempt {attempt_id}")
            if att.status != "in_progress":
                raise StoreError(f"attempt {attempt_id} is already {att.status}")
            if att.case_id != case.id or json.loads(att.question_ids) != qset.ids:
                raise StoreError(f"attempt {attempt_id} was started on another case or question set")
            qset = qset.model_copy(update={"option_order": json.loads(att.option_order)})
            kinds = {q.id: q.kind for q in qset.questions}
            # an answer stored for another kind of question cannot be scored: count it as unanswered
            usable = {qid: r for qid, r in responses.items() if kinds.get(qid) == r.kind}
            result = score_case(case, key, qset, usable, threshold)
            by_q = {q.question_id: q for q in result.questions}
            for row in s.scalars(select(AnswerRow).where(AnswerRow.attempt_id == attempt_id)):
                qs = by_q.get(row.question_id)
                if qs is not None:
                    row.score, row.reason = qs.score, qs.reason
            for o in result.outcomes:
                s.add(
                    FindingOutcomeRow(
                        attempt_id=attempt_id,
                        trainee=att.trainee,
                        domain=att.domain,
                        question_id=o.question_id,
                        finding=o.finding,
                        label=o.label,
                        outcome=o.outcome,
                        distractor=o.distractor,
                    )
                )
            times = [r.time_s for r in responses.values() if r.time_s is not None]
            att.status, att.finished_at = "finished", now
            att.score, att.correct = result.score, result.correct
            att.total_time_s = sum(times) if times else None
            att.result_json = result.model_dump_json()
        return result

    def record_attempt(
        self,
        trainee: str,
        case: Case,
        key: AnswerKey,
        qset: QuestionSet,
        responses: Mapping[str, Response],
        now: datetime,
        mode: str = "practice",
    ) -> tuple[int, CaseScore]:
        """Start, commit every answer, finish: the CLI's one-shot path."""
        attempt_id = self.start(trainee, qset, now, mode)
        for qid, resp in responses.items():
            self.record_answer(attempt_id, qid, resp, now)
        return attempt_id, self.finish(attempt_id, case, key, qset, now)

    def attempts(
        self, trainee: str, domain: str | None = None, status: str | None = "finished"
    ) -> list[AttemptSummary]:
        """A trainee's attempts in chronological order (``status=None``: all)."""
        with Session(self.engine) as s:
            tid = self._trainee_id(s, trainee)
            if tid is None:
                return []
            q = select(AttemptRow).where(AttemptRow.trainee_id == tid)
            if domain:
                q = q.where(AttemptRow.domain == domain)
            if status:
                q = q.where(AttemptRow.status == status)
            return [_summary(r) for r in s.scalars(q.order_by(AttemptRow.started_at, AttemptRow.id))]

    def finding_records(self, trainee: str, domain: str | None = None) -> list[FindingRecord]:
        with Session(self.engine) as s:
            tid = self._trainee_id(s, trainee)
            if tid is None:
                return []
            q = (
                select(FindingOutcomeRow)
                .join(AttemptRow, AttemptRow.id == FindingOutcomeRow.attempt_id)
                .where(AttemptRow.trainee_id == tid)
            )
            if domain:
                q = q.where(FindingOutcomeRow.domain == domain)
            return [
                FindingRecord(r.domain, r.finding, r.label, r.outcome, r.distractor)
                for r in s.scalars(q.order_by(FindingOutcomeRow.id))
            ]

    # ------------------------------------------------------------------ Level 1 scan log
    def log_scan(
        self,
        trainee: str,
        domain: str,
        scan_date: date,
        now: datetime,
        supervisor: str = "",
        notes: str = "",
        review: dict | None = None,
    ) -> int:
        """Record one bedside (Level 1) scan performed by the trainee. ``review`` (from
        ``imgtrainer.qa``) links it to a reviewed submission: qa_submission, reviewer, acep_grade,
        agreement, submitted_at, counts."""
        now = _check_now(now)
        if domain not in DOMAINS:
            raise ImgTrainerError(f"unknown application {domain!r} (known: {', '.join(DOMAINS)})")
        if scan_date > now.date():
            raise ImgTrainerError(f"scan date {scan_date.isoformat()} is in the future")
        with Session(self.engine) as s, s.begin():
            t = self._trainee(s, trainee, now)
            row = ScanLogRow(
                trainee_id=t.id,
                trainee=t.name,
                domain=domain,
                scan_date=scan_date,
                supervisor=supervisor.strip(),
                notes=notes,
                created_at=now,
                **({"source": "qa", **review} if review else {}),
            )
            s.add(row)
            s.flush()
            return row.id

    def scans(self, trainee: str, domain: str | None = None) -> list[ScanEntry]:
        with Session(self.engine) as s:
            tid = self._trainee_id(s, trainee)
            if tid is None:
                return []
            q = select(ScanLogRow).where(ScanLogRow.trainee_id == tid)
            if domain:
                q = q.where(ScanLogRow.domain == domain)
            return [scan_entry(r) for r in s.scalars(q.order_by(ScanLogRow.scan_date, ScanLogRow.id))]


def _open_attempt(s: Session, attempt_id: int, question_id: str) -> AttemptRow:
    """The in-progress attempt whose question set holds ``question_id``, or a clear StoreError."""
    att = s.get(AttemptRow, attempt_id)
    if att is None:
        raise StoreError(f"no attempt {attempt_id}")
    if att.status != "in_progress":
        raise StoreError(f"attempt {attempt_id} is already {att.status}; answers cannot change")
    if question_id not in json.loads(att.question_ids):
        raise StoreError(f"attempt {attempt_id}: question {question_id!r} is not in its question set")
    return att


def _answer_row(s: Session, attempt_id: int, question_id: str) -> AnswerRow | None:
    return s.scalar(
        select(AnswerRow).where(AnswerRow.attempt_id == attempt_id, AnswerRow.question_id == question_id)
    )
