"""Grading with the practice engine's rules, reports, and the CLI end to end."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from imgtrainer.cli import main
from imgtrainer.exams.grading import candidate_feedback, grade
from imgtrainer.exams.package import ExamPackage
from imgtrainer.exams.report import write_report
from imgtrainer.exams.session import ExamSession
from tests.exams.conftest import PASS, FakeClock


def _right_answers(package: ExamPackage) -> dict[str, dict[str, Any]]:
    """The key's answers as candidate responses (the test plays a perfect candidate)."""
    out: dict[str, dict[str, Any]] = {}
    for item_id, blob in package.unseal_key(PASS).items():
        answers = {"application": blob["case"]["domain"]}
        for qid, a in blob["key"]["answers"].items():
            kind = a["kind"]
            answers[qid] = {
                "findings": lambda a: {"present": a["present"], "absent": a["absent"]},
                "marks": lambda a: a["marks"],
                "decision": lambda a: str(a["correct"]),
            }.get(kind, lambda a: a["value"])(a)
        out[item_id] = answers
    return out


def _sit(
    package: ExamPackage, home: Path, cand: str, answers: dict[str, dict[str, Any]], frac: float = 1.0
) -> Path:
    s = ExamSession.open(package, cand, home=home, clock=FakeClock())
    s.start(PASS)
    for pos, item_id in enumerate(s.order):
        qs = list(answers[item_id].items())
        for qid, resp in qs[: max(1, round(len(qs) * frac))]:
            s.answer(pos, qid, resp)
    return s.submit()


def test_perfect_and_partial_candidates(package: ExamPackage, tmp_path: Path) -> None:
    right = _right_answers(package)
    good = _sit(package, tmp_path, "good", right)
    half = _sit(package, tmp_path, "half", right, frac=0.5)
    graded, failures = grade(package, PASS, [good, half])
    assert failures == []
    by = {c["candidate"]: c for c in graded["candidates"]}
    assert by["good"]["score"] == pytest.approx(1.0)
    assert by["good"]["passed"] is True
    assert 0 < by["half"]["score"] < 0.7 and by["half"]["passed"] is False
    # the decision was answered by option id (original index) whatever order it was shown in
    dec = [q for c in by["good"]["cases"] for q in c["questions"] if q["question_id"] == "decision"]
    assert all(q["score"] == 1.0 and q["explanation"] for q in dec)
    fb = candidate_feedback(graded, by["half"])
    assert set(fb) == {"exam_id", "title", "candidate", "score", "passed", "pass_mark"}  # policy "score"


def test_tampered_results_are_not_graded(package: ExamPackage, tmp_path: Path) -> None:
    right = _right_answers(package)
    path = _sit(package, tmp_path, "bob", right, frac=0.3)
    data = path.read_text().replace('"status": "submitted"', '"status": "submitted" ')
    bad = tmp_path / "bad.json"
    bad.write_text(data)
    graded, failures = grade(package, PASS, [bad])
    assert graded["candidates"] == [] and len(failures) == 1 and "bad.json" in failures[0]


