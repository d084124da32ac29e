"""Baseline: the schema imgtrainer created before Alembic (``schema_meta`` version 1).

A database from that time has these tables but no ``alembic_version``: each table is created
only when it is missing, so such a database (or one that only ever held the case index) runs
this revision without losing a row, and every database ends at the same schema.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def _missing(table: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if _missing("schema_meta"):
        _schema_meta()
    if _missing("trainees"):
        _trainees()
    if _missing("attempts"):
        _attempts()
    if _missing("attempt_answers"):
        _answers()
    if _missing("finding_outcomes"):
        _outcomes()
    if _missing("scan_log"):
        _scan_log()
    if _missing("library_cases"):
        _library_cases()


def _schema_meta() -> None:
    op.create_table(
        "schema_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )


def _trainees() -> None:
    op.create_table(
        "trainees",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_trainees_name", "trainees", ["name"], unique=True)


def _attempts() -> None:
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), nullable=False),
        sa.Column("trainee", sa.String(200), nullable=False),
        sa.Column("case_id", sa.String(100), nullable=False),
        sa.Column("domain", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("question_ids", sa.Text, nullable=False),
        sa.Column("option_order", sa.Text, nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("correct", sa.Boolean, nullable=True),
        sa.Column("total_time_s", sa.Float, nullable=True),
        sa.Column("result_json", sa.Text, nullable=True),
    )
    for col in ("trainee_id", "trainee", "case_id", "domain"):
        op.create_index(f"ix_attempts_{col}", "attempts", [col])


def _answers() -> None:
    op.create_table(
        "attempt_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("attempt_id", sa.Integer, sa.ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("question_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("response_json", sa.Text, nullable=False),
        sa.Column("time_s", sa.Float, nullable=True),
        sa.Column("answered_at", _TS, nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.UniqueConstraint("attempt_id", "question_id", name="uq_answer_question"),
    )
    op.create_index("ix_attempt_answers_attempt_id", "attempt_answers", ["attempt_id"])


def _outcomes() -> None:
    op.create_table(
        "finding_outcomes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("attempt_id", sa.Integer, sa.ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("trainee", sa.String(200), nullable=False),
        sa.Column("domain", sa.String(16), nullable=False),
        sa.Column("question_id", sa.String(100), nullable=False),
        sa.Column("finding", sa.String(100), nullable=False),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("outcome", sa.String(2), nullable=False),
        sa.Column("distractor", sa.Boolean, nullable=False),
    )
    for col in ("attempt_id", "trainee", "finding"):
        op.create_index(f"ix_finding_outcomes_{col}", "finding_outcomes", [col])


def _scan_log() -> None:
    op.create_table(
        "scan_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), nullable=False),
        sa.Column("trainee", sa.String(200), nullable=False),
        sa.Column("domain", sa.String(16), nullable=False),
        sa.Column("scan_date", sa.Date, nullable=False),
        sa.Column("supervisor", sa.String(200), nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    for col in ("trainee_id", "trainee"):
        op.create_index(f"ix_scan_log_{col}", "scan_log", [col])


def _library_cases() -> None:
    op.create_table(
        "library_cases",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("library", sa.String(1024), nullable=False),
        sa.Column("case_id", sa.String(100), nullable=False),
        sa.Column("folder", sa.String(1024), nullable=False),
        sa.Column("domain", sa.String(16), nullable=False),
        sa.Column("title", sa.String(512), nullable=False),
        sa.Column("view", sa.String(64), nullable=True),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("difficulty", sa.Integer, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("probe", sa.String(16), nullable=False),
        sa.Column("question_set", sa.String(64), nullable=False),
        sa.Column("has_key", sa.Boolean, nullable=False),
        sa.Column("n_raters", sa.Integer, nullable=False),
        sa.Column("media", sa.Text, nullable=False),
        sa.Column("media_paths", sa.Text, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("case_mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("indexed_at", _TS, nullable=False),
        sa.UniqueConstraint("library", "case_id", name="uq_library_case"),
    )
    for col in ("library", "case_id", "domain"):
        op.create_index(f"ix_library_cases_{col}", "library_cases", [col])


def downgrade() -> None:
    raise NotImplementedError("imgtrainer never downgrades: data tables are not dropped")
