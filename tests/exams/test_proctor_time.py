"""Exam integrity: an interrupted attempt waits for the proctor (passphrase or PIN), downtime
follows the exam's policy and can be granted back, per-candidate extra time and proctor
add-time, re-takes numbered under the same candidate id. Every change is in the audit log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from imgtrainer.errors import ExamError
from imgtrainer.exams.build import build_package
from imgtrainer.exams.crypto import MIN_N
from imgtrainer.exams.grading import grade
from imgtrainer.exams.package import ExamPackage
from imgtrainer.exams.results import verify_results_file
from imgtrainer.exams.session import ExamSession
from imgtrainer.exams.settings import ExamSettings
from tests.exams.conftest import PASS, FakeClock, FakeWall

PIN = "4711"


def _pkg(library: list[Path], tmp_path: Path, name: str = "e", pin: str | None = PIN, **kw) -> ExamPackage:
    out = tmp_path / f"{name}.itexam"
    build_package(library, out, PASS, ExamSettings(time_limit_s=600, **kw), kdf_n=MIN_N, proctor_pin=pin)
    return ExamPackage.open(out)


def _crash(s: ExamSession) -> None:
    """The process dies: only the lock goes (the database keeps what was committed)."""
    s.close()


def test_resume_needs_the_proctor_and_downtime_counts(library: list[Path], tmp_path: Path) -> None:
    pkg = _pkg(library, tmp_path)
    clock, wall = FakeClock(), FakeWall()
    s = ExamSession.open(pkg, "alice", home=tmp_path, clock=clock, wall=wall)
    s.start(PASS)
    clock.advance(100)
    s.answer(0, "view", "plaps")  # persisted: 100 s used, at 09:00 wall time
    _crash(s)
    wall.now += timedelta(seconds=300)  # the app was down for 5 minutes
    s2 = ExamSession.open(pkg, "alice", home=tmp_path, clock=clock, wall=wall)
    assert s2.state == "running"
    with pytest.raises(ExamError, match="needs the proctor"):
        s2.resume()
    with pytest.raises(ExamError, match="wrong proctor passphrase or PIN"):
        s2.resume("1234")
    with pytest.raises(ExamError, match="resume"):  # still paused: no answer is taken
        s2.answer(0, "view", "plaps")
    s2.resume(PIN)  # the per-exam PIN is enough
    assert s2.elapsed_s() == pytest.approx(400)  # the 300 s down counted (policy "counts")
    assert s2.remaining_s() == pytest.approx(200)
    st = s2.status()
    assert st["downtime_policy"] == "counts" and st["interruptions"][0]["downtime_s"] == 300
    assert st["interruptions"][0]["by"] == "pin"
    # the proctor gives the downtime back: logged, and the remaining time is restored
    assert s2.grant_downtime(PASS) == pytest.approx(300)
    assert s2.remaining_s() == pytest.approx(500)
    with pytest.raises(ExamError, match="left to grant"):
        s2.grant_downtime(PASS, 10)
    events = [r["event"] for r in s2.audit()]
    assert events == ["start", "answer", "resume", "grant"]
    path = s2.submit()
    doc = verify_results_file(path, pkg, pkg.results_secret(PASS))
    assert [r["event"] for r in doc["audit"]][-2:] == ["grant", "submit"]
    graded, failures = grade(pkg, PASS, [path])
    assert not failures
    t = graded["candidates"][0]["time"]
    assert t["downtime_s"] == 300 and t["granted_s"] == 300 and len(t["interruptions"]) == 1


def test_paused_policy_stops_the_clock(library: list[Path], tmp_path: Path) -> None:
    pkg = _pkg(library, tmp_path, downtime="paused", heartbeat_s=1.0)
    clock, wall = FakeClock(), FakeWall()
    s = ExamSession.open(pkg, "bob", home=tmp_path, clock=clock, wall=wall)
    s.start(PASS)
    clock.advance(50)
    s.answer(0, "view", "plaps")
    _crash(s)
    wall.now += timedelta(minutes=30)
    s2 = ExamSession.open(pkg, "bob", home=tmp_path, clock=clock, wall=wall)
    s2.resume(PASS, grant_downtime=True)  # nothing counted, so nothing is granted
    assert s2.elapsed_s() == pytest.approx(51)  # + the heartbeat bound only
    assert [r["event"] for r in s2.audit()] == ["start", "answer", "resume"]
    assert s2.status()["interruptions"][0]["downtime_s"] == 1800


def test_resume_with_grant_in_one_step(library: list[Path], tmp_path: Path) -> None:
    pkg = _pkg(library, tmp_path, pin=None)
    clock, wall = FakeClock(), FakeWall()
    s = ExamSession.open(pkg, "cara", home=tmp_path, clock=clock, wall=wall)
    s.start(PASS)
    clock.advance(10)
    s.answer(0, "view", "plaps")
    _crash(s)
    wall.now += timedelta(seconds=120)
    s2 = ExamSession.open(pkg, "cara", home=tmp_path, clock=clock, wall=wall)
    with pytest.raises(ExamError, match=r"needs the proctor: give the proctor passphrase$"):
        s2.resume(None)
    s2.resume(PASS, grant_downtime=True)
    assert s2.remaining_s() == pytest.approx(590)  # 130 s used, 120 s given back
    assert [r["event"] for r in s2.audit()][-2:] == ["resume", "grant"]


def test_extra_time_and_add_time(library: list[Path], tmp_path: Path) -> None:
    pkg = _pkg(library, tmp_path, extra_time_s={"dana": 120})
    clock = FakeClock()
    dana = ExamSession.open(pkg, "dana", home=tmp_path, clock=clock, wall=FakeWall())
    eve = ExamSession.open(pkg, "eve", home=tmp_path, clock=clock, wall=FakeWall())
    dana.start(PASS)
    eve.start(PASS)
    assert dana.remaining_s() == 720 and eve.remaining_s() == 600
    clock.advance(650)
    assert eve.state == "running"
    eve.heartbeat()
    assert eve.state == "submitted" and eve.submit_reason == "time_limit"
    assert dana.remaining_s() == pytest.approx(70) and dana.state == "running"
    # the proctor adds 5 minutes from another process (a second session object on the same file)
    proctor = ExamSession.open(pkg, "dana", home=tmp_path, clock=FakeClock(), wall=FakeWall())
    with pytest.raises(ExamError, match="wrong proctor"):
        proctor.add_time("guess", 300)
    proctor.add_time(PIN, 300, "fire alarm")
    proctor.close()
    assert dana.remaining_s() == pytest.approx(370)  # the live session sees it at once
    clock.advance(300)
    assert dana.state == "running"
    st = dana.status()
    assert st["extra_time_s"] == 120 and st["added_s"] == 300
    assert st["time_added"][0]["reason"] == "fire alarm"
    clock.advance(100)
    dana.heartbeat()
    assert dana.state == "submitted"


def test_retake_is_a_numbered_attempt_and_all_are_kept(library: list[Path], tmp_path: Path) -> None:
    pkg = _pkg(library, tmp_path)
    first = ExamSession.open(pkg, "fay", home=tmp_path, clock=FakeClock(), wall=FakeWall())
    first.start(PASS)
    first.answer(0, "view", "plaps")
    with pytest.raises(ExamError, match="still running"):
        ExamSession.retake(pkg, "fay", home=tmp_path)
    p1 = first.submit()
    first.close()
    again = ExamSession.retake(pkg, "fay", home=tmp_path, clock=FakeClock(), wall=FakeWall())
    assert again.attempt == 2 and again.state == "new" and again.results_path != p1
    again.start(PASS)
    again.answer(0, "view", "lateral_intercostal")
    p2 = again.submit()
    again.close()
    assert ExamSession.open(pkg, "fay", home=tmp_path).attempt == 2  # the latest by default
    assert ExamSession(pkg, "fay", home=tmp_path, attempt=1).state == "submitted"
    graded, failures = grade(pkg, PASS, [p1, p2])
    assert not failures
    assert [(c["candidate"], c["attempt"]) for c in graded["candidates"]] == [("fay", 1), ("fay", 2)]
    # the same attempt twice is still refused
    _, failures = grade(pkg, PASS, [p2, p2])
    assert failures and "attempt 2" in failures[0]
