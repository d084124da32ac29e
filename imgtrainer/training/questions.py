"""Question sets per I-AIM step, built from a case, its key and the taxonomy, with NO answers.

The rule (wave-2 data model): a case's questions are the taxonomy questions of the case's
``question_set`` (or an explicit list of ids, e.g. from an exam), in I-AIM order, that the case's
key answers, plus the auto-keyed ``application`` question (expected answer = the case's domain)
when the set names it. The decision question takes its stem and options from ``case.decision``.

Everything returned is plain pydantic data that is safe to show a candidate: no expected value,
no explanation. Options may be shuffled per candidate with a seed; the decision question is
answered by the index of the option *as shown*, and ``QuestionSet.option_order`` maps a shown
index back to the case's original index (exams keep it next to the sealed key).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from imgtrainer.errors import CaseFormatError
from imgtrainer.library.models import AnswerKey, Case, CategoryAnswer
from imgtrainer.library.taxonomy import Question, Taxonomy
from imgtrainer.training.blind import neutral_context

STEP_ORDER: dict[str, int] = {"indication": 0, "acquisition": 1, "interpretation": 2, "decision": 3}
AUTO_KEYED: frozenset[str] = frozenset({"application"})


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


def effective_key(case: Case, key: AnswerKey | None) -> dict:
    """The key's answers plus the auto-keyed ones (``application`` = the case's domain)."""
    answers: dict = dict(key.answers) if key is not None else {}
    answers.setdefault("application", CategoryAnswer(value=case.domain, note="auto-keyed from domain"))
    return answers


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
    answers = effective_key(case, key)
    out: list[Question] = []
    for q in chosen:
        if q.kind == "decision" and case.decision is None:
            if key is not None and q.id in key.answers:
                raise CaseFormatError(f"case {case.id!r}: key answers {q.id!r} but case.json has no decision")
            continue
        if key is not None and question_ids is None and q.id not in answers:
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
    otherwise every question of the set is listed (the decision only when the case has one).
    With explicit ``question_ids`` and a key, ids the key does not answer are still asked
    (and score 0 with the reason "no expert answer"), so an exam's list is honoured exactly.
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
