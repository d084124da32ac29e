"""Grading verified results with the practice engine's scoring rules.

Each results file is verified (fail closed) before it is scored; the answer key is unsealed with
the proctor passphrase. The exam score is the weighted mean over every scored question of every
case (taxonomy weights), so a case with more questions weighs more; per-case scores are the
practice engine's ``CaseScore``. The graded file holds the key's answers (proctor material);
``candidate_feedback`` gives what a candidate may see under the exam's feedback policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imgtrainer.errors import ExamError, ImgTrainerError, ResponseFormatError
from imgtrainer.exams.package import ExamPackage
from imgtrainer.exams.results import final_answers, verify_results_file

GRADED_FORMAT = "imgtrainer-exam-graded"
CHOICE_KINDS = ("category", "decision", "ordinal")


def _key_choice(q: Any, answer: Any) -> str | None:
    """The keyed option of a choice question, as the option id candidates answer with."""
    if answer is None:
        return None
    if q.kind == "decision":
        return str(answer.correct)
    if q.kind == "ordinal":
        return str(answer.value)
    if q.kind == "category":
        return str(answer.value)
    return None


def _given_choice(q: Any, response: Any) -> str | None:
    if response is None:
        return None
    if q.kind == "decision":
        return str(response.choice)
    if q.kind in ("category", "ordinal"):
        return str(response.value)
    return None


def _item_table(sealed: dict[str, Any], package: ExamPackage) -> list[dict[str, Any]]:
    """Per item: the case, the key, the question set, and for each question its options and key."""
    from imgtrainer.library.models import AnswerKey, Case
    from imgtrainer.training.questions import QuestionSet, effective_key

    table = []
    for item in package.items:
        blob = sealed.get(item["item_id"])
        if blob is None:
            raise ExamError(f"{package.path}: the sealed key has no entry for {item['item_id']}")
        case = Case.model_validate(blob["case"])
        key = AnswerKey.model_validate(blob["key"])
        qset = QuestionSet.model_validate(blob["question_set"])
        answers = effective_key(case, key)
        questions = []
        for q in qset.questions:
            if q.kind == "ordinal":
                options = [{"id": str(p.value), "label": p.label} for p in q.scale]
            else:
                options = [{"id": o.id, "label": o.label} for o in q.options]
            questions.append(
                {
                    "id": q.id,
                    "kind": q.kind,
                    "step": q.step,
                    "prompt": q.prompt,
                    "weight": q.weight,
                    "finding": q.finding,
                    "options": options if q.kind in CHOICE_KINDS else [],
                    "key": _key_choice(q, answers.get(q.id)),
                }
            )
        table.append(
            {
                "item_id": item["item_id"],
                "case_id": case.id,
                "title": case.title,
                "domain": case.domain,
                "case": case,
                "key": key,
                "qset": qset,
                "questions": questions,
            }
        )
    return table


def grade_document(
    doc: dict[str, Any], table: list[dict[str, Any]], pass_mark: float, settings: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Score one verified results document (with its attempt number and time log: extra time,
    interruptions, grants and additions, from the verified audit log)."""
    from imgtrainer.exams.proctor import time_log
    from imgtrainer.training.responses import parse_response
    from imgtrainer.training.scoring import score_case

    given = final_answers(doc)
    cases, choices = [], {}
    num = den = 0.0
    for entry in table:
        qset = entry["qset"]
        raw = given.get(entry["item_id"], {})
        responses, invalid = {}, {}
        for q in qset.questions:
            if q.id in raw:
                try:
                    responses[q.id] = parse_response(q, raw[q.id])
                except ResponseFormatError as exc:
                    invalid[q.id] = str(exc)
            choices[f"{entry['item_id']}/{q.id}"] = _given_choice(q, responses.get(q.id))
        cs = score_case(entry["case"], entry["key"], qset, responses)
        data = cs.model_dump(mode="json")
        for qs in data["questions"]:
            if qs["question_id"] in invalid:
                qs["reason"] = f"unreadable answer: {invalid[qs['question_id']]}"
        num += sum(q.weight * q.score for q in cs.questions if q.scored)
        den += sum(q.weight for q in cs.questions if q.scored)
        cases.append({"item_id": entry["item_id"], **data})
    score = num / den if den > 0 else 0.0
    started = next((r["wall"] for r in doc["audit"] if r["event"] == "start"), None)
    return {
        "candidate": doc["candidate"],
        "attempt": int(doc.get("attempt", 1)),
        "started_at": started,
        "time": time_log(settings or {}, doc["candidate"], doc["audit"]),
        "attempt_id": doc["attempt_id"],
        "verified": True,
        "status": doc.get("status"),
        "submit_reason": doc.get("submit_reason"),
        "elapsed_s": doc.get("elapsed_s"),
        "score": round(score, 6),
        "passed": score >= pass_mark,
        "n_answers": sum(len(v) for v in given.values()),
        "cases": cases,
        "choices": choices,
    }


def grade(package: ExamPackage, passphrase: str, results: Sequence[Path]) -> tuple[dict[str, Any], list[str]]:
    """Verify and grade results files. Returns the graded exam and the files that failed
    (with the reason); a file that fails verification is never scored."""
    master = package.check_passphrase(passphrase)
    secret = package.results_secret(master=master)
    table = _item_table(package.unseal_key(master=master), package)
    settings = package.settings
    candidates, failures, seen = [], [], set()
    for path in results:
        try:
            doc = verify_results_file(Path(path), package, secret)
            who = (doc["candidate"], int(doc.get("attempt", 1)))
            if who in seen:
                raise ExamError(f"{path}: a second results file for candidate {who[0]!r}, attempt {who[1]}")
            seen.add(who)
            candidates.append(grade_document(doc, table, float(settings["pass_mark"]), settings))
        except ImgTrainerError as exc:
            failures.append(str(exc))
    graded = {
        "format": GRADED_FORMAT,
        "exam_id": package.exam_id,
        "title": settings.get("title", ""),
        "pass_mark": settings["pass_mark"],
        "feedback": settings.get("feedback", "score"),
        "graded_at": datetime.now(UTC).isoformat(),
        "created_at": package.exam.get("created_at"),
        "items": [{k: v for k, v in e.items() if k not in ("case", "key", "qset")} for e in table],
        "candidates": sorted(candidates, key=lambda c: (c["candidate"], c["attempt"])),
    }
    return graded, failures


def candidate_feedback(graded: dict[str, Any], candidate: dict[str, Any]) -> dict[str, Any]:
    """What one candidate may see after release: the score only, or full per-question feedback."""
    out = {
        "exam_id": graded["exam_id"],
        "title": graded["title"],
        "candidate": candidate["candidate"],
        "score": candidate["score"],
        "passed": candidate["passed"],
        "pass_mark": graded["pass_mark"],
    }
    if graded.get("feedback") == "full":
        titles = {i["item_id"]: i["title"] for i in graded["items"]}
        out["cases"] = [
            {
                "item_id": c["item_id"],
                "title": titles.get(c["item_id"], ""),
                "score": c["score"],
                "teaching_points": c.get("teaching_points", []),
                "questions": [
                    {
                        k: q.get(k)
                        for k in (
                            "question_id",
                            "prompt",
                            "score",
                            "reason",
                            "expected",
                            "given",
                            "explanation",
                        )
                    }
                    for q in c["questions"]
                ],
            }
            for c in candidate["cases"]
        ]
    return out
