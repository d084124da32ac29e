"""Exam results in the department store: the signed results file, byte for byte, plus what
grading found.

``document`` holds the results file exactly as the candidate PC wrote it (canonical ASCII
JSON with its MAC), so it can be re-verified at any time with the package and the proctor
passphrase. ``sha256`` of those bytes and (exam_id, candidate, exam_attempt) are unique: the
same results can never be counted twice. ``verified`` turns true only when the MAC and audit
chain were checked against the package (``exam collect`` / ``exam grade --db``); ``score`` and
``passed`` are filled by grading. ``trainee_id`` links the candidate to a trainee when the
candidate name (or uuid) resolved to exactly one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from imgtrainer.store.engine import Base, new_uuid


class ExamResultRow(Base):
    __tablename__ = "exam_results"
    __table_args__ = (
        Index("ux_exam_results_uuid", "uuid", unique=True),
        UniqueConstraint("exam_id", "candidate", "exam_attempt", name="uq_exam_result_attempt"),
        Index("ux_exam_results_sha256", "sha256", unique=True),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), default=new_uuid)
    exam_id: Mapped[str] = mapped_column(String(100), index=True)
    exam_title: Mapped[str] = mapped_column(String(300), default="")
    candidate: Mapped[str] = mapped_column(String(200), index=True)
    exam_attempt: Mapped[str] = mapped_column(String(100))
    trainee_id: Mapped[int | None] = mapped_column(ForeignKey("trainees.id"), nullable=True, index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), default="")
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    graded_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str] = mapped_column(String(32), default="")  # submission | collect
