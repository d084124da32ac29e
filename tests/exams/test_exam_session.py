"""Timed sessions: countdown, auto-submit, clock changes, resume, navigation, audit log."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from imgtrainer.errors import ExamError, ResponseFormatError, TamperError
from imgtrainer.exams.package import ExamPackage
from imgtrainer.exams.results import verify_results_file
from imgtrainer.exams.session import ExamSession
from tests.exams.conftest import PASS, FakeClock, FakeWall, make_package


def _open(
    pkg: ExamPackage, home: Path, clock: FakeClock, cand: str = "alice", wall: FakeWall | None = None
) -> ExamSession:
    return ExamSession.open(pkg, cand, home=home, clock=clock, wall=wall or FakeWall())


def test_countdown_and_auto_submit_at_limit(package: ExamPackage, tmp_path: Path) -> None:
    clock = FakeClock()
    s = _open(package, tmp_path, clock)
    assert s.state == "new"
    with pytest.raises(ExamError, match="started"):
        s.answer(0, "view", "plaps")
    s.start(PASS)
    assert s.remaining_s() == 600
    clock.advance(100)
    s.answer(0, "view", "plaps")
    assert s.remaining_s() == pytest.approx(500)
    clock.advance(500)  # exactly at the limit
    with pytest.raises(ExamError, match="time is up"):
        s.answer(0, "lus_score", 1)  # any call after expiry submits
    assert s.state == "submitted" and s.submit_reason == "time_limit"
    assert s.remaining_s() == 0
    doc = verify_results_file(s.results_path, package, package.results_secret(PASS))
    assert [a["question"] for a in doc["answers"]] == ["view"]
    assert doc["audit"][-1]["event"] == "submit"


def test_polling_alone_submits_at_limit(package: ExamPackage, tmp_path: Path) -> None:
    clock = FakeClock()
    s = _open(package, tmp_path, clock)
    s.start(PASS)
    clock.advance(599.5)
    assert s.remaining_s() == pytest.approx(0.5)
    assert s.state == "running"
    clock.advance(1.0)
    assert s.remaining_s() == 0.0
    assert s.state == "submitted" and s.results_path.is_file()


def test_wall_clock_change_gains_nothing(package: ExamPackage, tmp_path: Path) -> None:
    clock, wall = FakeClock(), FakeWall()
    s = _open(package, tmp_path, clock, wall=wall)
    s.start(PASS)
    clock.advance(60)
    before = s.remaining_s()
    wall.now += timedelta(hours=1)  # the candidate moves the system clock
    assert s.remaining_s() == before
    s.close()
    # ... and across a crash/resume too: only the persisted elapsed time + the bound counts
    wall.now -= timedelta(hours=3)
    s2 = _open(package, tmp_path, clock, wall=wall)
    s2.resume(PASS)
    gained = s2.remaining_s() - before
    assert gained <= 0  # 0 s gained (the resume costs at most heartbeat_s)
    assert gained >= -s2.settings["heartbeat_s"]


def test_resume_counts_time_used_with_upper_bound(package: ExamPackage, tmp_path: Path) -> None:
    clock = FakeClock()
    s = _open(package, tmp_path, clock)
    s.start(PASS)
    clock.advance(42)
    s.answer(1, "view", "plaps")  # persists elapsed = 42
    clock.advance(0.3)  # runs a little more, then the process dies (no close)
    del s
    clock.advance(3600)  # downtime (a reboot resets a real monotonic clock anyway)
    s2 = _open(package, tmp_path, clock)
    assert s2.state == "running"
    with pytest.raises(ExamError, match="resume"):
        s2.answer(0, "view", "plaps")
    s2.resume(PASS)
    hb = s2.settings["heartbeat_s"]
    assert s2.elapsed_s() == pytest.approx(42 + hb)  # >= the 42.3 s really used, within hb
    assert s2.answers()[s2.order[1]]["view"] == "plaps"
    assert [r["event"] for r in s2._db.audit()] == ["start", "answer", "resume"]


def test_candidate_order_is_seeded_and_stable(library: list[Path], tmp_path: Path) -> None:
    pkg = make_package(library, tmp_path / "r.itexam", randomise_cases=True, randomise_options=True)
    orders = {c: ExamSession.open(pkg, c, home=tmp_path).order for c in ("a1", "b2", "c3", "d4", "e5")}
    assert len({tuple(o) for o in orders.values()}) > 1  # candidates differ
    assert ExamSession.open(pkg, "a1", home=tmp_path).order == orders["a1"]  # resume gets the same
    opts = [
        o["id"]
        for o in ExamSession.open(pkg, "a1", home=tmp_path).item(0)["question_set"]["questions"][1]["options"]
    ]
    again = [
        o["id"]
        for o in ExamSession.open(pkg, "a1", home=tmp_path).item(0)["question_set"]["questions"][1]["options"]
    ]
    assert opts == again
    canonical = [o["id"] for o in pkg.items[0]["question_set"]["questions"][1]["options"]]
    assert sorted(opts) == sorted(canonical)


def test_forward_only_and_case_time_limit(library: list[Path], tmp_path: Path) -> None:
    pkg = make_package(library, tmp_path / "f.itexam", navigation="forward", case_time_limit_s=30)
    clock = FakeClock()
    s = _open(pkg, tmp_path, clock)
    s.start(PASS)
    s.answer(0, "view", "plaps")
    with pytest.raises(ExamError, match="forward-only"):
        s.answer(1, "view", "plaps")
    s.goto(1)
    with pytest.raises(ExamError, match="forward-only"):
        s.goto(0)
    clock.advance(31)  # case 2's time is up: moves on to case 3
    assert s.item_remaining_s() == 30
    assert s.current == 2
    with pytest.raises(ExamError, match="time for case 2 is up"):
        s.answer(1, "view", "plaps")
    s.goto(3)
    clock.advance(30)  # last case's time is up: submitted
    s.heartbeat()
    assert s.state == "submitted" and s.submit_reason == "case_time_limit"


def test_bad_answers_are_refused_with_the_question_named(package: ExamPackage, tmp_path: Path) -> None:
    s = _open(package, tmp_path, FakeClock())
    s.start(PASS)
    for q, bad in [
        ("view", "no_such_view"),
        ("lus_score", 7),
        ("b_line_count", -1),
        ("findings", ["nope"]),
        ("decision", "9"),
        ("nonexistent", 1),
        ("b_line_count", True),
    ]:
        with pytest.raises(ResponseFormatError, match=q):
            s.answer(0, q, bad)
    with pytest.raises(ExamError, match="no case 98"):
        s.answer(98, "view", "plaps")
    assert s.committed_count() == 0


def test_audit_log_is_append_only_and_chained(package: ExamPackage, tmp_path: Path) -> None:
    s = _open(package, tmp_path, FakeClock())
    s.start(PASS)
    s.answer(0, "view", "plaps")
    conn = sqlite3.connect(str(s.db_path))
    for sql in (
        "UPDATE audit SET event = 'x'",
        "DELETE FROM audit",
        "UPDATE answers SET response = '1'",
        "DELETE FROM answers",
    ):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(sql)
    assert conn.execute("PRAGMA synchronous").fetchone() is not None
    conn.close()
    rows = s._db.audit()
    assert rows[1]["prev"] == rows[0]["hash"]


def test_start_needs_the_proctor_passphrase_and_refuses_a_changed_package(
    package: ExamPackage, tmp_path: Path
) -> None:
    s = _open(package, tmp_path, FakeClock())
    with pytest.raises(TamperError, match="passphrase"):
        s.start("not the passphrase")
    assert not s.db_path.exists()
    s.start(PASS)
    s.close()
    # a rebuilt package (same path, different content) cannot continue the attempt
    data = package.path.read_bytes()
    package.path.write_bytes(data + b"\0")  # trailing junk changes the file hash only
    pkg2 = ExamPackage.open(package.path)
    with pytest.raises(TamperError, match="changed"):
        ExamSession.open(pkg2, "alice", home=tmp_path, clock=FakeClock())


def test_media_on_disk_and_no_replay(library: list[Path], tmp_path: Path) -> None:
    pkg = make_package(library, tmp_path / "n.itexam", replay_loops=False)
    s = _open(pkg, tmp_path, FakeClock())
    s.start(PASS)
    paths = s.media_paths(0)
    assert len(paths) == 1 and paths[0].is_file() and paths[0].suffix in (".dcm", ".png")
    assert s.play(0) is True
    assert s.play(0) is False  # loops may not be replayed in this exam
    assert s.play(1) is True
    assert [r["event"] for r in s._db.audit()].count("play") == 2


def test_scripted_run_stops_cleanly_when_time_runs_out(library: list[Path], tmp_path: Path) -> None:
    from imgtrainer.exams.scripted import run

    pkg = make_package(library, tmp_path / "t.itexam", time_limit_s=10)
    clock = FakeClock()
    s = _open(pkg, tmp_path, clock)
    steps = [(0, "view", "plaps"), (0, "lus_score", 1), (1, "view", "plaps"), (1, "lus_score", 0)]

    def slow(i: int) -> float:
        clock.advance(4)  # each answer takes the candidate 4 s
        return 0.0

    status = run(s, steps, PASS, delay_s=slow)
    assert status["state"] == "submitted" and status["submit_reason"] == "time_limit"
    assert status["answered_questions"] == 2  # answers at 4 s and 8 s; the third came at 12 s
    assert s.results_path.is_file()


def test_one_live_process_per_attempt(package: ExamPackage, tmp_path: Path) -> None:
    s = _open(package, tmp_path, FakeClock())
    s.start(PASS)
    twin = _open(package, tmp_path, FakeClock())
    with pytest.raises(ExamError, match="already open"):
        twin.resume(PASS)
    s.close()
    twin.resume(PASS)  # once the first one is gone, the attempt continues
    assert twin.state == "running"


def test_results_file_rewritten_after_crash_at_submit(package: ExamPackage, tmp_path: Path) -> None:
    s = _open(package, tmp_path, FakeClock())
    s.start(PASS)
    s.answer(0, "view", "plaps")
    path = s.submit()
    original = path.read_bytes()
    s.close()
    path.unlink()  # as if killed after the submit transaction, before the file was renamed
    again = _open(package, tmp_path, FakeClock())
    assert again.state == "submitted" and path.read_bytes() == original
    verify_results_file(path, package, package.results_secret(PASS))
