"""Exams ask and grade finding questions by the practice rule: a finding the key assesses as
absent is asked too (so the question list gives nothing away) and its answer is "none"."""

from __future__ import annotations

from pathlib import Path

from imgtrainer.exams.grading import grade
from imgtrainer.exams.package import ExamPackage
from tests.exams.conftest import PASS
from tests.exams.test_grading import _right_answers, _sit


def _questions(graded: dict, cand: str) -> list[dict]:
    c = next(c for c in graded["candidates"] if c["candidate"] == cand)
    return [q for case in c["cases"] for q in case["questions"]]


def test_exam_asks_absent_finding_questions_and_grades_none(package: ExamPackage, tmp_path: Path) -> None:
    # every test case assesses the pleural effusion as absent and answers no effusion question
    for item in package.items:
        ids = [q["id"] for q in item["question_set"]["questions"]]
        assert {"effusion_outline", "effusion_depth"} <= set(ids)
    right = _right_answers(package)
    none = {
        i: {**a, "effusion_outline": [], "effusion_depth": {"not_applicable": True}} for i, a in right.items()
    }
    wrong = {
        i: {
            **a,
            "effusion_outline": [{"type": "polygon", "points": [[1, 1], [9, 1], [9, 9]], "frame": 0}],
            "effusion_depth": 1.5,
        }
        for i, a in right.items()
    }
    files = [_sit(package, tmp_path, "blank", right), _sit(package, tmp_path, "none", none)]
    files.append(_sit(package, tmp_path, "wrong", wrong))
    files.append(_sit(package, tmp_path, "empty", {i: {} for i in right}))
    graded, failures = grade(package, PASS, files)
    assert failures == []
    by = {c["candidate"]: c for c in graded["candidates"]}
    assert by["blank"]["score"] == 1.0 and by["none"]["score"] == 1.0  # blank counts as none
    assert by["empty"]["score"] == 0.0  # ... but a submission with nothing answered earns nothing
    assert by["wrong"]["score"] < 1.0
    for q in _questions(graded, "wrong"):
        if q["question_id"] == "effusion_depth":
            assert q["score"] == 0.0 and q["reason"] == "no pleural effusion to measure"
            assert q["expected"] == "none (the pleural effusion is absent)"
        if q["question_id"] == "effusion_outline":
            assert q["score"] == 0.0


def test_explicit_exam_question_list_keeps_implied_questions(library: list[Path], tmp_path: Path) -> None:
    from imgtrainer.exams.build import build_package
    from imgtrainer.exams.crypto import MIN_N
    from imgtrainer.exams.settings import ExamSettings

    out = tmp_path / "ids.itexam"
    ids = ["view", "effusion_depth", "decision"]
    build_package(library, out, PASS, ExamSettings(), question_ids=ids, kdf_n=MIN_N)
    package = ExamPackage.open(out)
    for item in package.items:
        assert [q["id"] for q in item["question_set"]["questions"]] == ["view", "effusion_depth", "decision"]
