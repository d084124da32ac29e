"""State of the QA review screen (faculty): the queue of trainees' submitted scans and the
review being written. Every change is autosaved as a draft (atomic), so a crash loses nothing;
``finalise`` makes the review final and adds the performed entry to the logbook when it counts.

Keyboard-first: the widget maps 1-5 to the ACEP grade of the current view, V to "view as
claimed", A/D to agree/disagree with the selected reading answer, Ctrl+Enter to finalise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imgtrainer.errors import ImgTrainerError
from imgtrainer.library.case_io import load_case
from imgtrainer.qa.queue import QueueItem, default_qa_dir, queue
from imgtrainer.qa.review import Review, ViewGrade, finalise, load_review, save_draft
from imgtrainer.qa.submission import Submission, load_submission
from imgtrainer.screens.signal import Signal

__all__ = ["QaState", "default_qa_dir"]

VERDICTS = (
    ("counts", "Counts toward the logbook"),
    ("does_not_count", "Does not count (say why)"),
    ("returned", "Returned: scan again"),
)
EDITABLE_KINDS = ("category", "ordinal", "count")  # reviewer's answer editable on this screen


@dataclass
class ReadingLine:
    """One answer of the trainee's reading and the reviewer's answer to the same question."""

    question_id: str
    prompt: str
    kind: str
    trainee: str  # the trainee's answer, as a label
    reviewer: Any  # the reviewer's value (None: not given yet)
    choices: list[tuple[Any, str]]  # (value, label) the reviewer may pick from


class QaState:
    def __init__(
        self, qa_dir: Path, reviewer: str, store: Callable[[], Any], now: Callable[[], datetime] | None = None
    ):
        self.qa_dir, self.reviewer, self._store = Path(qa_dir), reviewer, store
        self.now = now or (lambda: datetime.now(UTC))
        self.items: list[QueueItem] = []
        self.domain: str | None = None
        self.show_done = False
        self.folder: Path | None = None
        self.submission: Submission | None = None
        self.review: Review | None = None
        self.lines: list[ReadingLine] = []
        self.view_index = 0
        self.message = ""
        self.changed = Signal()  # topic: "queue" | "submission" | "review" | "view" | "message"

    # queue --------------------------------------------------------------------------------------
    def refresh(self) -> None:
        statuses = (
            ("submitted", "in_review", "reviewed", "returned")
            if self.show_done
            else ("submitted", "in_review")
        )
        self.items = queue(self.qa_dir, self.now(), domain=self.domain, statuses=statuses)
        self.changed.emit("queue")

    def set_domain(self, domain: str | None) -> None:
        self.domain = domain or None
        self.refresh()

    def set_show_done(self, on: bool) -> None:
        self.show_done = bool(on)
        self.refresh()

    # one submission -----------------------------------------------------------------------------
    def open(self, submission_id: str) -> None:
        folder = self.qa_dir / submission_id
        sub = load_submission(folder)
        review = load_review(folder, self.reviewer) or Review(reviewer=self.reviewer)
        self.folder, self.submission, self.review = folder, sub, review
        self.case = load_case(folder)
        self.view_index = 0
        self.lines = self._reading_lines()
        self.changed.emit("submission")

    def media_paths(self) -> list[Path]:
        return [self.folder / m.path for m in self.case.media] if self.folder else []

    def _reading_lines(self) -> list[ReadingLine]:
        from imgtrainer.library.taxonomy_io import load_taxonomy
        from imgtrainer.training.questions import build_question_set

        assert self.submission is not None and self.review is not None
        qset = build_question_set(self.case, None, load_taxonomy(self.case.domain))
        out = []
        for q in qset.questions:
            if q.id not in self.submission.reading:
                continue
            given = self.submission.reading[q.id]
            if q.kind == "category":
                options = [(o.id, o.label) for o in q.options]
            elif q.kind == "ordinal":
                options = [(sv.value, sv.label) for sv in q.scale]
            elif q.kind == "count":
                options = [(n, str(n)) for n in range(11)]
            else:
                options = []
            labels = dict(options)
            shown = labels.get(given, given) if not isinstance(given, dict | list) else str(given)
            mine = self.review.answers.get(q.id, {}).get("value")
            out.append(ReadingLine(q.id, q.prompt, q.kind, str(shown), mine, options))
        return out

    def set_view(self, index: int) -> None:
        if self.folder and 0 <= index < len(self.case.media):
            self.view_index = index
            self.changed.emit("view")

    def grade(self, index: int | None = None) -> ViewGrade | None:
        i = self.view_index if index is None else index
        return next((g for g in self.review.views if g.media == i), None) if self.review else None

    # editing (each change autosaves) ----------------------------------------------------------
    def set_acep(self, acep: int) -> None:
        self._edit_view(acep=int(acep))

    def toggle_claimed(self) -> None:
        g = self.grade()
        self._edit_view(view_as_claimed=not (g.view_as_claimed if g else True))

    def _edit_view(self, **change: Any) -> None:
        if self.review is None:
            return
        g = self.grade() or ViewGrade(media=self.view_index, acep=change.get("acep", 3))
        g = g.model_copy(update=change)
        views = [v for v in self.review.views if v.media != self.view_index] + [g]
        self._update(views=sorted(views, key=lambda v: v.media))

    def set_answer(self, question_id: str, value: Any) -> None:
        """The reviewer's answer; ``agree`` with the trainee is setting the trainee's value."""
        line = next(ln for ln in self.lines if ln.question_id == question_id)
        line.reviewer = value
        answers = dict(self.review.answers) if self.review else {}
        if value is None:
            answers.pop(question_id, None)
        else:
            answers[question_id] = {"kind": line.kind, "value": value}
        self._update(answers=answers)

    def agree(self, question_id: str) -> None:
        assert self.submission is not None
        self.set_answer(question_id, self.submission.reading[question_id])

    def set_feedback(self, text: str) -> None:
        self._update(feedback=text)

    def set_verdict(self, verdict: str | None, reason: str | None = None) -> None:
        change: dict[str, Any] = {"verdict": verdict}
        if reason is not None:
            change["reason"] = reason
        self._update(**change)

    def _update(self, **change: Any) -> None:
        if self.review is None or self.folder is None:
            return
        if self.review.final:
            self._say("this review is final")
            return
        self.review = self.review.model_copy(update=change)
        save_draft(self.folder, self.review, self.now())
        self._say("draft saved")
        self.changed.emit("review")

    def finalise(self) -> bool:
        if self.review is None or self.folder is None:
            return False
        answers = {k: v for k, v in self.review.answers.items() if v.get("kind") in EDITABLE_KINDS}
        try:
            self.review = finalise(
                self.folder, self.review.model_copy(update={"answers": answers}), self._store(), self.now()
            )
        except ImgTrainerError as exc:
            self._say(str(exc))
            return False
        score = self.review.interpretation["score"] if self.review.interpretation else None
        self._say(
            f"review final: {self.review.verdict}"
            + (f", interpretation agreement {score:.0%}" if score is not None else "")
        )
        self.changed.emit("review")
        self.refresh()
        return True

    def _say(self, text: str) -> None:
        self.message = text
        self.changed.emit("message")
