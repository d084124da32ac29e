"""Adjudication: turn several raters' keys into the consensus key trainees are scored against.

Each rater's answer to a question (and each of their marks) is an item the adjudicator accepts
or rejects. Answers every rater gave identically are accepted automatically. The consensus
records who agreed, per answer and per mark (``agreed_by``):

- a whole answer: the raters who gave the same answer;
- a mark: the rater who drew it and every rater with a matching mark (one-to-one matching within
  the answer's tolerance, as in scoring);
- a marks answer: the raters whose marks are exactly the consensus marks (each of theirs matches
  one kept, and each kept matches one of theirs). A rater with a rejected, unmatched mark, or
  who missed a kept one, did not agree;
- the key: the raters in the ``agreed_by`` of every answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from imgtrainer.errors import CaseFormatError
from imgtrainer.library.models import AnswerKey, MarksAnswer, utcnow

_META_FIELDS = {"author", "at", "note", "agreed_by"}


def answer_content(answer: object) -> dict:
    """An answer without its metadata, for equality between raters."""
    return answer.model_dump(mode="json", exclude=_META_FIELDS)  # type: ignore[attr-defined]


@dataclass
class AdjudicationItem:
    """One thing to accept or reject: a rater's whole answer, or one of their marks."""

    question_id: str
    rater: str
    mark_index: int | None = None
    unanimous: bool = False
    accepted: bool | None = None  # None: undecided

    @property
    def key(self) -> tuple[str, str, int | None]:
        return (self.question_id, self.rater, self.mark_index)


@dataclass
class Adjudication:
    case_id: str
    keys: dict[str, AnswerKey]
    items: list[AdjudicationItem] = field(default_factory=list)

    @classmethod
    def start(cls, case_id: str, keys: dict[str, AnswerKey]) -> Adjudication:
        if len(keys) < 1:
            raise CaseFormatError(f"case {case_id}: no rater keys to adjudicate")
        adj = cls(case_id=case_id, keys=dict(keys))
        questions = sorted({q for k in keys.values() for q in k.answers})
        for qid in questions:
            given = {r: k.answers[qid] for r, k in keys.items() if qid in k.answers}
            contents = [answer_content(a) for a in given.values()]
            unanimous = len(given) == len(keys) and all(c == contents[0] for c in contents)
            for rater, answer in given.items():
                if isinstance(answer, MarksAnswer) and not unanimous:
                    for i in range(len(answer.marks)):
                        adj.items.append(AdjudicationItem(qid, rater, i))
                else:
                    adj.items.append(
                        AdjudicationItem(qid, rater, None, unanimous, True if unanimous else None)
                    )
        return adj

    def decide(self, question_id: str, rater: str, accept: bool, mark_index: int | None = None) -> None:
        for item in self.items:
            if item.key == (question_id, rater, mark_index):
                item.accepted = accept
                return
        raise KeyError(f"no item {question_id}/{rater}/{mark_index}")

    @property
    def pending(self) -> list[AdjudicationItem]:
        return [i for i in self.items if i.accepted is None]

    def _marks_consensus(
        self, qid: str, accepted: list[AdjudicationItem], adjudicator: str, now: datetime
    ) -> MarksAnswer:
        """The accepted marks, each with the raters who drew it, and who agreed on all of them."""
        from imgtrainer.training.marks import match_marks

        template = self.keys[accepted[0].rater].answers[qid]
        assert isinstance(template, MarksAnswer)
        kept = [self.keys[i.rater].answers[qid].marks[i.mark_index] for i in accepted]  # type: ignore[union-attr,index]
        drew: list[set[str]] = [{i.rater} for i in accepted]
        agreeing = []
        for rater, key in sorted(self.keys.items()):
            answer = key.answers.get(qid)
            theirs = answer.marks if isinstance(answer, MarksAnswer) else []
            match = match_marks(kept, list(theirs), template.tolerance_px, template.tolerance_deg)
            for k, _j, _credit, _d in match.pairs:
                drew[k].add(rater)
            if match.matched == len(kept) == len(theirs):
                agreeing.append(rater)
        marks = [m.model_copy(update={"agreed_by": sorted(d)}) for m, d in zip(kept, drew, strict=True)]
        return template.model_copy(
            update={"marks": marks, "agreed_by": agreeing, "author": adjudicator, "at": now}
        )

    def consensus(self, adjudicator: str, now: datetime | None = None) -> AnswerKey:
        """Build the consensus key. Raises if an item is undecided or a question has two
        different accepted whole answers."""
        if self.pending:
            first = self.pending[0]
            raise CaseFormatError(
                f"case {self.case_id}: {len(self.pending)} items undecided (first: {first.question_id} by {first.rater})"
            )
        now = now or utcnow()
        answers: dict[str, object] = {}
        for qid in sorted({i.question_id for i in self.items}):
            accepted = [i for i in self.items if i.question_id == qid and i.accepted]
            if not accepted:
                continue
            if accepted[0].mark_index is not None:
                answers[qid] = self._marks_consensus(qid, accepted, adjudicator, now)
                continue
            chosen = self.keys[accepted[0].rater].answers[qid]
            content = answer_content(chosen)
            if any(answer_content(self.keys[i.rater].answers[qid]) != content for i in accepted[1:]):
                raise CaseFormatError(
                    f"case {self.case_id}: question {qid}: accepted answers differ; accept one"
                )
            agreeing = sorted(
                r
                for r, k in self.keys.items()
                if qid in k.answers and answer_content(k.answers[qid]) == content
            )
            update: dict[str, object] = {"agreed_by": agreeing, "author": adjudicator, "at": now}
            if isinstance(chosen, MarksAnswer):  # every rater drew these very marks
                update["marks"] = [m.model_copy(update={"agreed_by": agreeing}) for m in chosen.marks]
            answers[qid] = chosen.model_copy(update=update)
        all_raters = sorted(self.keys)
        agreed_all = [r for r in all_raters if all(r in a.agreed_by for a in answers.values())]  # type: ignore[attr-defined]
        return AnswerKey(
            case_id=self.case_id,
            rater=adjudicator,
            role="consensus",
            agreed_by=agreed_all,
            created_at=now,
            updated_at=now,
            answers=answers,  # type: ignore[arg-type]
        )


