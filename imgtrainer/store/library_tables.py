"""Tables of the searchable case index (one row per case folder of an indexed library).

Findings and tags are stored as space-delimited words with a leading and trailing space
(`` blines a_lines ``) so that ``LIKE '% blines %'`` filters work on SQLite and PostgreSQL
alike. The fingerprint columns (mtime and size of case.json, key.json and the media) let a
rescan skip unchanged folders.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from imgtrainer.store.engine import Base


class LibraryCaseRow(Base):
    __tablename__ = "library_cases"
    __table_args__ = (UniqueConstraint("library", "case_id", name="uq_library_case"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    library: Mapped[str] = mapped_column(String(1024), index=True)  # resolved library folder
    case_id: Mapped[str] = mapped_column(String(100), index=True)
    folder: Mapped[str] = mapped_column(String(1024))  # resolved case folder
    domain: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(512))
    view: Mapped[str | None] = mapped_column(String(64), nullable=True)
    findings: Mapped[str] = mapped_column(Text, default=" ")  # present in the consensus key
    tags: Mapped[str] = mapped_column(Text, default=" ")
    difficulty: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    probe: Mapped[str] = mapped_column(String(16), default="unknown")
    question_set: Mapped[str] = mapped_column(String(64), default="default")
    has_key: Mapped[bool] = mapped_column(Boolean, default=False)
    n_raters: Mapped[int] = mapped_column(Integer, default=0)
    media: Mapped[str] = mapped_column(Text, default="")  # primary media path, relative to folder
    media_paths: Mapped[str] = mapped_column(Text, default="")  # every media path, one per line
    search_text: Mapped[str] = mapped_column(Text, default="")  # lower-cased free text
    fingerprint: Mapped[str] = mapped_column(Text, default="")
    case_mtime_ns: Mapped[int] = mapped_column(BigInteger, default=0)
    indexed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
