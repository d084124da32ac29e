"""Many workstations at once: 20 processes each submit 50 answered attempts at the same moment
into one store (PostgreSQL, and one shared SQLite file in WAL mode with a busy timeout).
Nothing is lost or duplicated, every attempt is in the cohort report, and no process sees
"database is locked"."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from imgtrainer.progress.cohort import build_cohort
from imgtrainer.store.engine import make_engine

REPO = Path(__file__).resolve().parents[2]
N_PROC, N_ATTEMPTS = 20, 50


@pytest.mark.slow
def test_twenty_processes_submit_at_once(db_url: str) -> None:
    make_engine(db_url, upgrade=True).dispose()
    start_at = time.time() + 4.0  # every process is imported and connected by then
    env = dict(os.environ, PYTHONPATH=str(REPO))
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.store._workers",
                "submit",
                db_url,
                f"Trainee {i:02d}",
                str(N_ATTEMPTS),
                str(start_at),
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(N_PROC)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    errors = [err for (_out, err), p in zip(outs, procs, strict=True) if p.returncode]
    assert not errors, errors[0][-800:]
    assert all(out.strip() == f"OK {N_ATTEMPTS}" for out, _ in outs)
    assert not any("locked" in err for _, err in outs)

    engine = make_engine(db_url)
    with engine.connect() as conn:
        per = dict(
            conn.execute(
                sa.text(
                    "SELECT t.name, count(*) FROM attempts a JOIN trainees t ON t.id = a.trainee_id "
                    "WHERE a.status = 'finished' GROUP BY t.name"
                )
            ).all()
        )
        n_ans, n_uuid = conn.execute(
            sa.text("SELECT count(*), count(DISTINCT uuid) FROM attempt_answers")
        ).one()
        open_attempts = conn.execute(
            sa.text("SELECT count(*) FROM attempts WHERE status <> 'finished'")
        ).scalar()
    assert per == {f"Trainee {i:02d}": N_ATTEMPTS for i in range(N_PROC)}
    assert n_ans == n_uuid == N_PROC * N_ATTEMPTS and open_attempts == 0
    cohort = build_cohort(engine, datetime.now(UTC))
    assert {e.trainee.name: e.attempts for e in cohort.entries} == per
    engine.dispose()
