"""Raters: the faculty who write answer keys, adjudicate and (issue 17) review trainees' scans.

A rater travels between stores like a trainee (``uuid``, display name not unique); ``role`` is
free text such as ``faculty`` or ``expert``. Rows are never deleted: a rater who leaves is
marked ``active = false`` so the keys and reviews they signed keep their author.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from imgtrainer.store.engine import Base, new_uuid


class RaterRow(Base):
    __tablename__ = "raters"
    __table_args__ = (Index("ux_raters_uuid", "uuid", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), default=new_uuid)
    name: Mapped[str] = mapped_column(String(200), index=True)
    role: Mapped[str] = mapped_column(String(32), default="faculty")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
