"""Raters in the store: the faculty who key cases, adjudicate and (issue 17) review trainees'
scans. Like trainees they have a UUID and a display name (not unique) and travel by ``sync``;
they are never deleted, only retired (``active = false``), so what they signed keeps its author.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from imgtrainer.errors import ImgTrainerError, StoreError
from imgtrainer.store.rater_tables import RaterRow


@dataclass(frozen=True)
class Rater:
    id: int
    uuid: str
    name: str
    role: str
    active: bool

    def to_dict(self) -> dict:
        return {"id": self.uuid, "name": self.name, "role": self.role, "active": self.active}


def _to(r: RaterRow) -> Rater:
    return Rater(r.id, r.uuid, r.name, r.role, r.active)


class RaterDirectory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, name: str, now: datetime, role: str = "faculty") -> Rater:
        name = " ".join(name.split())
        if not name:
            raise ImgTrainerError("rater name must not be empty")
        with Session(self.engine) as s, s.begin():
            row = RaterRow(
                name=name, role=role.strip() or "faculty", active=True, created_at=now.astimezone(UTC)
            )
            s.add(row)
            s.flush()
            return _to(row)

    def list(self, include_retired: bool = False) -> list[Rater]:
        q = select(RaterRow).order_by(RaterRow.name, RaterRow.id)
        if not include_retired:
            q = q.where(RaterRow.active.is_(True))
        with Session(self.engine) as s:
            return [_to(r) for r in s.scalars(q)]

    def find(self, ref: str) -> Rater:
        """By UUID (8+ character prefix) or by name; a shared name is refused with the ids."""
        ref = " ".join(ref.split())
        with Session(self.engine) as s:
            rows = (
                list(s.scalars(select(RaterRow).where(RaterRow.uuid.startswith(ref.lower()))))
                if len(ref) >= 8
                else []
            )
            rows = rows or list(s.scalars(select(RaterRow).where(RaterRow.name == ref)))
        if not rows:
            raise StoreError(f"no rater {ref!r} in the database")
        if len(rows) > 1:
            raise StoreError(
                f"{len(rows)} raters match {ref!r}: " + "; ".join(f"{r.name} (id {r.uuid[:8]})" for r in rows)
            )
        return _to(rows[0])

    def retire(self, ref: str) -> Rater:
        r = self.find(ref)
        with Session(self.engine) as s, s.begin():
            row = s.get(RaterRow, r.id)
            row.active = False
            return _to(row)
