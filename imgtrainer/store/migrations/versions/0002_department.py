"""Department store: a UUID on every row that travels, trainee names no longer unique, trainee
groups, raters and exam results.

Existing rows get fresh random UUIDs (they have never left this database, so any UUID is
theirs). Nothing is dropped: the unique index on trainee names becomes a plain index.

Revision ID: 0002_department
Revises: 0001_baseline
Create Date: 2026-12-06
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002_department"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
TRAVELLING = ("trainees", "attempts", "attempt_answers", "finding_outcomes", "scan_log")


def _backfill_uuids(table: str) -> None:
    """One UUID per existing row, in batches (a department store can hold 10^6 answers)."""
    conn = op.get_bind()
    t = sa.table(table, sa.column("id", sa.Integer), sa.column("uuid", sa.String))
    while True:
        ids = conn.execute(sa.select(t.c.id).where(t.c.uuid.is_(None)).limit(5000)).scalars().all()
        if not ids:
            return
        conn.execute(
            t.update().where(t.c.id == sa.bindparam("rid")).values(uuid=sa.bindparam("new")),
            [{"rid": i, "new": str(uuid.uuid4())} for i in ids],
        )


def upgrade() -> None:
    for table in TRAVELLING:
        op.add_column(table, sa.Column("uuid", sa.String(36), nullable=True))
        _backfill_uuids(table)
        with op.batch_alter_table(table) as batch:
            batch.alter_column("uuid", existing_type=sa.String(36), nullable=False)
        op.create_index(f"ux_{table}_uuid", table, ["uuid"], unique=True)

    op.drop_index("ix_trainees_name", table_name="trainees")
    op.create_index("ix_trainees_name", "trainees", ["name"])
    op.add_column("trainees", sa.Column("group_name", sa.String(100), nullable=False, server_default=""))
    op.create_index("ix_trainees_group_name", "trainees", ["group_name"])

    op.create_table(
        "raters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ux_raters_uuid", "raters", ["uuid"], unique=True)
    op.create_index("ix_raters_name", "raters", ["name"])

    op.create_table(
        "exam_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("exam_id", sa.String(100), nullable=False),
        sa.Column("exam_title", sa.String(300), nullable=False),
        sa.Column("candidate", sa.String(200), nullable=False),
        sa.Column("exam_attempt", sa.String(100), nullable=False),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("submitted_at", _TS, nullable=False),
        sa.Column("verified", sa.Boolean, nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("passed", sa.Boolean, nullable=True),
        sa.Column("graded_json", sa.Text, nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.UniqueConstraint("exam_id", "candidate", "exam_attempt", name="uq_exam_result_attempt"),
    )
    op.create_index("ux_exam_results_uuid", "exam_results", ["uuid"], unique=True)
    op.create_index("ux_exam_results_sha256", "exam_results", ["sha256"], unique=True)
    for col in ("exam_id", "candidate", "trainee_id"):
        op.create_index(f"ix_exam_results_{col}", "exam_results", [col])


def downgrade() -> None:
    raise NotImplementedError("imgtrainer never downgrades: data tables are not dropped")
