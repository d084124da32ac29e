"""Trainees: a UUID and a display name (names are not unique), in an optional group such as
"PGY-2 2026". ``resolve`` turns what a user typed (a name, a full UUID or the first 8+
characters of one) into exactly one trainee, or says which trainees match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from imgtrainer.errors import ImgTrainerError, StoreError
from imgtrainer.store.attempt_tables import AttemptRow, TraineeRow

_UUID_PREFIX = re.compile(r"^[0-9a-f]{8}(-[0-9a-f-]{0,27})?$", re.IGNORECASE)


class AmbiguousTraineeError(StoreError):
    """Several trainees match a name: the message lists them with their ids."""


@dataclass(frozen=True)
class Trainee:
    id: int
    uuid: str
    name: str
    group: str
    created_at: datetime

    @property
    def short_id(self) -> str:
        return self.uuid[:8]

    def label(self) -> str:
        """How a trainee is shown when names clash: 'Ana Silva (PGY-2 2026, id 1a2b3c4d)'."""
        extra = ", ".join(x for x in (self.group, f"id {self.short_id}") if x)
        return f"{self.name} ({extra})"

    def to_dict(self) -> dict:
        return {
            "id": self.uuid,
            "name": self.name,
            "group": self.group,
            "created_at": _utc(self.created_at).isoformat(),
        }


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _to(row: TraineeRow) -> Trainee:
    return Trainee(row.id, row.uuid, row.name, row.group_name or "", _utc(row.created_at))


def clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ImgTrainerError("trainee name must not be empty")
    if len(name) > 200:
        raise ImgTrainerError("trainee name is longer than 200 characters")
    return name


def matching_rows(s: Session, ref: str) -> list[TraineeRow]:
    """Trainees that ``ref`` names: by UUID (prefix of 8+ characters), else by exact name, else by
    name ignoring case."""
    ref = " ".join(str(ref).split())
    if not ref:
        return []
    if _UUID_PREFIX.match(ref):
        rows = list(s.scalars(select(TraineeRow).where(TraineeRow.uuid.startswith(ref.lower()))))
        if rows:
            return rows
    rows = list(s.scalars(select(TraineeRow).where(TraineeRow.name == ref).order_by(TraineeRow.id)))
    if rows:
        return rows
    return list(
        s.scalars(
            select(TraineeRow).where(func.lower(TraineeRow.name) == ref.lower()).order_by(TraineeRow.id)
        )
    )


def pick_one(rows: list[TraineeRow], ref: str) -> TraineeRow | None:
    """The one row, None for no row, AmbiguousTraineeError for several."""
    if len(rows) > 1:
        listed = "; ".join(_to(r).label() for r in rows[:10])
        raise AmbiguousTraineeError(
            f"{len(rows)} trainees match {ref!r}: {listed}. Give --trainee with the id (e.g. {rows[0].uuid[:8]})"
        )
    return rows[0] if rows else None


class TraineeDirectory:
    """Add, list and resolve trainees on one store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, name: str, now: datetime, group: str = "", uuid: str | None = None) -> Trainee:
        """A new trainee (always new: two trainees may share a name)."""
        kwargs = {"uuid": uuid} if uuid else {}
        with Session(self.engine) as s, s.begin():
            row = TraineeRow(name=clean_name(name), group_name=group.strip(), created_at=now, **kwargs)
            s.add(row)
            s.flush()
            return _to(row)

    def list(self, group: str | None = None) -> list[Trainee]:
        q = select(TraineeRow)
        if group is not None:
            q = q.where(TraineeRow.group_name == group.strip())
        with Session(self.engine) as s:
            return [_to(r) for r in s.scalars(q.order_by(TraineeRow.name, TraineeRow.id))]

    def groups(self) -> list[str]:
        with Session(self.engine) as s:
            return sorted(g for g in s.scalars(select(TraineeRow.group_name).distinct()) if g)

    def find(self, ref: str) -> Trainee | None:
        """The trainee ``ref`` names, None if none; AmbiguousTraineeError if several."""
        with Session(self.engine) as s:
            row = pick_one(matching_rows(s, ref), ref)
            return _to(row) if row else None

    def get(self, ref: str) -> Trainee:
        """Like ``find`` but a missing trainee is an error listing similar names."""
        t = self.find(ref)
        if t is not None:
            return t
        with Session(self.engine) as s:
            names = sorted(set(s.scalars(select(TraineeRow.name))))
        near = [n for n in names if ref.strip().lower() in n.lower()][:10]
        hint = (
            f" (similar: {', '.join(near)})" if near else f" (known: {', '.join(names[:10]) or 'none yet'})"
        )
        raise StoreError(f"no trainee {ref!r} in the database{hint}")

    def set_group(self, ref: str, group: str) -> Trainee:
        with Session(self.engine) as s, s.begin():
            row = pick_one(matching_rows(s, ref), ref)
            if row is None:
                raise StoreError(f"no trainee {ref!r} in the database")
            row.group_name = group.strip()
            return _to(row)

    def attempt_counts(self) -> dict[int, int]:
        """Finished attempts per trainee id."""
        with Session(self.engine) as s:
            q = (
                select(AttemptRow.trainee_id, func.count())
                .where(AttemptRow.status == "finished")
                .group_by(AttemptRow.trainee_id)
            )
            return {tid: n for tid, n in s.execute(q)}
