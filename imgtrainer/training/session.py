"""A practice case in progress, with no UI: the state object the GUI binds to.

``PracticeSession`` holds the case's question set, the answers given so far and, after
``submit``, the scored feedback. Each ``answer`` is parsed (``ResponseFormatError`` on bad input)
and handed at once to the recorder (an ``imgtrainer.progress.attempts.AttemptStore``, duck-typed
so that training does not depend on the store), which commits it in its own transaction; after
a crash ``PracticeSession.resume`` rebuilds the session from the committed answers. The clock
is passed in (a callable returning an aware UTC datetime).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from imgtrainer.errors import ImgTrainerError
from imgtrainer.library.models import AnswerKey, Case
from imgtrainer.library.taxonomy import Taxonomy
from imgtrainer.training.questions import OptionView, QuestionSet, build_question_set
from imgtrainer.training.responses import Response, parse_response
from imgtrainer.training.scoring import CORRECT_THRESHOLD, CaseScore, score_case


class Recorder(Protocol):
    def start(self, trainee: str, qset: QuestionSet, now: datetime, mode: str = ...) -> int: ...
    def record_answer(
        self, attempt_id: int, question_id: str, response: Response, now: datetime, time_s: float | None = ...
    ) -> None: ...
    def answers(self, attempt_id: int) -> dict[str, Response]: ...
    def finish(
        self, attempt_id: int, case: Case, key: AnswerKey, qset: QuestionSet, now: datetime
    ) -> CaseScore: ...


def apply_option_order(qset: QuestionSet, order: dict[str, list[int]]) -> QuestionSet:
    """Re-show the decision options of an unshuffled ``qset`` in a stored shown->original order."""
    questions = []
    for q in qset.questions:
        perm = order.get(q.id)
        if q.kind == "decision" and perm is not None:
            labels = [o.label for o in q.options]
            if sorted(perm) != list(range(len(labels))):
                raise ImgTrainerError(f"stored option order for {q.id!r} does not fit the case's options")
            opts = [OptionView(id=str(i), label=labels[j]) for i, j in enumerate(perm)]
            q = q.model_copy(update={"options": opts})
        questions.append(q)
    return qset.model_copy(update={"questions": questions, "option_order": dict(order)})


class PracticeSession:
    """One case being practised: ``answer`` as the trainee goes, then ``submit`` for feedback."""

    def __init__(
        self,
        case: Case,
        key: AnswerKey,
        qset: QuestionSet,
        trainee: str,
        clock: Callable[[], datetime],
        recorder: Recorder | None = None,
        attempt_id: int | None = None,
        mode: str = "practice",
        threshold: float = CORRECT_THRESHOLD,
    ) -> None:
        self.case, self.key, self.qset = case, key, qset
        self.trainee, self.clock, self.recorder = trainee, clock, recorder
        self.threshold = threshold
        self.responses: dict[str, Response] = {}
        self.result: CaseScore | None = None
        if recorder is not None and attempt_id is None:
            attempt_id = recorder.start(trainee, qset, clock(), mode)
        self.attempt_id = attempt_id

    @classmethod
    def create(
        cls,
        case: Case,
        key: AnswerKey,
        taxonomy: Taxonomy,
        trainee: str,
        clock: Callable[[], datetime],
        recorder: Recorder | None = None,
        question_ids: Sequence[str] | None = None,
        set_name: str | None = None,
        seed: int | str | None = None,
        mode: str = "practice",
    ) -> PracticeSession:
        qset = build_question_set(case, key, taxonomy, question_ids, set_name, seed)
        return cls(case, key, qset, trainee, clock, recorder, mode=mode)

    @classmethod
    def resume(
        cls,
        recorder: Any,
        attempt_id: int,
        case: Case,
        key: AnswerKey,
        taxonomy: Taxonomy,
        clock: Callable[[], datetime],
    ) -> PracticeSession:
        """Rebuild an in-progress attempt (after a crash) with the answers already committed."""
        plan = recorder.plan(attempt_id)
        if plan["case_id"] != case.id:
            raise ImgTrainerError(f"attempt {attempt_id} is for case {plan['case_id']!r}, not {case.id!r}")
        qset = build_question_set(case, key, taxonomy, question_ids=plan["question_ids"])
        qset = apply_option_order(qset, plan["option_order"])
        session = cls(case, key, qset, plan["trainee"], clock, recorder, attempt_id)
        session.responses = dict(recorder.answers(attempt_id))
        return session

    # -------------------------------------------------------------- state
    @property
    def unanswered(self) -> list[str]:
        return [q.id for q in self.qset.questions if q.id not in self.responses]

    @property
    def finished(self) -> bool:
        return self.result is not None

    def answer(self, question_id: str, raw: Any, time_s: float | None = None) -> Response:
        """Parse and commit one answer (replacing an earlier one to the same question)."""
        if self.result is not None:
            raise ImgTrainerError("this case has been submitted; answers can no longer change")
        try:
            question = self.qset.question(question_id)
        except KeyError:
            raise ImgTrainerError(f"question {question_id!r} is not in case {self.case.id!r}") from None
        resp = parse_response(question, raw)
        if time_s is not None:
            resp = resp.model_copy(update={"time_s": time_s})
        if self.recorder is not None and self.attempt_id is not None:
            self.recorder.record_answer(self.attempt_id, question_id, resp, self.clock())
        self.responses[question_id] = resp
        return resp

    def submit(self) -> CaseScore:
        """Score the case (and close the stored attempt); returns the feedback."""
        if self.result is not None:
            return self.result
        if self.recorder is not None and self.attempt_id is not None:
            self.result = self.recorder.finish(self.attempt_id, self.case, self.key, self.qset, self.clock())
        else:
            self.result = score_case(self.case, self.key, self.qset, self.responses, self.threshold)
        return self.result