def test_cli_end_to_end(library: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pkg_path = tmp_path / "exam.itexam"
    pw = tmp_path / "pw.txt"
    pw.write_text(PASS + "\n")
    rc = main(
        [
            "exam",
            "build",
            str(library[0].parent),
            "no-such-case",
            "--passphrase-file",
            str(pw),
            "-o",
            str(pkg_path),
            "--library",
            str(library[0].parent),
        ]
    )
    assert rc == 1 and "no-such-case: no case with this id" in capsys.readouterr().err
    rc = main(["exam", "build", str(library[0].parent), "--passphrase", "short", "-o", str(pkg_path)])
    assert rc == 2 and "8 characters" in capsys.readouterr().err
    assert not pkg_path.exists()
    rc = main(
        [
            "exam",
            "build",
            "--library",
            str(library[0].parent),
            "--difficulty",
            "1",
            "--difficulty",
            "2",
            "--passphrase-file",
            str(pw),
            "-o",
            str(pkg_path),
            "--time-limit",
            "20",
            "--randomise",
            "both",
            "--feedback",
            "full",
            "--pass-mark",
            "0.5",
            "--json",
        ]
    )
    assert rc == 0
    built = json.loads(capsys.readouterr().out)
    assert built["items"] == 3  # difficulties 1 and 2 of 1,2,3,1
    pkg = ExamPackage.open(pkg_path)
    right = _right_answers(pkg)
    results = []
    for i, cand in enumerate(["ann", "ben", "cat"]):
        answers = tmp_path / f"{cand}.json"
        chosen = {k: dict(list(v.items())[: 2 + 3 * i]) for k, v in right.items()}
        answers.write_text(json.dumps(chosen))
        out = tmp_path / f"{cand}.results.json"
        rc = main(
            [
                "exam",
                "take",
                str(pkg_path),
                "--candidate",
                cand,
                "--answers",
                str(answers),
                "--passphrase-file",
                str(pw),
                "--out",
                str(out),
                "--json",
            ]
        )
        assert rc == 0, capsys.readouterr().err
        assert json.loads(capsys.readouterr().out)["state"] == "submitted"
        results.append(str(out))
    assert main(["exam", "status", str(pkg_path), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["sessions"]) == 3
    assert main(["exam", "verify", *results, "--package", str(pkg_path), "--passphrase-file", str(pw)]) == 0
    capsys.readouterr()
    tampered = tmp_path / "tampered.json"
    doc = Path(results[0]).read_bytes()
    tampered.write_bytes(doc.replace(b'"seq": 1,', b'"seq": 9,', 1))
    assert (
        main(
            [
                "exam",
                "verify",
                results[1],
                str(tampered),
                "--package",
                str(pkg_path),
                "--passphrase-file",
                str(pw),
            ]
        )
        == 1
    )
    assert "tampered.json" in capsys.readouterr().err
    assert (
        main(["exam", "verify", *results, "--package", str(pkg_path), "--passphrase", "wrong-passphrase"])
        == 1
    )
    assert "passphrase" in capsys.readouterr().err
    graded = tmp_path / "graded.json"
    fb = tmp_path / "fb"
    assert (
        main(
            [
                "exam",
                "grade",
                str(pkg_path),
                *results,
                "--passphrase-file",
                str(pw),
                "-o",
                str(graded),
                "--feedback-dir",
                str(fb),
            ]
        )
        == 0
    )
    capsys.readouterr()
    full = json.loads((fb / "cat.feedback.json").read_text())
    assert full["cases"] and "expected" in full["cases"][0]["questions"][0]  # policy "full"
    rep = tmp_path / "report"
    assert main(["exam", "report", str(graded), "-o", str(rep), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_candidates"] == 3
    with open(rep / "candidates.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["candidate"] for r in rows] == ["ann", "ben", "cat"]
    assert float(rows[2]["score"]) > float(rows[0]["score"])
    with open(rep / "items.csv") as fh:
        items = list(csv.DictReader(fh))
    assert items and all(r["p"] != "" for r in items)
    with open(rep / "findings.csv") as fh:
        assert any(r["finding"] == "blines" for r in csv.DictReader(fh))
    assert (rep / "report.pdf").read_bytes().startswith(b"%PDF")


def test_report_flags_on_generated_cohort(package: ExamPackage, tmp_path: Path) -> None:
    right = _right_answers(package)
    paths = [
        _sit(package, tmp_path, f"c{i}", right, frac=f) for i, f in enumerate([1.0, 0.8, 0.6, 0.4, 0.2, 0.1])
    ]
    graded, failures = grade(package, PASS, paths)
    assert not failures
    files = write_report(graded, tmp_path / "rep")
    summary = json.loads(files["summary"].read_text())["summary"]
    assert summary["n_candidates"] == 6 and summary["cronbach_alpha"] is not None
    assert summary["flagged_items"] >= 1


def test_per_finding_performance_and_merged_sittings(package: ExamPackage, tmp_path: Path) -> None:
    from imgtrainer.exams.report import finding_performance, load_graded

    right = _right_answers(package)
    blind = {item: {**a, "findings": []} for item, a in right.items()}  # calls every finding absent
    g1, _ = grade(package, PASS, [_sit(package, tmp_path, "seer", right)])
    g2, _ = grade(package, PASS, [_sit(package, tmp_path, "blind", blind)])
    (tmp_path / "g1.json").write_text(json.dumps(g1))
    (tmp_path / "g2.json").write_text(json.dumps(g2))
    merged = load_graded([tmp_path / "g1.json", tmp_path / "g2.json"])
    assert [c["candidate"] for c in merged["candidates"]] == ["seer", "blind"]
    per = {f["finding"]: f for f in finding_performance(merged)}
    # keys: 4 cases, each with pleural_line + lung_sliding present; blines present in 2 of them
    assert per["pleural_line"]["TP"] == 4 and per["pleural_line"]["FN"] == 4
    assert per["blines"]["TP"] == 2 and per["blines"]["FN"] == 2 and per["blines"]["TN"] == 4
    assert per["blines"]["sensitivity"] == 0.5 and per["blines"]["specificity"] == 1.0
    assert per["pleural_effusion"]["TN"] == 8 and per["pleural_effusion"]["specificity"] == 1.0
    seer = {f["finding"]: f for f in finding_performance(g1)}
    assert all(f["sensitivity"] in (1.0, None) and f["specificity"] in (1.0, None) for f in seer.values())


def test_cli_filters_apply_to_a_library_named_on_the_command_line(
    library: list[Path], tmp_path: Path
) -> None:
    from imgtrainer.library.case_io import load_case

    ones = [f for f in library if load_case(f).difficulty == 1]
    pw = tmp_path / "pass.txt"
    pw.write_text(PASS)
    out = tmp_path / "filtered.itexam"
    args = [str(library[0].parent), "--difficulty", "1", "--passphrase-file", str(pw), "-o", str(out)]
    assert main(["exam", "build", *args]) == 0
    assert 0 < len(ones) < len(library)
    assert len(ExamPackage.open(out).exam["items"]) == len(ones)
