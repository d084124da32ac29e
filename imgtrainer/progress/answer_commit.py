"""One answer committed in one round trip (PostgreSQL).

With many workstations on one server, each extra statement of a transaction waits for the
network and a busy CPU, so ``AttemptStore.record_answer`` on PostgreSQL sends a single
autocommitted ``INSERT ... ON CONFLICT DO UPDATE`` guarded by the attempt still being in
progress, instead of BEGIN / SELECT attempt / SELECT answer / INSERT or UPDATE / COMMIT. The
question set of an attempt never changes after it starts, so it is read once and cached.
The semantics are those of the ORM path: an earlier answer to the question is replaced, and
the time spent adds up over its answers.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from imgtrainer.errors import StoreError
from imgtrainer.store.engine import new_uuid

_UPSERT = text(
    """
    INSERT INTO attempt_answers (uuid, attempt_id, question_id, kind, response_json, time_s, answered_at)
    SELECT :uuid, :aid, :qid, :kind, :resp, :t, :now
    WHERE EXISTS (SELECT 1 FROM attempts WHERE id = :aid AND status = 'in_progress')
    ON CONFLICT (attempt_id, question_id) DO UPDATE SET
        kind = excluded.kind,
        response_json = excluded.response_json,
        answered_at = excluded.answered_at,
        time_s = CASE WHEN excluded.time_s IS NULL THEN attempt_answers.time_s
                      WHEN attempt_answers.time_s IS NULL THEN excluded.time_s
                      ELSE attempt_answers.time_s + excluded.time_s END
    WHERE EXISTS (SELECT 1 FROM attempts WHERE id = :aid AND status = 'in_progress')
    """
)


def commit_answer(engine: Engine, attempt_id: int, question_id: str, kind: str, data: str, t, now) -> bool:
    """Upsert one answer in one autocommitted statement; False when the attempt is not in
    progress (the caller then explains why with a read)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        res = conn.execute(
            _UPSERT,
            {
                "uuid": new_uuid(),
                "aid": attempt_id,
                "qid": question_id,
                "kind": kind,
                "resp": data,
                "t": t,
                "now": now,
            },
        )
        return res.rowcount == 1


def check_question(plans: dict[int, frozenset[str]], attempt_id: int, question_id: str) -> None:
    if question_id not in plans[attempt_id]:
        raise StoreError(f"attempt {attempt_id}: question {question_id!r} is not in its question set")
