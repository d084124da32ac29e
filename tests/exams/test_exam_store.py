"""Exam results in the department store (both engines): results land at submission when a
department store is configured, ``collect`` verifies and grades files and refuses duplicates
and edited files, ``exam report`` reads the store, and the cohort shows the latest result."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from imgtrainer.cli import main
from imgtrainer.exams.department import collect, graded_from_store
from imgtrainer.exams.package import ExamPackage
from imgtrainer.progress.cohort import build_cohort
from imgtrainer.progress.trainees import TraineeDirectory
from imgtrainer.store.engine import make_engine
from imgtrainer.store.exam_tables import ExamResultRow
from tests.exams.conftest import PASS
from tests.exams.test_grading import _right_answers, _sit


def _rows(engine) -> list[ExamResultRow]:
    with Session(engine) as s:
        return list(s.scalars(select(ExamResultRow).order_by(ExamResultRow.candidate)))


def test_land_at_submission_then_collect(
    package: ExamPackage, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(db_url, upgrade=True)
    kim = TraineeDirectory(engine).add("Kim Ono", datetime.now(UTC))
    monkeypatch.setenv("IMGTRAINER_DEPARTMENT_URL", db_url)
    right = _right_answers(package)
    landed = _sit(package, tmp_path / "pc1", kim.short_id, right)  # candidate id = trainee id
    [row] = _rows(engine)
    assert (row.candidate, row.verified, row.score, row.source) == (kim.short_id, False, None, "submission")
    assert row.trainee_id == kim.id and row.document.encode() == landed.read_bytes()

    monkeypatch.delenv("IMGTRAINER_DEPARTMENT_URL")  # the second PC has no store configured
    other = _sit(package, tmp_path / "pc2", "guest", right, frac=0.5)
    usb = tmp_path / "usb"
    usb.mkdir()
    for f in (landed, other):
        (usb / f.name).write_bytes(f.read_bytes())
    edited = usb / "edited.results.json"
    edited.write_bytes(other.read_bytes().replace(b'"guest"', b'"gues7"'))
    rep = collect(engine, sorted(usb.glob("*.json")), package, PASS)
    assert sorted(r["candidate"] for r in rep.stored) == sorted(["guest", kim.short_id])
    assert [Path(r["file"]).name for r in rep.refused] == ["edited.results.json"]
    by = {r.candidate: r for r in _rows(engine)}
    assert by[kim.short_id].verified and by[kim.short_id].score == pytest.approx(1.0)
    assert by["guest"].verified and by["guest"].passed is False and by["guest"].trainee_id is None

    again = collect(engine, sorted(usb.glob("*.json")), package, PASS)
    assert again.stored == [] and len(again.refused) == 3
    assert all(
        "duplicate" in r["error"] or "MAC" in r["error"] or "edited" in r["error"] for r in again.refused
    )
    assert len(_rows(engine)) == 2

    graded = graded_from_store(engine, package.exam_id)
    assert {c["candidate"]: c["passed"] for c in graded["candidates"]} == {kim.short_id: True, "guest": False}
    latest = {e.trainee.name: e.latest_exam for e in build_cohort(engine, datetime.now(UTC)).entries}
    assert latest["Kim Ono"]["score"] == pytest.approx(1.0) and latest["Kim Ono"]["passed"] is True
    engine.dispose()


def test_cli_collect_and_report_from_store(
    package: ExamPackage, tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture
) -> None:
    make_engine(db_url, upgrade=True).dispose()
    res = _sit(package, tmp_path / "pc", "cand-1", _right_answers(package))
    pw = tmp_path / "pass.txt"
    pw.write_text(PASS + "\n")
    rc = main(
        [
            "exam",
            "collect",
            str(res.parent),
            "--package",
            str(package.path),
            "--passphrase-file",
            str(pw),
            "--db",
            db_url,
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and [r["candidate"] for r in out["stored"]] == ["cand-1"]
    rc = main(
        [
            "exam",
            "collect",
            str(res),
            "--package",
            str(package.path),
            "--passphrase-file",
            str(pw),
            "--db",
            db_url,
        ]
    )
    assert rc == 1 and "duplicate" in capsys.readouterr().err
    rc = main(
        ["exam", "report", "--db", db_url, "--exam", package.exam_id, "-o", str(tmp_path / "rep"), "--json"]
    )
    assert rc == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert all(Path(p).is_file() for p in files.values())
