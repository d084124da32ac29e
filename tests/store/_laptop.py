"""A laptop store with known rows for the sync tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from imgtrainer.library.taxonomy_io import load_taxonomy
from imgtrainer.progress.attempts import AttemptStore
from imgtrainer.progress.trainees import TraineeDirectory
from imgtrainer.store.engine import make_engine, new_uuid
from imgtrainer.training.questions import build_question_set
from imgtrainer.training.responses import parse_answers
from tests.training._cases import lung_case, perfect_answers

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
TABLES = ("trainees", "attempts", "attempt_answers", "finding_outcomes", "scan_log", "raters")


def make_laptop(url: str, n_attempts: int = 3, copies: int = 0) -> dict[str, int]:
    """Two trainees who share a name, ``n_attempts`` finished attempts each, one attempt in
    progress, two Level 1 scans and a rater; then ``copies`` extra copies of every finished
    attempt (fresh UUIDs) to make a big laptop quickly. Returns the row counts."""
    engine = make_engine(url)
    d = TraineeDirectory(engine)
    a = d.add("Sam Lee", T0, group="PGY-1 2026")
    b = d.add("Sam Lee", T0, group="PGY-2 2026")
    store = AttemptStore(engine)
    case, key = lung_case()
    qset = build_question_set(case, key, load_taxonomy("lung"), ["application", "findings", "lung_sliding"])
    good = parse_answers({q: perfect_answers(key, case)[q] for q in qset.ids}, qset)
    for t in (a, b):
        for i in range(n_attempts):
            store.record_attempt(t.uuid, case, key, qset, good, T0 + timedelta(days=i))
        store.log_scan(t.uuid, "lung", date(2026, 5, 1), T0, supervisor="Dr Who")
    aid = store.start(a.uuid, qset, T0 + timedelta(days=30))
    store.record_answer(aid, "application", good["application"], T0 + timedelta(days=30))
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO raters (uuid, name, role, active, created_at) VALUES (:u, 'Dr Who', 'faculty', 1, :t)"
            ),
            {"u": new_uuid(), "t": T0},
        )
        if copies:
            _copy_attempts(conn, copies)
    counts = table_counts(engine)
    engine.dispose()
    return counts


def _copy_attempts(conn, copies: int) -> None:
    md = sa.MetaData()
    md.reflect(conn, only=["attempts", "attempt_answers", "finding_outcomes"])
    at, an, fo = (md.tables[t] for t in ("attempts", "attempt_answers", "finding_outcomes"))
    base = conn.execute(sa.select(at).where(at.c.status == "finished")).mappings().all()
    for _ in range(copies):
        for row in base:
            new = {k: v for k, v in row.items() if k != "id"} | {"uuid": new_uuid()}
            nid = conn.execute(at.insert().values(new)).inserted_primary_key[0]
            for child in (an, fo):
                kids = conn.execute(sa.select(child).where(child.c.attempt_id == row["id"])).mappings().all()
                conn.execute(
                    child.insert(),
                    [
                        {k: v for k, v in c.items() if k != "id"} | {"uuid": new_uuid(), "attempt_id": nid}
                        for c in kids
                    ],
                )


def table_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}


def uuid_sets(engine) -> dict[str, set[str]]:
    with engine.connect() as conn:
        return {t: set(conn.execute(sa.text(f"SELECT uuid FROM {t}")).scalars()) for t in TABLES}
