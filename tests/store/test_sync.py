"""Sync laptop -> department store: a set union by UUID; idempotent; in-progress attempts wait;
foreign keys translated; a sync killed (SIGKILL) at 100+ random moments loses and duplicates
nothing and ends with the laptop's totals."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from imgtrainer.progress.attempts import AttemptStore
from imgtrainer.progress.logbook import logbook_for
from imgtrainer.store.engine import make_engine
from imgtrainer.store.sync import sync
from tests.store._laptop import T0, make_laptop, table_counts, uuid_sets

REPO = Path(__file__).resolve().parents[2]


def test_sync_is_an_idempotent_set_union(db_url: str, tmp_path: Path) -> None:
    laptop = f"sqlite:///{tmp_path / 'laptop.sqlite'}"
    counts = make_laptop(laptop)
    src, dst = make_engine(laptop), make_engine(db_url, upgrade=True)
    first = sync(src, dst)
    assert first.complete
    assert first.copied == {
        "trainees": 2,
        "raters": 1,
        "attempts": 6,
        "answers": 18,
        "finding_outcomes": counts["finding_outcomes"],
        "scan_log": 2,
    }
    assert first.in_progress_skipped == 1
    again = sync(src, dst)
    assert set(again.copied.values()) == {0} and again.complete
    got, want = uuid_sets(dst), uuid_sets(src)
    in_progress = {r for r in want["attempts"] if r not in got["attempts"]}
    assert len(in_progress) == 1 and want["attempt_answers"] - got["attempt_answers"]  # its answer waits
    assert {t: got[t] for t in ("trainees", "raters", "finding_outcomes", "scan_log")} == {
        t: want[t] for t in ("trainees", "raters", "finding_outcomes", "scan_log")
    }
    # the two trainees who share a name keep their own attempts and logbooks
    s_store, d_store = AttemptStore(src), AttemptStore(dst)
    for t in s_store.trainees():
        assert t == "Sam Lee"
    with src.connect() as c:
        uuids = list(c.execute(sa.text("SELECT uuid FROM trainees ORDER BY id")).scalars())
    now = T0 + timedelta(days=40)
    for u in uuids:
        a, b = logbook_for(s_store, u, now), logbook_for(d_store, u, now)
        assert a.to_dict() == b.to_dict()
    # finishing the open attempt makes it travel on the next run, with its answer
    from tests.store._laptop import lung_case  # same case and question set as make_laptop

    open_id = s_store.attempts(uuids[0], status="in_progress")[0].id
    case, key = lung_case()
    from imgtrainer.library.taxonomy_io import load_taxonomy
    from imgtrainer.training.questions import build_question_set

    qset = build_question_set(case, key, load_taxonomy("lung"), ["application", "findings", "lung_sliding"])
    s_store.finish(open_id, case, key, qset, now)
    third = sync(src, dst)
    assert third.copied["attempts"] == 1 and third.copied["answers"] == 1 and third.complete
    assert uuid_sets(dst)["attempt_answers"] == uuid_sets(src)["attempt_answers"]
    src.dispose()
    dst.dispose()


def test_two_laptops_and_the_cli(db_url: str, tmp_path: Path) -> None:
    laptops = [f"sqlite:///{tmp_path / f'l{i}.sqlite'}" for i in range(2)]
    for url in laptops:
        make_laptop(url, n_attempts=2)
    make_engine(db_url, upgrade=True).dispose()
    for _ in range(2):
        for url in laptops:
            p = subprocess.run(
                [sys.executable, "-m", "imgtrainer", "sync", "--to", db_url, "--db", url, "--json"],
                capture_output=True,
                text=True,
                cwd=REPO,
            )
            assert p.returncode == 0, p.stderr
            assert json.loads(p.stdout)["complete"] is True
    counts = table_counts(make_engine(db_url))
    assert counts["trainees"] == 4 and counts["attempts"] == 8 and counts["scan_log"] == 4


def _child(src_url: str, dst_url: str, conn) -> None:
    """Forked sync: reports each committed batch through the pipe until it is killed."""
    src, dst = make_engine(src_url), make_engine(dst_url)
    report = sync(src, dst, batch=3, on_batch=lambda r: conn.send(r.copied["attempts"]))
    conn.send(("done", report.complete))


def _check_consistent(dst, src_counts: dict, src_children: dict[str, tuple[int, int]]) -> int:
    """No duplicate, no half attempt: every attempt in ``dst`` has all its answers and outcomes."""
    with dst.connect() as c:
        for t in ("attempts", "attempt_answers", "finding_outcomes", "trainees", "scan_log", "raters"):
            n, u = c.execute(sa.text(f"SELECT count(*), count(DISTINCT uuid) FROM {t}")).one()
            assert n == u, f"duplicated rows in {t}"
            assert n <= src_counts[t]
        rows = c.execute(
            sa.text(
                "SELECT a.uuid, (SELECT count(*) FROM attempt_answers x WHERE x.attempt_id = a.id),"
                " (SELECT count(*) FROM finding_outcomes f WHERE f.attempt_id = a.id) FROM attempts a"
            )
        ).all()
    for u, n_ans, n_out in rows:
        assert src_children[u] == (n_ans, n_out), f"attempt {u} is incomplete in the target"
    return len(rows)


@pytest.mark.slow
def test_sync_survives_100_sigkills(pg_server, tmp_path: Path) -> None:
    laptop = f"sqlite:///{tmp_path / 'big.sqlite'}"
    src_counts = make_laptop(laptop, n_attempts=5, copies=20)  # 210 finished attempts
    src = make_engine(laptop)
    with src.connect() as c:
        src_children = {
            u: (n_a, n_o)
            for u, n_a, n_o in c.execute(
                sa.text(
                    "SELECT a.uuid, (SELECT count(*) FROM attempt_answers x WHERE x.attempt_id = a.id),"
                    " (SELECT count(*) FROM finding_outcomes f WHERE f.attempt_id = a.id) FROM attempts a"
                    " WHERE a.status = 'finished'"
                )
            )
        }
    rng = random.Random(15)
    ctx = multiprocessing.get_context("fork")
    kills = completed = 0
    dst_url = pg_server.fresh_database()
    while kills < 100 or completed == 0:
        dst = make_engine(dst_url)
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_child, args=(laptop, dst_url, child), daemon=True)
        proc.start()
        finished = False
        if kills < 100:
            for _ in range(rng.randint(0, 4)):  # let a few batches commit, then kill mid-way
                if not parent.poll(20):
                    break
                if isinstance(parent.recv(), tuple):
                    finished = True
                    break
            if not finished:
                proc.join(rng.uniform(0, 0.05))
                if proc.is_alive():
                    os.kill(proc.pid, signal.SIGKILL)
                    kills += 1
        proc.join(60)
        assert proc.exitcode is not None
        n = _check_consistent(dst, src_counts, src_children)
        dst.dispose()
        if proc.exitcode == 0:  # ran to the end: the totals must be the laptop's
            assert n == len(src_children)
            assert sync(src, make_engine(dst_url)).complete
            completed += 1
            if kills < 100:
                dst_url = pg_server.fresh_database()  # start over for more kills
    final = make_engine(dst_url)
    report = sync(src, final)  # resumes after the last kill
    assert report.complete and report.target_totals == report.source_totals
    assert set(sync(src, final).copied.values()) == {0}
    assert kills >= 100 and completed >= 1
    print(f"sync: {kills} SIGKILLs survived, {completed} complete run(s)")
