"""QA review of performed scans: a scan-log entry may come from a faculty review of the trainee's
own images (issue 17) instead of the trainee's word.

New columns on ``scan_log`` (existing rows are self-reported and still count):
- ``source``: ``self`` (``progress log-scan``, no images) or ``qa`` (a reviewed submission);
- ``qa_submission``: the submission id in the QA folder (links the entry to its images and review);
- ``reviewer``, ``acep_grade`` (mean ACEP 1-5 over the views), ``agreement`` (0-1, the trainee's
  reading scored against the reviewer's answers), ``submitted_at`` (for the review turnaround);
- ``counts``: whether the study counts toward the ASRA minimum (a review may say it does not).

Revision ID: 0003_qa_reviews
Revises: 0002_department
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_qa_reviews"
down_revision = "0002_department"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scan_log") as batch:
        batch.add_column(sa.Column("source", sa.String(16), nullable=False, server_default="self"))
        batch.add_column(sa.Column("qa_submission", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("reviewer", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("acep_grade", sa.Float, nullable=True))
        batch.add_column(sa.Column("agreement", sa.Float, nullable=True))
        batch.add_column(sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("counts", sa.Boolean, nullable=False, server_default=sa.true()))
    op.create_index("ix_scan_log_qa_submission", "scan_log", ["qa_submission"])


def downgrade() -> None:
    raise NotImplementedError("data columns are never dropped")
