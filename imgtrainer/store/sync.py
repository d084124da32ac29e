"""Copy a laptop's rows into the department store: a set union keyed by UUID.

Trainees, raters, finished attempts (with their answers and finding outcomes) and Level 1 scan
log entries are append-only, so copying the rows whose UUID the destination lacks is the whole
algorithm: a second run copies nothing, two laptops never conflict, and the integer ids of
the destination are its own (foreign keys are translated through the parents' UUIDs).

Each batch of attempts is one transaction holding the attempts with all their answers and
outcomes, so a kill at any moment leaves whole attempts or nothing; the next run starts again
by comparing UUIDs and resumes where the committed batches end. Inserts use ON CONFLICT DO
NOTHING, so two syncs of the same laptop at once cannot duplicate a row either. Attempts still
in progress are left for a later run (their answers can still change).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, func, select
from sqlalchemy.engine import Connection

from imgtrainer.store.attempt_tables import AnswerRow, AttemptRow, FindingOutcomeRow, ScanLogRow, TraineeRow
from imgtrainer.store.rater_tables import RaterRow

_CHUNK = 500  # uuids per IN (...) query


@dataclass
class SyncReport:
    source: str
    target: str
    copied: dict[str, int] = field(default_factory=dict)
    already_there: dict[str, int] = field(default_factory=dict)
    in_progress_skipped: int = 0
    source_totals: dict[str, int] = field(default_factory=dict)
    target_totals: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Every synced row of the source is in the target."""
        return all(self.target_totals.get(k, 0) == v for k, v in self.source_totals.items())

    def to_dict(self) -> dict:
        return {**asdict(self), "complete": self.complete}


def _t(model: Any) -> Table:
    return model.__table__


def _utc(v: Any) -> Any:
    """SQLite hands back naive datetimes that were stored as UTC: say so before PostgreSQL reads
    them in its session time zone."""
    if isinstance(v, datetime) and v.tzinfo is None:
        return v.replace(tzinfo=UTC)
    return v


