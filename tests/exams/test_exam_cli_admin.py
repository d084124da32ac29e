"""Exam administration through the CLI: answers checked before the clock starts, --out into a
folder, readable status, resume/add-time needing the proctor, re-takes, the verify/report answer
count, the LMS gradebook and the readable PDF report."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

from imgtrainer.cli import main
from imgtrainer.exams.package import ExamPackage
from imgtrainer.exams.placement import sessions_dir
from imgtrainer.exams.session import ExamSession
from tests.exams.conftest import PASS

PIN = "2468"


@pytest.fixture
def env(library: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    home = tmp_path / "home"
    monkeypatch.setenv("IMGTRAINER_HOME", str(home))
    monkeypatch.delenv("IMGTRAINER_PROCTOR_PASSPHRASE", raising=False)
    pw = tmp_path / "pw.txt"
    pw.write_text(PASS + "\n")
    pkg = tmp_path / "exam.itexam"
    args = [
        "exam",
        "build",
        "--library",
        str(library[0].parent),
        "--passphrase-file",
        str(pw),
        "-o",
        str(pkg),
    ]
    args += ["--time-limit", "20", "--proctor-pin", PIN, "--extra-time", "ann=10", "--title", "Lung final"]
    assert main(args) == 0
    return {"pkg": pkg, "pw": pw, "home": home, "tmp": tmp_path}


def _answers(env: dict, name: str, data: object) -> Path:
    path = env["tmp"] / name
    path.write_text(json.dumps(data))
    return path


def _take(env: dict, cand: str, *extra: str) -> int:
    return main(
        ["exam", "take", str(env["pkg"]), "--candidate", cand, "--passphrase-file", str(env["pw"]), *extra]
    )


def test_bad_answers_file_never_starts_the_clock(env: dict, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _answers(env, "bad.json", {"1": {"view": "plaps", "lus_score": 99}})
    assert _take(env, "ann", "--answers", str(bad)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "lus_score" in err[0] and "99" in err[0]
    unknown = _answers(env, "unknown.json", {"1": {"no_such_question": 1}})
    assert _take(env, "ann", "--answers", str(unknown)) == 1
    assert "no question 'no_such_question'" in capsys.readouterr().err
    assert not list((sessions_dir(env["home"])).rglob("ann*.sqlite"))  # no attempt was started
    good = _answers(env, "good.json", {"1": {"view": "plaps", "lus_score": 1}})
    out_dir = env["tmp"] / "collected"
    out_dir.mkdir()
    assert _take(env, "ann", "--answers", str(good), "--out", str(out_dir), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["state"] == "submitted" and status["attempt"] == 1
    assert (out_dir / "ann.results.json").is_file() and status["results"] == str(out_dir / "ann.results.json")


def test_resume_needs_the_proctor_and_time_changes_are_logged(
    env: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    ans = _answers(env, "a.json", {"1": {"view": "plaps"}})
    assert _take(env, "ben", "--answers", str(ans), "--no-submit") == 0
    capsys.readouterr()
    # a second run without --resume is refused, and --resume needs the proctor
    assert main(["exam", "take", str(env["pkg"]), "--candidate", "ben", "--answers", str(ans)]) == 1
    assert "--resume" in capsys.readouterr().err
    assert main(["exam", "take", str(env["pkg"]), "--candidate", "ben", "--resume", "--no-submit"]) == 2
    assert "proctor passphrase is needed" in capsys.readouterr().err
    assert (
        main(["exam", "take", str(env["pkg"]), "--candidate", "ben", "--resume", "--proctor-pin", "0000"])
        == 1
    )
    assert "wrong proctor passphrase or PIN" in capsys.readouterr().err
    rc = main(["exam", "take", str(env["pkg"]), "--candidate", "ben", "--resume", "--proctor-pin", PIN,
               "--grant-downtime", "--no-submit"])  # fmt: skip
    assert rc == 0
    capsys.readouterr()
    rc = main(["exam", "add-time", str(env["pkg"]), "--candidate", "ben", "--minutes", "5",
               "--reason", "fire alarm", "--proctor-pin", PIN, "--json"])  # fmt: skip
    assert rc == 0
    assert json.loads(capsys.readouterr().out)["added_s"] == 300
    # readable status: text lines, no Python dicts; JSON parses
    assert main(["exam", "status", str(env["pkg"])]) == 0
    text = capsys.readouterr().out
    assert "{" not in text and "Lung final" in text and "ben attempt 1: running" in text
    assert "300 s added by the proctor" in text and "1 interruption" in text and "proctor PIN set" in text
    assert main(["exam", "status"]) == 0
    overview = capsys.readouterr().out
    assert "{" not in overview and "ben" in overview
    assert main(["exam", "status", str(env["pkg"]), "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["title"] == "Lung final" and st["sessions"][0]["time_limit_s"] == pytest.approx(
        1200 + 300, abs=10
    )
    events = [r["event"] for r in ExamSession.open(env["pkg"], "ben").audit()]
    assert events == ["start", "answer", "resume", "grant", "add_time"]


def test_retake_report_gradebook_and_answer_counts(env: dict, capsys: pytest.CaptureFixture[str]) -> None:
    first = _answers(env, "r1.json", {"1": {"view": "plaps", "lus_score": 1}})
    revised = _answers(env, "r2.json", [{"view": "plaps"}, {"view": "lateral_intercostal"}])
    res = env["tmp"] / "res"
    res.mkdir()
    assert _take(env, "cat", "--answers", str(first), "--out", str(res)) == 0
    assert _take(env, "cat", "--answers", str(first), "--out", str(res)) == 1  # submitted: not again
    assert "needs --retake" in capsys.readouterr().err
    assert _take(env, "cat", "--answers", str(revised), "--out", str(res), "--retake") == 0
    # an answer changed twice in one attempt: verify and the report count questions answered
    twice = _answers(env, "t.json", {"1": {"view": "plaps"}})
    assert _take(env, "ann", "--answers", str(twice), "--no-submit") == 0
    s = ExamSession.open(env["pkg"], "ann")
    s.resume(PASS)
    s.answer(0, "view", "lateral_intercostal")
    s.submit()
    s.close()
    (res / "ann.results.json").write_bytes(s.results_path.read_bytes())
    capsys.readouterr()
    files = sorted(str(p) for p in res.glob("*.results.json"))
    assert [Path(f).name for f in files] == ["ann.results.json", "cat.results.json", "cat~2.results.json"]
    assert (
        main(
            [
                "exam",
                "verify",
                *files,
                "--package",
                str(env["pkg"]),
                "--passphrase-file",
                str(env["pw"]),
                "--json",
            ]
        )
        == 0
    )
    verified = {Path(r["file"]).name: r for r in json.loads(capsys.readouterr().out)["results"]}
    assert (
        verified["ann.results.json"]["answers"] == 1 and verified["ann.results.json"]["answer_records"] == 2
    )
    graded = env["tmp"] / "graded.json"
    assert (
        main(
            ["exam", "grade", str(env["pkg"]), *files, "--passphrase-file", str(env["pw"]), "-o", str(graded)]
        )
        == 0
    )
    roster = env["tmp"] / "roster.csv"
    roster.write_text("candidate,name\nann,Ann Smith\ncat,Cat Jones\n")
    out = env["tmp"] / "report"
    assert main(["exam", "report", str(graded), "-o", str(out), "--roster", str(roster)]) == 0
    capsys.readouterr()
    rows = list(csv.DictReader((out / "candidates.csv").read_text().splitlines()))
    by = {(r["candidate"], r["attempt"]): r for r in rows}
    assert set(by) == {("ann", "1"), ("cat", "1"), ("cat", "2")}
    assert by[("ann", "1")]["n_answers"] == "1" and by[("ann", "1")]["extra_time_s"] == "600.0"
    assert by[("ann", "1")]["interruptions"] == "1"
    book = list(csv.DictReader((out / "gradebook.csv").read_text().splitlines()))
    n_items = len(ExamPackage.open(env["pkg"]).items)
    assert list(book[0]) == [
        "candidate_id", "candidate_name", "exam_title", "exam_date", "percent", "result", "attempt",
        "extra_time_min", *[f"case_{k}" for k in range(1, n_items + 1)],
    ]  # fmt: skip
    g = {(r["candidate_id"], r["attempt"]): r for r in book}
    assert g[("ann", "1")]["candidate_name"] == "Ann Smith" and g[("ann", "1")]["extra_time_min"] == "10.0"
    assert g[("cat", "2")]["exam_title"] == "Lung final" and g[("cat", "2")]["result"] in ("pass", "fail")
    assert len(g[("cat", "2")]["exam_date"]) == 10
    # the PDF: prompts and case titles, mm:ss times, percentages, the date, re-takes
    pdf_text = subprocess.run(
        ["pdftotext", "-layout", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Sat on 20" in pdf_text and "Which view is this?" in pdf_text
    assert "0.333" not in pdf_text and "%" in pdf_text and "(2 attempts" not in pdf_text
    assert "3 attempts including re-takes" in pdf_text
    assert any(len(tok) >= 4 and tok[-3] == ":" and tok[:-3].isdigit() for tok in pdf_text.split())  # m:ss
