"""QA review of performed scans, end to end through the CLI: a trainee submits a bedside study
with a reading, faculty review it, and the reviewed study becomes a performed logbook entry."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from imgtrainer.cli import main
from imgtrainer.resources import demo_library_dir

DEMO = demo_library_dir()


@pytest.fixture
def faculty(_isolated_home: Path) -> Path:
    from imgtrainer.annotate.auth import set_faculty_password, start_faculty_session

    set_faculty_password(_isolated_home, "faculty-pass")
    start_faculty_session(_isolated_home, "faculty-pass")
    return _isolated_home


def _json(capsys: pytest.CaptureFixture[str]) -> dict:
    return json.loads(capsys.readouterr().out)


def _grades(tmp_path: Path, reviewer: str, answers: dict, verdict: str = "counts", **kw) -> Path:
    g = {
        "reviewer": reviewer,
        "views": [{"media": 0, "acep": 4, "view_as_claimed": True}],
        "answers": answers,
        "feedback": "Depth right; show the pleura between two ribs.",
        "verdict": verdict,
        **kw,
    }
    path = tmp_path / f"grades-{reviewer}.json"
    path.write_text(json.dumps(g))
    return path


def test_submission_to_logbook_and_cohort(
    tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str], _isolated_home: Path
) -> None:
    qa, db = str(tmp_path / "qa"), f"sqlite:///{tmp_path / 'store.sqlite'}"
    reading = tmp_path / "reading.json"
    reading.write_text(
        json.dumps(
            {"answers": {"indication_lung": "pneumothorax", "acep_quality": 4}, "decision_note": "drain"}
        )
    )
    clip = shared_data / "dicom" / "pydicom-data" / "US1_UNCR.dcm"  # real file, burned-in text, PHI
    args = [
        "qa",
        "submit",
        str(clip),
        "--trainee",
        "Ana",
        "--domain",
        "lung",
        "--view",
        "anterior_upper_blue",
    ]
    args += ["--supervision", "direct", "--performed-on", "2026-12-01", "--reading", str(reading)]
    assert main([*args, "--qa-dir", qa, "--json"]) == 0
    sub = _json(capsys)["submission"]
    folder = Path(qa) / sub
    case = json.loads((folder / "case.json").read_text())
    assert (case["status"], case["public"]) == ("pending_review", False)  # the usual gate
    raw = (folder / "media" / "view-01.dcm").read_bytes()
    assert b"NEMA" not in raw or b"PatientName" not in raw  # de-identified on arrival (deid tests own PHI)

    # the queue is faculty-only; the trainee sees their own status
    assert main(["qa", "queue", "--qa-dir", qa]) == 1
    assert "faculty session" in capsys.readouterr().err
    assert main(["qa", "list", "--trainee", "Ana", "--qa-dir", qa, "--json"]) == 0
    assert [s["status"] for s in _json(capsys)["submissions"]] == ["submitted"]

    from imgtrainer.annotate.auth import set_faculty_password, start_faculty_session

    set_faculty_password(_isolated_home, "faculty-pass")
    start_faculty_session(_isolated_home, "faculty-pass")
    assert main(["qa", "queue", "--qa-dir", qa, "--domain", "lung", "--json"]) == 0
    (item,) = _json(capsys)["queue"]
    assert (item["id"], item["trainee"], item["status"], item["days_waiting"]) == (sub, "Ana", "submitted", 0)
    assert main(["qa", "queue", "--qa-dir", qa, "--domain", "cardiac", "--json"]) == 0
    assert _json(capsys)["queue"] == []

    answers = {
        "indication_lung": {"kind": "category", "value": "pneumothorax"},
        "acep_quality": {"kind": "ordinal", "value": 4},
    }
    grades = _grades(tmp_path, "Dr Lee", answers)
    assert main(["qa", "review", sub, "--qa-dir", qa, "--grades", str(grades), "--draft", "--db", db]) == 0
    capsys.readouterr()
    assert main(["qa", "queue", "--qa-dir", qa, "--json"]) == 0
    assert _json(capsys)["queue"][0]["status"] == "in_review"
    assert main(["qa", "review", sub, "--qa-dir", qa, "--grades", str(grades), "--db", db, "--json"]) == 0
    final = _json(capsys)
    assert final["final"] and final["interpretation"]["score"] == pytest.approx(1.0)
    # a final review cannot be redone, and the logbook entry is written once
    assert main(["qa", "review", sub, "--qa-dir", qa, "--grades", str(grades), "--db", db]) == 1
    assert "already final" in capsys.readouterr().err

    assert main(["progress", "--trainee", "Ana", "--db", db, "--json"]) == 0
    lung = next(d for d in _json(capsys)["domains"] if d["domain"] == "lung")
    assert (lung["bedside_scans"], lung["reviewed_scans"], lung["self_reported_scans"]) == (1, 1, 0)
    assert lung["mean_acep"] == 4.0

    from datetime import UTC, datetime

    from imgtrainer.progress.attempts import AttemptStore
    from imgtrainer.progress.logbook import logbook_for
    from imgtrainer.progress.report import build_portfolio
    from imgtrainer.store.engine import make_engine

    book = logbook_for(AttemptStore(make_engine(db)), "Ana", datetime.now(UTC))
    pdf = build_portfolio(book, compress=False)
    assert b"Performed studies reviewed by faculty" in pdf and b"Dr Lee" in pdf and sub.encode() in pdf

    assert main(["progress", "log-scan", "--trainee", "Ana", "--domain", "lung", "--db", db]) == 0
    assert main(["cohort", "--db", db, "--json"]) == 0
    out = capsys.readouterr().out
    row = json.loads(out[out.index("{") :])["trainees"][0]
    cell = next(a for a in row["applications"] if a["application"] == "lung")["level1_performed"]
    assert (cell["studies"], cell["reviewed"], cell["self_reported"], cell["mean_acep"]) == (2, 1, 1, 4.0)
    assert cell["review_agreement"] == pytest.approx(1.0) and cell["median_review_days"] is not None
    from imgtrainer.screens.cohort import row_cells

    screen_cell = row_cells(row)["lung"]  # the cohort screen's cell for the same numbers
    assert "L1 2 (1 rev.)" in screen_cell.text and "mean ACEP 4.0" in screen_cell.tip

    assert main(["qa", "list", "--trainee", "Ana", "--qa-dir", qa, "--json"]) == 0
    (mine,) = _json(capsys)["submissions"]
    assert mine["status"] == "reviewed" and "pleura" in mine["feedback"][0]["feedback"]
    csv_path = tmp_path / "qa.csv"
    assert main(["qa", "export", "--qa-dir", qa, "-o", str(csv_path)]) == 0
    lines = csv_path.read_text().splitlines()
    assert len(lines) == 2 and "Dr Lee" in lines[1] and ",counts," in lines[1]


def _submit_demo(tmp_path: Path, trainee: str, reading: dict, case: str = "lung-01") -> tuple[str, Path]:
    from datetime import date

    from imgtrainer.qa.submission import new_submission, submit_case

    sub = new_submission(trainee, "lung", date(2026, 12, 1), [case, trainee], reading=reading)
    return sub.id, submit_case(DEMO / case, tmp_path / "qa", sub)


def test_trainee_sees_only_own_submissions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sub, _ = _submit_demo(tmp_path, "Ana", {})
    qa = str(tmp_path / "qa")
    assert main(["qa", "show", sub, "--trainee", "Ben", "--qa-dir", qa]) == 1
    assert "not a submission of Ben" in capsys.readouterr().err
    assert main(["qa", "show", sub, "--qa-dir", qa]) == 1  # no trainee and no faculty session
    assert main(["qa", "show", sub, "--trainee", "Ana", "--qa-dir", qa, "--json"]) == 0
    assert _json(capsys)["status"] == "submitted"
    grades = _grades(tmp_path, "Dr Lee", {})
    assert main(["qa", "review", sub, "--qa-dir", qa, "--grades", str(grades)]) == 1
    assert main(["qa", "list", "--trainee", "Ben", "--qa-dir", qa, "--json"]) == 0
    assert _json(capsys)["submissions"] == []


def test_reading_scores_as_a_practice_attempt_on_the_same_key(tmp_path: Path) -> None:
    from imgtrainer.library.case_io import load_case, load_key
    from imgtrainer.library.taxonomy_io import load_taxonomy
    from imgtrainer.qa.review import Review, ViewGrade, finalise
    from imgtrainer.training.questions import build_question_set
    from imgtrainer.training.responses import parse_answers
    from imgtrainer.training.scoring import score_case

    key = load_key(DEMO / "lung-01")
    assert key is not None
    reading = {"indication_lung": "pneumothorax", "view": "anterior_upper_blue", "acep_quality": 2}
    reading["lung_sliding"] = "absent"  # wrong on purpose: the key says sliding is present
    _, folder = _submit_demo(tmp_path, "Ana", reading)
    answers = {k: v.model_dump(mode="json") for k, v in key.answers.items() if k != "decision"}

    class _NoStore:
        def scans(self, trainee: str) -> list:
            return []

        def log_scan(self, *a, **k) -> int:
            return 1

    review = Review(reviewer="Dr Lee", views=[ViewGrade(media=0, acep=3)], answers=answers, verdict="counts")
    final = finalise(folder, review, _NoStore())

    case = load_case(folder)
    given = {**reading, "application": "lung"}  # a practice trainee answers the application too
    rkey = load_key(folder, "Dr Lee")
    qset = build_question_set(case, rkey, load_taxonomy("lung"))
    practice = score_case(
        case,
        rkey,
        qset,
        parse_answers({k: v for k, v in given.items() if k in {q.id for q in qset.questions}}, qset),
    )
    assert final.interpretation["score"] == pytest.approx(practice.score)
    assert 0 < practice.score < 1
    wrong = {q["id"] for q in final.interpretation["questions"] if q["scored"] and not q["agree"]}
    assert {"lung_sliding", "acep_quality"} <= wrong  # disagreements are scored and explained


def test_two_reviewers_agree_through_the_agreement_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], faculty: Path
) -> None:
    for i, trainee in enumerate(["Ana", "Ben"]):
        sub, _ = _submit_demo(tmp_path, trainee, {}, case=["lung-01", "lung-02"][i])
        for reviewer, value in (("Dr Lee", "pneumothorax"), ("Dr Kim", "pneumothorax" if i else "dyspnoea")):
            g = _grades(tmp_path, reviewer, {"indication_lung": {"kind": "category", "value": value}})
            db = f"sqlite:///{tmp_path / 'store.sqlite'}"
            assert (
                main(["qa", "review", sub, "--qa-dir", str(tmp_path / "qa"), "--grades", str(g), "--db", db])
                == 0
            )
    capsys.readouterr()
    assert main(["agreement", str(tmp_path / "qa"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "Dr Lee" in json.dumps(report) and "Dr Kim" in json.dumps(report)


def test_a_kill_during_autosave_keeps_the_last_acknowledged_draft(tmp_path: Path) -> None:
    _, folder = _submit_demo(tmp_path, "Ana", {})
    script = f"""
import sys
from pathlib import Path
from imgtrainer.qa.review import Review, save_draft
folder = Path({str(folder)!r})
i = 0
while True:
    i += 1
    save_draft(folder, Review(reviewer="Dr Lee", feedback=f"version {{i}}"))
    print(i, flush=True)
"""
    for _ in range(5):
        proc = subprocess.Popen(
            [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
        )
        acked = 0
        deadline = time.monotonic() + 60
        while acked < 3 and time.monotonic() < deadline:
            line = proc.stdout.readline() if proc.stdout else ""
            acked = int(line) if line.strip() else acked
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        from imgtrainer.qa.review import load_review, save_draft

        review = load_review(folder, "Dr Lee")
        assert review is not None and int(review.feedback.split()[1]) >= acked  # nothing acknowledged lost
        save_draft(folder, review)  # the next autosave clears what a killed write left behind
        assert [p.name for p in (folder / "reviews").iterdir()] == ["Dr_Lee.json"]
