"""Tables of the practice engine: trainees, attempts, per-question answers, finding outcomes and
bedside (Level 1) scan log entries.

Every row that travels between stores (laptop -> department) has a ``uuid`` (text, 36 chars,
unique): the integer ``id`` is local to one database and is never copied. A trainee is a uuid
plus a display name; names are not unique. A finished attempt and its answers and outcomes
never change again, so syncing is a set union by uuid (``imgtrainer.store.sync``).
The schema itself is owned by the Alembic migrations in ``imgtrainer/store/migrations``.

An attempt row is written when a case is opened (status ``in_progress``); each answer is its own
row committed in its own transaction as it is given, so a crash loses nothing; ``finish`` scores
the attempt and sets ``status = finished``. Times are UTC.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from imgtrainer.store.engine import Base, new_uuid

_UUID = 36


class TraineeRow(Base):
    __tablename__ = "trainees"
    __table_args__ = (Index("ux_trainees_uuid", "uuid", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(_UUID), default=new_uuid)
    name: Mapped[str] = mapped_column(String(200), index=True)  # display name, not unique
    group_name: Mapped[str] = mapped_column(String(100), default="", server_default="", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AttemptRow(Base):
    __tablename__ = "attempts"
    __table_args__ = (Index("ux_attempts_uuid", "uuid", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(_UUID), default=new_uuid)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"), index=True)
    trainee: Mapped[str] = mapped_column(String(200), index=True)  # denormalised for easy queries
    case_id: Mapped[str] = mapped_column(String(100), index=True)
    domain: Mapped[str] = mapped_column(String(16), index=True)
    mode: Mapped[str] = mapped_column(String(16), default="practice")  # practice | exam
    status: Mapped[str] = mapped_column(String(16), default="in_progress")  # in_progress | finished
    question_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list, I-AIM order
    option_order: Mapped[str] = mapped_column(Text, default="{}")  # JSON {qid: [original index]}
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    correct: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    total_time_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    result_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # the CaseScore


class AnswerRow(Base):
    __tablename__ = "attempt_answers"
    __table_args__ = (
        Index("ux_attempt_answers_uuid", "uuid", unique=True),
        UniqueConstraint("attempt_id", "question_id", name="uq_answer_question"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(_UUID), default=new_uuid)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    response_json: Mapped[str] = mapped_column(Text)
    time_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class FindingOutcomeRow(Base):
    __tablename__ = "finding_outcomes"
    __table_args__ = (Index("ux_finding_outcomes_uuid", "uuid", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(_UUID), default=new_uuid)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    trainee: Mapped[str] = mapped_column(String(200), index=True)
    domain: Mapped[str] = mapped_column(String(16))
    question_id: Mapped[str] = mapped_column(String(100))
    finding: Mapped[str] = mapped_column(String(100), index=True)
    label: Mapped[str] = mapped_column(String(300), default="")
    outcome: Mapped[str] = mapped_column(String(2))  # TP FP TN FN
    distractor: Mapped[bool] = mapped_column(Boolean, default=False)


class ScanLogRow(Base):
    """A Level 1 (bedside, performed) scan recorded by the trainee, optionally supervised."""

    __tablename__ = "scan_log"
    __table_args__ = (Index("ux_scan_log_uuid", "uuid", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(_UUID), default=new_uuid)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"), index=True)
    trainee: Mapped[str] = mapped_column(String(200), index=True)
    domain: Mapped[str] = mapped_column(String(16))
    scan_date: Mapped[date] = mapped_column(Date)
    supervisor: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # a QA review of the trainee's own images (migration 0003): source "qa", else "self"
    source: Mapped[str] = mapped_column(String(16), default="self", server_default="self")
    qa_submission: Mapped[str] = mapped_column(String(100), default="", server_default="", index=True)
    reviewer: Mapped[str] = mapped_column(String(200), default="", server_default="")
    acep_grade: Mapped[float | None] = mapped_column(Float, nullable=True)  # mean ACEP 1-5 of the views
    agreement: Mapped[float | None] = mapped_column(Float, nullable=True)  # reading vs reviewer, 0-1
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    counts: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
