"""Attempt store: SQLite round trip, per-answer commits that survive a crash, the scan log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from imgtrainer.errors import ImgTrainerError, StoreError
from imgtrainer.library.taxonomy_io import load_taxonomy
from imgtrainer.progress.attempts import AttemptStore
from imgtrainer.progress.logbook import logbook_for
from imgtrainer.store.engine import make_engine
from imgtrainer.training.questions import build_question_set
from imgtrainer.training.responses import parse_answers
from tests.training._cases import lung_case, perfect_answers

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def lung():
    case, key = lung_case()
    return case, key, build_question_set(case, key, load_taxonomy("lung"), shuffle_seed="s1")


def test_round_trip_through_the_store(db_url, lung):
    case, key, qset = lung
    db = db_url
    store = AttemptStore(make_engine(db))
    answers = perfect_answers(key, case)
    answers["decision"] = qset.option_order["decision"].index(key.answers["decision"].correct)
    answers["findings"] = {"present": ["blines", "z_lines"], "time_s": 12.0}
    responses = parse_answers(answers, qset)
    attempt_id, result = store.record_attempt("alice", case, key, qset, responses, NOW)
    assert 0.8 < result.score < 1.0
    store.engine.dispose()

    again = AttemptStore(make_engine(db))
    [summary] = again.attempts("alice")
    assert (summary.case_id, summary.domain, summary.mode, summary.status) == (
        case.id,
        "lung",
        "practice",
        "finished",
    )
    assert summary.score == pytest.approx(result.score) and summary.correct == result.correct
    assert summary.started_at == NOW and summary.total_time_s == pytest.approx(12.0)
    assert again.answers(attempt_id) == responses
    assert again.result(attempt_id) == result
    recs = {(r.finding, r.outcome, r.distractor) for r in again.finding_records("alice")}
    assert (
        ("z_lines", "FP", True) in recs
        and ("blines", "TP", False) in recs
        and ("pleural_line", "FN", False) in recs
    )
    assert again.trainees() == ["alice"]
    book = logbook_for(again, "alice", NOW + timedelta(days=1))
    assert book.domain("lung").interpret_studies == 1


def test_answers_commit_one_by_one_and_survive_a_new_engine(db_url, lung):
    case, key, qset = lung
    db = db_url
    store = AttemptStore(make_engine(db))
    aid = store.start("bob", qset, NOW)
    parsed = parse_answers({"view": "plaps", "lus_score": 2}, qset)
    store.record_answer(aid, "view", parsed["view"], NOW, time_s=3.0)
    store.record_answer(aid, "lus_score", parsed["lus_score"], NOW + timedelta(seconds=5), time_s=4.0)
    store.record_answer(aid, "lus_score", parse_answers({"lus_score": 1}, qset)["lus_score"], NOW, time_s=2.0)
    # no finish, no dispose: a new engine (as after a crash) sees every committed answer
    other = AttemptStore(make_engine(db))
    got = other.answers(aid)
    assert got["view"].value == "plaps" and got["lus_score"].value == 1 and got["lus_score"].time_s == 6.0
    assert other.attempts("bob", status="in_progress")[0].id == aid
    assert other.attempts("bob") == []  # finished only
    with pytest.raises(StoreError, match="not in its question set"):
        other.record_answer(aid, "nope", parsed["view"], NOW)
    result = other.finish(aid, case, key, qset, NOW + timedelta(minutes=2))
    assert result.questions[0].question_id == "application" and not result.questions[0].answered
    with pytest.raises(StoreError, match="already finished"):
        other.record_answer(aid, "view", parsed["view"], NOW)
    with pytest.raises(StoreError, match="already finished"):
        other.finish(aid, case, key, qset, NOW)


_CHILD = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime
    sys.path.insert(0, {repo!r})
    from imgtrainer.library.taxonomy_io import load_taxonomy
    from imgtrainer.progress.attempts import AttemptStore
    from imgtrainer.store.engine import make_engine
    from imgtrainer.training.questions import build_question_set
    from imgtrainer.training.responses import parse_answers
    from tests.training._cases import lung_case
    case, key = lung_case()
    qset = build_question_set(case, key, load_taxonomy("lung"))
    store = AttemptStore(make_engine({db!r}))
    aid = store.start("carol", qset, datetime.now(UTC))
    values = {{"view": "plaps", "acep_quality": 3, "b_line_count": 5, "lus_score": 2, "lung_sliding": "absent",
              "effusion_depth": 1.5, "decision": 0, "indication_lung": "effusion"}}
    for qid, v in values.items():
        store.record_answer(aid, qid, parse_answers({{qid: v}}, qset)[qid], datetime.now(UTC))
        print("ack", aid, qid, flush=True)
    time.sleep(60)
    """
)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kill_after", [1, 5])
def test_sigkill_mid_case_loses_no_acknowledged_answer(tmp_path, kill_after):
    db = tmp_path / "crash.sqlite"
    script = tmp_path / "child.py"
    script.write_text(_CHILD.format(repo=str(REPO), db=str(db)))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env, cwd=REPO
    )
    acked = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            _, _aid, qid = line.split()
            acked.append(qid)
            if len(acked) == kill_after:
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.kill()
        proc.wait(10)
    assert len(acked) == kill_after
    store = AttemptStore(make_engine(db))
    [att] = store.attempts("carol", status="in_progress")
    assert set(acked) <= set(store.answers(att.id))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_scan_log(db_url):
    store = AttemptStore(make_engine(db_url))
    store.log_scan("dana", "lung", date(2026, 2, 1), NOW, supervisor="Dr X")
    store.log_scan("dana", "lung", date(2026, 2, 2), NOW)
    store.log_scan("dana", "cardiac", date(2026, 2, 2), NOW)
    assert [s.supervisor for s in store.scans("dana", "lung")] == ["Dr X", ""]
    with pytest.raises(ImgTrainerError, match="future"):
        store.log_scan("dana", "lung", date(2026, 3, 2), NOW)
    with pytest.raises(ImgTrainerError, match="unknown application"):
        store.log_scan("dana", "knee", date(2026, 2, 2), NOW)
    with pytest.raises(ImgTrainerError, match="empty"):
        store.log_scan("  ", "lung", date(2026, 2, 2), NOW)
    book = logbook_for(store, "dana", NOW)
    assert book.domain("lung").bedside_scans == 2 and book.domain("lung").supervised_scans == 1