def count_mark_mismatches(key: AnswerKey, questions: list[object]) -> list[str]:
    """Where a keyed count and the marks of the same finding disagree: e.g. a B-line count of 3
    with 1 B-line mark kept. The count is the most in one frame, so it is compared with the most
    marks on one frame (a mark valid on every frame counts on each). ``questions``: the taxonomy's."""
    from imgtrainer.library.models import CountAnswer

    by_finding: dict[str, dict[str, str]] = {}
    for q in questions:
        finding = getattr(q, "finding", None)
        if finding and q.kind in ("count", "marks"):  # type: ignore[attr-defined]
            by_finding.setdefault(finding, {})[q.kind] = q.id  # type: ignore[attr-defined]
    out = []
    for _finding, ids in sorted(by_finding.items()):
        count = key.answers.get(ids.get("count", ""))
        marks = key.answers.get(ids.get("marks", ""))
        if not isinstance(count, CountAnswer) or not isinstance(marks, MarksAnswer):
            continue
        every = sum(1 for m in marks.marks if m.frame is None)
        per_frame: dict[int, int] = {}
        for m in marks.marks:
            if m.frame is not None:
                per_frame[m.frame] = per_frame.get(m.frame, 0) + 1
        most = max(per_frame.values(), default=0) + every
        if abs(most - count.value) > count.tolerance:
            out.append(
                f"{ids['count']} is {count.value}"
                + (f" ± {count.tolerance}" if count.tolerance else "")
                + f" but {ids['marks']} keeps {most} mark{'s' if most != 1 else ''}"
                + (" on its busiest frame" if per_frame and len(per_frame) > 1 else "")
                + ": accept or reject marks, or correct the count"
            )
    return out