def _insert(conn: Connection, table: Table, rows: Sequence[dict], returning: bool = False):
    """INSERT ... ON CONFLICT DO NOTHING on both engines."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).on_conflict_do_nothing()
    if returning:
        return conn.execute(stmt.values(rows[0]).returning(table.c.id)).scalar()
    conn.execute(stmt, list(rows))
    return None


def _existing(conn: Connection, table: Table, uuids: Iterable[str]) -> set[str]:
    uuids = list(uuids)
    have: set[str] = set()
    for i in range(0, len(uuids), _CHUNK):
        part = uuids[i : i + _CHUNK]
        have.update(conn.execute(select(table.c.uuid).where(table.c.uuid.in_(part))).scalars())
    return have


def _row(r: Any, drop: tuple[str, ...] = ("id",)) -> dict:
    return {k: _utc(v) for k, v in r._mapping.items() if k not in drop}


def _id_map(conn: Connection, table: Table, uuids: Iterable[str]) -> dict[str, int]:
    uuids = list(set(uuids))
    out: dict[str, int] = {}
    for i in range(0, len(uuids), _CHUNK):
        part = uuids[i : i + _CHUNK]
        out.update(dict(conn.execute(select(table.c.uuid, table.c.id).where(table.c.uuid.in_(part))).all()))
    return out


def _copy_flat(src: Connection, dst: Engine, model: Any, report: SyncReport, name: str) -> None:
    """Trainees and raters: rows without parents (trainee uuids map foreign keys later)."""
    table = _t(model)
    rows = src.execute(select(table).order_by(table.c.id)).all()
    with dst.begin() as d:
        have = _existing(d, table, [r.uuid for r in rows])
        new = [_row(r) for r in rows if r.uuid not in have]
        if new:
            _insert(d, table, new)
    report.copied[name] = len(new)
    report.already_there[name] = len(rows) - len(new)


def sync(
    source: Engine,
    target: Engine,
    batch: int = 20,
    on_batch: Callable[[SyncReport], None] | None = None,
) -> SyncReport:
    """Copy every row of ``source`` missing from ``target`` (see the module docstring)."""
    from imgtrainer.store.config import mask_url

    report = SyncReport(mask_url(str(source.url)), mask_url(str(target.url)))
    tr, at, sl = _t(TraineeRow), _t(AttemptRow), _t(ScanLogRow)
    with source.connect() as s:
        _copy_flat(s, target, TraineeRow, report, "trainees")
        _copy_flat(s, target, RaterRow, report, "raters")
        src_trainee_uuid = dict(s.execute(select(tr.c.id, tr.c.uuid)).all())
        report.in_progress_skipped = s.execute(
            select(func.count()).select_from(at).where(at.c.status != "finished")
        ).scalar_one()
        attempts = s.execute(select(at).where(at.c.status == "finished").order_by(at.c.id)).all()
        with target.connect() as d:
            have = _existing(d, at, [a.uuid for a in attempts])
            trainee_ids = _id_map(d, tr, src_trainee_uuid.values())
        todo = [a for a in attempts if a.uuid not in have]
        for k in ("attempts", "answers", "finding_outcomes"):
            report.copied.setdefault(k, 0)
        report.already_there["attempts"] = len(attempts) - len(todo)
        for i in range(0, len(todo), batch):
            _copy_attempts(s, target, todo[i : i + batch], src_trainee_uuid, trainee_ids, report)
            if on_batch:
                on_batch(report)
        scans = s.execute(select(sl).order_by(sl.c.id)).all()
        with target.begin() as d:
            have = _existing(d, sl, [r.uuid for r in scans])
            new = []
            for r in scans:
                if r.uuid not in have:
                    row = _row(r)
                    row["trainee_id"] = trainee_ids[src_trainee_uuid[r.trainee_id]]
                    new.append(row)
            if new:
                _insert(d, sl, new)
        report.copied["scan_log"] = len(new)
        report.already_there["scan_log"] = len(scans) - len(new)
        _totals(s, target, report)
    return report


def _copy_attempts(
    s: Connection,
    target: Engine,
    attempts: Sequence[Any],
    src_trainee_uuid: dict[int, str],
    trainee_ids: dict[str, int],
    report: SyncReport,
) -> None:
    """One transaction: these attempts with every answer and finding outcome."""
    at, an, fo = _t(AttemptRow), _t(AnswerRow), _t(FindingOutcomeRow)
    src_ids = [a.id for a in attempts]
    answers = s.execute(select(an).where(an.c.attempt_id.in_(src_ids)).order_by(an.c.id)).all()
    outcomes = s.execute(select(fo).where(fo.c.attempt_id.in_(src_ids)).order_by(fo.c.id)).all()
    n_att = n_ans = n_out = 0
    with target.begin() as d:
        new_id: dict[int, int] = {}
        for a in attempts:
            row = _row(a)
            row["trainee_id"] = trainee_ids[src_trainee_uuid[a.trainee_id]]
            rid = _insert(d, at, [row], returning=True)
            if rid is not None:  # None: a concurrent sync got there first, with its children
                new_id[a.id] = rid
                n_att += 1
        ans_rows = [dict(_row(r), attempt_id=new_id[r.attempt_id]) for r in answers if r.attempt_id in new_id]
        out_rows = [
            dict(_row(r), attempt_id=new_id[r.attempt_id]) for r in outcomes if r.attempt_id in new_id
        ]
        if ans_rows:
            _insert(d, an, ans_rows)
        if out_rows:
            _insert(d, fo, out_rows)
        n_ans, n_out = len(ans_rows), len(out_rows)
    report.copied["attempts"] += n_att
    report.copied["answers"] += n_ans
    report.copied["finding_outcomes"] += n_out


def _totals(s: Connection, target: Engine, report: SyncReport) -> None:
    """How many of the source's synced rows the target now holds, per table."""
    at = _t(AttemptRow)
    finished = select(at.c.id).where(at.c.status == "finished")
    tables = {
        "trainees": (_t(TraineeRow), None),
        "raters": (_t(RaterRow), None),
        "attempts": (at, at.c.status == "finished"),
        "answers": (_t(AnswerRow), _t(AnswerRow).c.attempt_id.in_(finished)),
        "finding_outcomes": (_t(FindingOutcomeRow), _t(FindingOutcomeRow).c.attempt_id.in_(finished)),
        "scan_log": (_t(ScanLogRow), None),
    }
    with target.connect() as d:
        for name, (table, where) in tables.items():
            q = select(table.c.uuid)
            if where is not None:
                q = q.where(where)
            uuids = s.execute(q).scalars().all()
            report.source_totals[name] = len(uuids)
            report.target_totals[name] = len(_existing(d, table, uuids))
