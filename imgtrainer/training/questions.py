"""Question sets per I-AIM step, built from a case, its key and the taxonomy, with NO answers.

Which questions are asked must not give the answer away, so a question about a finding
(``Question.finding`` in the taxonomy) is asked whenever the key ASSESSES that finding, present
or absent, not only when the key happens to hold an answer for it. The rule:

- A question with no ``finding`` (view, quality, decision, ...) is asked when the key answers it.
  The auto-keyed ``application`` question (expected answer = the case's domain) is always asked
  when the set names it. The decision question takes its stem and options from ``case.decision``.
- A marks, count, frame-ranges or measurement question about a finding (``IMPLIED_KINDS``) is
  asked when the key answers it OR the key assesses its finding (``finding_status``: the key's
  findings answer lists it as present or absent, or a yes/no or present/absent category question
  about it is keyed). When the finding is ABSENT and the key has no explicit answer, the expected
  answer is the implied negative (``ImpliedAbsent``): no marks, a count of 0, no frames, and for a
  measurement "not applicable". When the finding is PRESENT and the key has no answer (e.g. B-lines
  too confluent to draw) the question is still asked, so that its absence cannot reveal the
  finding, but it is not scored (weight 0, "the key has no answer for this question").
- A finding the key does not assess at all asks no question about it.
- Category and ordinal questions with a ``finding`` (lung sliding present/absent, Perlas grade)
  are keyed explicitly in practice; they are asked when the key answers them.

The same rule serves practice, exams (``exams.build``/``exams.grading`` call it through this
module and ``training.scoring``), the CLI and the GUI. Everything returned is plain pydantic data
that is safe to show a candidate: no expected value, no explanation. Options may be shuffled per
candidate with a seed; the decision question is answered by the index of the option *as shown*,
and ``QuestionSet.option_order`` maps a shown index back to the case's original index (exams keep
it next to the sealed key).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from imgtrainer.errors import CaseFormatError
from imgtrainer.library.models import AnswerKey, Case, CategoryAnswer, FindingsAnswer
from imgtrainer.library.taxonomy import Question, Taxonomy
from imgtrainer.training.blind import neutral_context

STEP_ORDER: dict[str, int] = {"indication": 0, "acquisition": 1, "interpretation": 2, "decision": 3}
AUTO_KEYED: frozenset[str] = frozenset({"application"})
IMPLIED_KINDS: frozenset[str] = frozenset({"marks", "count", "frame_ranges", "measurement"})
"""Kinds of finding questions with an implied negative answer when the finding is absent."""
NONE_KINDS: frozenset[str] = frozenset({"marks", "frame_ranges", "measurement"})
"""Kinds whose unanswered question counts as the answer "none" (no marks, no frames, not
applicable): leaving them blank is how a trainee says there is nothing to mark or measure."""
_BINARY_VALUES: dict[str, bool] = {"yes": True, "present": True, "no": False, "absent": False}


class _Plain(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OptionView(_Plain):
    """A choice shown to the trainee: ``id`` is what the trainee answers (decision: shown index)."""

    id: str
    label: str
    description: str = ""


class ScaleView(_Plain):
    value: int
    label: str


class FindingView(_Plain):
    id: str
    label: str
    description: str = ""
    distractor: bool = False
    group: str = ""


class QuestionView(_Plain):
    """One question as a trainee sees it (no answer). ``kind`` decides widget and response."""

    id: str
    step: str
    kind: str
    prompt: str
    help: str = ""
    options: list[OptionView] = Field(default_factory=list)
    scale: list[ScaleView] = Field(default_factory=list)
    findings: list[FindingView] = Field(default_factory=list)
    unit: str | None = None
    mark_types: list[str] = Field(default_factory=list)
    weight: float = 1.0
    partial_credit: bool = True
    finding: str | None = None
    finding_label: str = ""


class QuestionSet(_Plain):
    """The questions of one case in I-AIM order; ``option_order[qid][shown] = original index``."""

    case_id: str
    domain: str
    title: str = ""
    indication: str = ""
    questions: list[QuestionView]
    option_order: dict[str, list[int]] = Field(default_factory=dict)
    shuffle_seed: str | None = None

    def by_step(self) -> dict[str, list[QuestionView]]:
        out: dict[str, list[QuestionView]] = {s: [] for s in STEP_ORDER}
        for q in self.questions:
            out[q.step].append(q)
        return out

    def question(self, qid: str) -> QuestionView:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    @property
    def ids(self) -> list[str]:
        return [q.id for q in self.questions]

    def candidate_dict(self) -> dict:
        """What a candidate may see: no shuffle mapping, no title (titles often name the
        finding) and no domain when the application question is asked (it is the answer)."""
        exclude = {"option_order", "title"}
        if "application" in self.ids:
            exclude.add("domain")
        return self.model_dump(mode="json", exclude=exclude)


class ImpliedAbsent(_Plain):
    """The expected answer of a finding question the key does not answer while it assesses the
    finding as absent: no marks, a count of 0, no frames, or "not applicable" (measurement)."""

    kind: str
    finding: str
    finding_label: str = ""
    note: str = ""

    @property
    def expected_text(self) -> str:
        return f"none (the {finding_phrase(self.finding_label or self.finding)} is absent)"


def finding_phrase(label: str) -> str:
    """A finding label for use inside a sentence: "Pleural effusion" -> "pleural effusion"
    (acronyms such as "B-lines" or "LV dilated" keep their capitals; a trailing remark in
    parentheses is dropped)."""
    text = label.strip()
    if text.endswith(")") and " (" in text:
        text = text[: text.rindex(" (")].strip()
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


def finding_status(answers: Mapping[str, object], questions: Iterable[object] = ()) -> dict[str, bool]:
    """Findings the key assesses: id -> True (present) / False (absent).

    From every findings answer of the key (its present and absent lists) and, for findings those
    do not cover, from a keyed yes/no or present/absent category question about the finding
    (``questions``: taxonomy ``Question`` or ``QuestionView`` objects, for their ``finding``).
    """
    status: dict[str, bool] = {}
    for a in answers.values():
        if isinstance(a, FindingsAnswer):
            status.update(dict.fromkeys(a.absent, False))
            status.update(dict.fromkeys(a.present, True))
    for q in questions:
        finding = getattr(q, "finding", None)
        a = answers.get(getattr(q, "id", ""))
        if finding and isinstance(a, CategoryAnswer) and a.value in _BINARY_VALUES:
            status.setdefault(finding, _BINARY_VALUES[a.value])
    return status


def effective_key(
    case: Case,
    key: AnswerKey | None,
    questions: Iterable[object] = (),
    finding_labels: Mapping[str, str] | None = None,
) -> dict:
    """The key's answers plus the auto-keyed ones (``application`` = the case's domain) and, for
    each of ``questions`` (taxonomy questions or question views) in ``IMPLIED_KINDS`` whose finding
    the key assesses as absent and does not answer, its ``ImpliedAbsent`` expected answer."""
    answers: dict = dict(key.answers) if key is not None else {}
    answers.setdefault("application", CategoryAnswer(value=case.domain, note="auto-keyed from domain"))
    questions = list(questions)
    if key is None or not questions:
        return answers
    status = finding_status(key.answers, questions)
    labels = dict(finding_labels or {})
    for q in questions:
        finding, qid, kind = getattr(q, "finding", None), getattr(q, "id", ""), getattr(q, "kind", "")
        if kind in IMPLIED_KINDS and finding and status.get(finding) is False and qid not in answers:
            label = labels.get(finding) or getattr(q, "finding_label", "") or finding
            answers[qid] = ImpliedAbsent(
                kind=kind, finding=finding, finding_label=label, note=f"implied: {label} absent"
            )
    return answers


def is_asked(q: Question, answers: Mapping[str, object], status: Mapping[str, bool]) -> bool:
    """The question-set rule for one taxonomy question (see the module docstring).
    ``answers`` is ``effective_key(...)`` with the taxonomy's questions, ``status`` is
    ``finding_status(key.answers, taxonomy.questions)``."""
    if q.id in answers:
        return True
    return q.kind in IMPLIED_KINDS and q.finding is not None and q.finding in status


def select_questions(
    case: Case,
    key: AnswerKey | None,
    taxonomy: Taxonomy,
    question_ids: Sequence[str] | None = None,
    set_name: str | None = None,
) -> list[Question]:
    """Taxonomy questions asked for this case, in I-AIM order (see module docstring)."""
    if taxonomy.domain != case.domain:
        raise CaseFormatError(f"case {case.id!r}: domain {case.domain!r} but taxonomy is {taxonomy.domain!r}")
    if question_ids is not None:
        chosen = []
        for qid in question_ids:
            try:
                chosen.append(taxonomy.question(qid))
            except KeyError:
                raise CaseFormatError(
                    f"case {case.id!r}: question {qid!r} is not in the {case.domain} taxonomy"
                ) from None
        chosen.sort(key=lambda q: STEP_ORDER[q.step])
    else:
        chosen = taxonomy.questions_in(set_name or case.question_set)
    labels = {f.id: f.label for f in taxonomy.findings}
    answers = effective_key(case, key, taxonomy.questions, labels)
    status = finding_status(key.answers, taxonomy.questions) if key is not None else {}
    out: list[Question] = []
    for q in chosen:
        if q.kind == "decision" and case.decision is None:
            if key is not None and q.id in key.answers:
                raise CaseFormatError(f"case {case.id!r}: key answers {q.id!r} but case.json has no decision")
            continue
        if key is not None and question_ids is None and not is_asked(q, answers, status):
            continue
        if key is not None and q.id in answers and answers[q.id].kind != q.kind:
            raise CaseFormatError(
                f"case {case.id!r}: key answer for {q.id!r} is a {answers[q.id].kind} answer, "
                f"the taxonomy question is {q.kind}"
            )
        out.append(q)
    return out


def build_question_set(
    case: Case,
    key: AnswerKey | None,
    taxonomy: Taxonomy,
    question_ids: Sequence[str] | None = None,
    set_name: str | None = None,
    shuffle_seed: int | str | None = None,
) -> QuestionSet:
    """The case's question set, safe to show; ``shuffle_seed`` shuffles options reproducibly.

    With ``key=None`` (an exam candidate's side) pass the ``question_ids`` chosen at build time;
    otherwise the questions of the set that the rule asks (module docstring). With explicit
    ``question_ids`` and a key, ids the key does not answer (explicitly or by an implied negative)
    are still asked but not scored, so an exam's list is honoured exactly.
    """
    views: list[QuestionView] = []
    order: dict[str, list[int]] = {}
    findings = {f.id: f for f in taxonomy.findings}
    for q in select_questions(case, key, taxonomy, question_ids, set_name):
        view = QuestionView(
            id=q.id,
            step=q.step,
            kind=q.kind,
            prompt=q.prompt,
            help=q.help,
            scale=[ScaleView(value=p.value, label=p.label) for p in q.scale],
            unit=q.unit,
            mark_types=list(q.mark_types),
            weight=q.weight,
            partial_credit=q.partial_credit,
            finding=q.finding,
            finding_label=findings[q.finding].label if q.finding in findings else "",
        )
        if q.kind == "category":
            opts = [
                OptionView(id=o.id, label=o.label, description=o.description)
                for o in taxonomy.category_options(q)
            ]
            view.options = _shuffled(opts, shuffle_seed, case.id, q.id)[0]
        elif q.kind == "decision":
            assert case.decision is not None
            view.prompt = case.decision.stem
            view.help = q.prompt if not q.help else f"{q.prompt} {q.help}"
            labels = list(case.decision.options)
            shown, perm = _shuffled(labels, shuffle_seed, case.id, q.id)
            view.options = [OptionView(id=str(i), label=label) for i, label in enumerate(shown)]
            order[q.id] = perm
        elif q.kind == "findings":
            view.findings = [
                FindingView(
                    id=f,
                    label=findings[f].label,
                    description=findings[f].description,
                    distractor=findings[f].distractor,
                    group=findings[f].group,
                )
                for f in q.findings
            ]
        views.append(view)
    return QuestionSet(
        case_id=case.id,
        domain=case.domain,
        title=case.title,
        # with the application question asked, an indication naming the application is its answer
        indication=(
            neutral_context(case.patient.clinical_context, case.indication)
            if any(v.id == "application" for v in views)
            else case.indication or case.patient.clinical_context
        ),
        questions=views,
        option_order=order,
        shuffle_seed=None if shuffle_seed is None else str(shuffle_seed),
    )


def _shuffled(items: list, seed: int | str | None, case_id: str, qid: str) -> tuple[list, list[int]]:
    """Items in a seeded order (stable across processes) and the shown->original index map."""
    perm = list(range(len(items)))
    if seed is not None:
        digest = hashlib.sha256(f"{seed}\x00{case_id}\x00{qid}".encode()).digest()
        random.Random(int.from_bytes(digest[:8], "big")).shuffle(perm)
    return [items[i] for i in perm], perm
