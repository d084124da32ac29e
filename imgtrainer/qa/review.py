"""A reviewer's grades of a submission: ACEP image quality 1-5 and "is it the view claimed" per
view, the reviewer's own answers (scored against the trainee's reading by the practice engine),
feedback and a verdict. Drafts are autosaved atomically; the final review adds the performed
entry to the trainee's logbook when it counts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from imgtrainer.fileio import atomic_output
from imgtrainer.library.case_io import load_case, rater_filename, save_key
from imgtrainer.library.models import AnswerKey
from imgtrainer.qa.submission import QaError, Status, load_submission

REVIEWS_DIR = "reviews"
Verdict = Literal["counts", "does_not_count", "returned"]


class ViewGrade(BaseModel):
    media: int = Field(ge=0)  # index into the case's media list
    acep: int = Field(ge=1, le=5)  # ACEP image quality 1 (no recognisable structures) - 5
    view_as_claimed: bool = True
    note: str = ""


class Review(BaseModel):
    reviewer: str = Field(min_length=1)
    views: list[ViewGrade] = Field(default_factory=list)
    answers: dict[str, Any] = Field(default_factory=dict)  # the reviewer's key (key.json format)
    feedback: str = ""
    verdict: Verdict | None = None
    reason: str = ""  # why it does not count / what to redo
    final: bool = False
    updated_at: datetime | None = None
    interpretation: dict[str, Any] | None = None  # the scored reading, set when final


def review_path(folder: Path, reviewer: str) -> Path:
    return Path(folder) / REVIEWS_DIR / rater_filename(reviewer)


def parse_review(data: Any, where: str) -> Review:
    try:
        return Review.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "review"
        raise QaError(f"{where}: {loc}: {err['msg']}") from None


def load_review(folder: Path, reviewer: str) -> Review | None:
    path = review_path(folder, reviewer)
    if not path.is_file():
        return None
    try:
        return Review.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError):
        raise QaError(f"{path}: unreadable review") from None


def reviews(folder: Path) -> list[Review]:
    d = Path(folder) / REVIEWS_DIR
    out = []
    for p in sorted(d.glob("*.json")) if d.is_dir() else []:
        try:
            out.append(Review.model_validate_json(p.read_bytes()))
        except (OSError, ValidationError, ValueError):
            raise QaError(f"{p}: unreadable review") from None
    return out


def status_of(folder: Path) -> Status:
    """submitted (nobody started), in_review (a draft), reviewed, returned (redo asked)."""
    rs = reviews(folder)
    finals = [r for r in rs if r.final]
    if finals:
        return "returned" if all(r.verdict == "returned" for r in finals) else "reviewed"
    return "in_review" if rs else "submitted"


def save_draft(folder: Path, review: Review, now: datetime | None = None) -> Path:
    """Autosave: atomic and fsynced, so an acknowledged draft survives a kill."""
    current = load_review(folder, review.reviewer)
    if current is not None and current.final:
        raise QaError(f"{folder.name}: {review.reviewer}'s review is final")
    review = review.model_copy(update={"final": False, "updated_at": now or datetime.now(UTC)})
    path = review_path(folder, review.reviewer)
    path.parent.mkdir(exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):  # left by a save killed mid-write
        stale.unlink(missing_ok=True)
    with atomic_output(path) as tmp:
        tmp.write_text(review.model_dump_json(indent=2), encoding="utf-8")
    return path


def reviewer_key(folder: Path, review: Review, now: datetime) -> AnswerKey:
    case = load_case(folder)
    raw = {
        "case_id": case.id,
        "rater": review.reviewer,
        "role": "rater",
        "created_at": now,
        "updated_at": now,
        "answers": review.answers,
    }
    try:
        return AnswerKey.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise QaError(f"{folder.name}: reviewer's answer {loc}: {err['msg']}") from None


def score_reading(folder: Path, key: AnswerKey) -> Any:
    """The trainee's reading scored exactly as a practice attempt on ``key`` (a ``CaseScore``)."""
    from imgtrainer.library.taxonomy_io import load_taxonomy
    from imgtrainer.training.questions import build_question_set
    from imgtrainer.training.responses import parse_answers
    from imgtrainer.training.scoring import score_case

    case = load_case(folder)
    sub = load_submission(folder)
    qset = build_question_set(case, key, load_taxonomy(case.domain))
    asked = {q.id for q in qset.questions}
    responses = parse_answers({k: v for k, v in sub.reading.items() if k in asked}, qset)
    return score_case(case, key, qset, responses)


def _check_complete(folder: Path, review: Review) -> None:
    n = len(load_case(folder).media)
    graded = {v.media for v in review.views}
    missing = [i + 1 for i in range(n) if i not in graded]
    if missing:
        raise QaError(f"{folder.name}: grade every view first (missing view {', '.join(map(str, missing))})")
    if any(v.media >= n for v in review.views):
        raise QaError(f"{folder.name}: a grade names view {max(v.media for v in review.views) + 1} of {n}")
    if review.verdict is None:
        raise QaError(f"{folder.name}: give a verdict (counts, does_not_count or returned)")
    if review.verdict != "counts" and not review.reason.strip():
        raise QaError(f"{folder.name}: say why it does not count (reason)")


def finalise(folder: Path, review: Review, store: Any, now: datetime | None = None) -> Review:
    """Make the review final: the reviewer's key, the scored reading, and (if it counts and no
    earlier review logged it) one performed entry in the trainee's Level 1 logbook."""
    now = now or datetime.now(UTC)
    folder = Path(folder)
    current = load_review(folder, review.reviewer)
    if current is not None and current.final:
        raise QaError(f"{folder.name}: {review.reviewer}'s review is already final")
    _check_complete(folder, review)
    sub = load_submission(folder)
    key = reviewer_key(folder, review, now)
    score = score_reading(folder, key) if key.answers else None
    interp = None
    if score is not None:
        interp = {
            "score": score.score,
            "questions": [
                {
                    "id": q.question_id,
                    "prompt": q.prompt,
                    "score": q.score,
                    "scored": q.scored,
                    "agree": q.score >= 0.999,
                    "expected": q.expected,
                    "given": q.given,
                    "reason": q.reason,
                }
                for q in score.questions
            ],
        }
    final = review.model_copy(update={"final": True, "updated_at": now, "interpretation": interp})
    if key.answers:
        save_key(folder, key)
    path = review_path(folder, review.reviewer)
    path.parent.mkdir(exist_ok=True)
    with atomic_output(path) as tmp:
        tmp.write_text(final.model_dump_json(indent=2), encoding="utf-8")
    if final.verdict == "counts" and not logged(store, sub.trainee, sub.id):
        acep = sum(v.acep for v in final.views) / len(final.views)
        store.log_scan(
            sub.trainee,
            sub.domain,
            sub.performed_on,
            now,
            supervisor=final.reviewer if sub.supervision != "none" else "",
            notes=f"QA review by {final.reviewer}; supervision {sub.supervision}",
            review={
                "qa_submission": sub.id,
                "reviewer": final.reviewer,
                "acep_grade": acep,
                "agreement": interp["score"] if interp else None,
                "submitted_at": sub.submitted_at,
                "counts": True,
            },
        )
    return final


def logged(store: Any, trainee: str, submission: str) -> bool:
    return any(s.qa_submission == submission for s in store.scans(trainee))