def test_clear_answer_is_committed_and_survives_a_new_engine(db_url, lung):
    case, key, qset = lung
    db = db_url
    store = AttemptStore(make_engine(db))
    aid = store.start("dora", qset, NOW)
    parsed = parse_answers({"view": "plaps", "lus_score": 2}, qset)
    store.record_answer(aid, "view", parsed["view"], NOW, time_s=3.0)
    store.record_answer(aid, "lus_score", parsed["lus_score"], NOW, time_s=4.0)
    assert store.clear_answer(aid, "lus_score") is True
    assert store.clear_answer(aid, "lus_score") is False  # nothing left to clear
    with pytest.raises(StoreError, match="not in its question set"):
        store.clear_answer(aid, "nope")
    with pytest.raises(StoreError, match="no attempt"):
        store.clear_answer(aid + 99, "view")
    other = AttemptStore(make_engine(db))  # as after a restart
    assert set(other.answers(aid)) == {"view"}
    result = other.finish(aid, case, key, qset, NOW + timedelta(minutes=1))
    assert not next(q for q in result.questions if q.question_id == "lus_score").answered
    with pytest.raises(StoreError, match="already finished"):
        other.clear_answer(aid, "view")


def test_ensure_trainee_is_idempotent(db_url, lung):
    _case, _key, qset = lung
    store = AttemptStore(make_engine(db_url))
    assert store.ensure_trainee("  erin ", NOW) == "erin"
    assert store.ensure_trainee("erin", NOW) == "erin"
    store.start("erin", qset, NOW)
    assert store.trainees() == ["erin"]
    with pytest.raises(ImgTrainerError, match="empty"):
        store.ensure_trainee("  ", NOW)
    with pytest.raises(ValueError, match="timezone"):
        store.ensure_trainee("fay", datetime(2026, 1, 1))
