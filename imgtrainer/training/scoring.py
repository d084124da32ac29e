"""Scoring: one rule per answer kind, each giving a score 0-1 and the reason (DESIGN §4).

Rules (``rule_<kind>(question, answer, response) -> RuleResult``):

- category: 1 for the key's value or one of its ``acceptable`` alternatives, else 0. A yes/no
  or present/absent question about a finding also records a TP/FP/TN/FN for that finding.
- ordinal: ``max(0, 1 - |given - expected| / span)`` with span = the scale's range (e.g. ACEP
  3 for 4: 0.75; LUS 0 for 1: 0.67; Perlas 1 for 2: 0.5); exact only if ``partial_credit`` is off.
- findings: each finding the key assesses (in its present or absent list) is a TP/FP/TN/FN; a
  finding the trainee does not list as present counts as absent. Score = balanced accuracy
  (mean of sensitivity over present findings and specificity over absent ones), so marking
  everything or nothing earns 0.5, not more. Distractors (Z-lines) are findings like the others:
  calling one present when the key says absent is a false positive.
- count: 1 within the key's tolerance; beyond it credit falls linearly to 0 at
  ``tolerance + (tolerance + 2)`` (tolerance 0: off by 1 earns 0.5, off by 2 earns 0).
- frame_ranges: temporal IoU of the frame sets (inclusive ranges); both empty earns 1.
- marks: one-to-one Hungarian matching then F1 (Dice for regions); see ``training.marks``.
- measurement: relative error r = |given - expected| / |expected| (absolute error when the
  expected value is 0); 1 for r <= tol, falling linearly to 0 at r = 3 tol. mm/cm convert.
- decision: 1 for the correct option (shown index mapped back through the shuffle), else 0.

Implied negatives (``questions.ImpliedAbsent``: a finding question asked because the key assesses
its finding as absent, with no explicit answer; see ``training.questions``): the expected answer
is "none", shown as "none (the <finding> is absent)". Marks: 1 for no marks, 0 for any (the mark
rule's none-vs-none). Count: the count rule against 0 with tolerance 0. Frame ranges: 1 for no
frames, 0 for any. Measurement: 1 for "not applicable" (or blank), 0 for a value, with the reason
"no <finding> to measure". A "not applicable" measurement where the key has a value scores 0.

An unanswered marks, frame-ranges or measurement question is scored as the answer "none"
(``questions.NONE_KINDS``; ``answered`` stays False). Any other unanswered question scores 0
("not answered"); a question the key does not answer (an
explicit exam list) is not scored and carries no weight. Case score = weighted mean of the
scored questions with the taxonomy weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from imgtrainer.errors import CaseFormatError, ResponseFormatError
from imgtrainer.library.models import (
    AnswerKey,
    Case,
    CategoryAnswer,
    CountAnswer,
    DecisionAnswer,
    FindingsAnswer,
    FrameRangesAnswer,
    Mark,
    MarksAnswer,
    MeasurementAnswer,
    OrdinalAnswer,
)
from imgtrainer.training.feedback import gastric_details
from imgtrainer.training.marks import match_marks
from imgtrainer.training.questions import (
    NONE_KINDS,
    ImpliedAbsent,
    QuestionSet,
    QuestionView,
    effective_key,
    finding_phrase,
)
from imgtrainer.training.responses import (
    CategoryResponse,
    CountResponse,
    DecisionResponse,
    FindingsResponse,
    FrameRangesResponse,
    MarksResponse,
    MeasurementResponse,
    OrdinalResponse,
    Response,
    convert_value,
    none_response,
)

CORRECT_THRESHOLD = 0.8
"""A case (or question) counts as 'correct' for CUSUM/mastery when its score reaches this."""


class FindingOutcome(BaseModel):
    """One finding of one attempt: TP, FP, TN or FN (for sensitivity/specificity per finding)."""

    model_config = ConfigDict(extra="forbid")
    question_id: str
    finding: str
    label: str = ""
    outcome: str  # "TP" | "FP" | "TN" | "FN"
    distractor: bool = False


class QuestionScore(BaseModel):
    """Score, reason and feedback of one question (labels, not ids, in ``expected``/``given``)."""

    model_config = ConfigDict(extra="forbid")
    question_id: str
    step: str
    kind: str
    prompt: str
    weight: float
    scored: bool = True
    answered: bool = True
    score: float = 0.0
    reason: str = ""
    expected: str = ""
    given: str = ""
    explanation: str = ""
    finding: str | None = None
    outcomes: list[FindingOutcome] = Field(default_factory=list)
    expert_marks: list[Mark] = Field(default_factory=list)
    trainee_marks: list[Mark] = Field(default_factory=list)
    matched_pairs: list[tuple[int, int]] = Field(default_factory=list)  # (expert idx, trainee idx)
    details: dict[str, float | str] = Field(default_factory=dict)
    time_s: float | None = None


class CaseScore(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_id: str
    domain: str
    score: float
    correct: bool
    threshold: float = CORRECT_THRESHOLD
    questions: list[QuestionScore]
    teaching_points: list[str] = Field(default_factory=list)

    @property
    def outcomes(self) -> list[FindingOutcome]:
        """One outcome per finding: a dedicated yes/no question wins over the findings checklist."""
        chosen: dict[str, FindingOutcome] = {}
        for q in sorted(self.questions, key=lambda q: q.kind != "findings"):
            for o in q.outcomes:
                chosen[o.finding] = o
        return list(chosen.values())


@dataclass
class RuleResult:
    score: float
    reason: str
    expected: str = ""
    given: str = ""
    outcomes: list[FindingOutcome] = field(default_factory=list)
    pairs: list[tuple[int, int]] = field(default_factory=list)
    explanation: str = ""


def _label(q: QuestionView, value: str) -> str:
    return next((o.label for o in q.options if o.id == value), value)


def _scale_label(q: QuestionView, value: int) -> str:
    return next((p.label for p in q.scale if p.value == value), str(value))


_BINARY = ({"yes", "no"}, {"present", "absent"})


def binary_outcome(q: QuestionView, a: CategoryAnswer, r: CategoryResponse) -> list[FindingOutcome]:
    """TP/FP/TN/FN of a yes/no (present/absent) category question about a finding (e.g. free
    fluid per FAST view). A key of 'indeterminate' (or any third option) is not assessed; a
    trainee's third option counts as a miss (FN) or as failing to rule out (FP)."""
    ids = {o.id for o in q.options}
    pair = next((p for p in _BINARY if p <= ids), None)
    if q.finding is None or pair is None or a.value not in pair:
        return []
    pos, neg = ("yes", "no") if "yes" in pair else ("present", "absent")
    truth = a.value == pos
    outcome = ("TP" if r.value == pos else "FN") if truth else ("TN" if r.value == neg else "FP")
    return [
        FindingOutcome(
            question_id=q.id, finding=q.finding, label=q.finding_label or q.finding, outcome=outcome
        )
    ]


def rule_category(q: QuestionView, a: CategoryAnswer, r: CategoryResponse) -> RuleResult:
    ok = {a.value, *a.acceptable}
    expected = " or ".join(_label(q, v) for v in [a.value, *a.acceptable])
    given = _label(q, r.value)
    outcomes = binary_outcome(q, a, r)
    if r.value in ok:
        return RuleResult(1.0, f"correct: {given}", expected, given, outcomes)
    return RuleResult(0.0, f"expected {expected}; you answered {given}", expected, given, outcomes)


def rule_ordinal(q: QuestionView, a: OrdinalAnswer, r: OrdinalResponse) -> RuleResult:
    values = [p.value for p in q.scale] or [a.value, r.value]
    span = max(max(values) - min(values), 1)
    d = abs(r.value - a.value)
    score = (1.0 if d == 0 else 0.0) if not q.partial_credit else max(0.0, 1.0 - d / span)
    exp, giv = _scale_label(q, a.value), _scale_label(q, r.value)
    reason = (
        f"correct: {giv}" if d == 0 else f"expected {exp}; you answered {giv} ({d} step{'s' * (d > 1)} away)"
    )
    return RuleResult(score, reason, exp, giv)


def rule_findings(q: QuestionView, a: FindingsAnswer, r: FindingsResponse) -> RuleResult:
    info = {f.id: f for f in q.findings}
    said = set(r.present)
    outcomes: list[FindingOutcome] = []
    for fid in q.findings:
        f = fid.id
        if f not in a.present and f not in a.absent:
            continue
        truth, call = f in a.present, f in said
        kind = ("TP" if call else "FN") if truth else ("FP" if call else "TN")
        outcomes.append(
            FindingOutcome(
                question_id=q.id, finding=f, label=info[f].label, outcome=kind, distractor=info[f].distractor
            )
        )
    expected = ", ".join(info[f].label for f in a.present if f in info) or "none of the listed findings"
    given = ", ".join(info[f].label for f in r.present if f in info) or "none"
    if not outcomes:
        return RuleResult(1.0, "the key assesses none of these findings", expected, given)
    tp = sum(o.outcome == "TP" for o in outcomes)
    fn = sum(o.outcome == "FN" for o in outcomes)
    tn = sum(o.outcome == "TN" for o in outcomes)
    fp = sum(o.outcome == "FP" for o in outcomes)
    parts = []
    if tp + fn:
        parts.append(tp / (tp + fn))
    if tn + fp:
        parts.append(tn / (tn + fp))
    score = sum(parts) / len(parts)
    missed = [o.label for o in outcomes if o.outcome == "FN"]
    extra = [o.label for o in outcomes if o.outcome == "FP"]
    bits = []
    if missed:
        bits.append("missed: " + ", ".join(missed))
    if extra:
        bits.append("called present but absent: " + ", ".join(extra))
    unassessed = [info[f].label for f in said if f in info and f not in a.present and f not in a.absent]
    if unassessed:
        bits.append("not assessed in this case: " + ", ".join(unassessed))
    if not missed and not extra:
        bits.insert(0, f"all {len(outcomes)} assessed findings correct")
    reason = "; ".join(bits)
    teach = [
        f"{info[o.finding].label}: {info[o.finding].description}"
        for o in outcomes
        if o.outcome in ("FN", "FP") and info[o.finding].description
    ]
    return RuleResult(score, reason, expected, given, outcomes, explanation=" ".join(teach))


def rule_count(q: QuestionView, a: CountAnswer, r: CountResponse) -> RuleResult:
    err = abs(r.value - a.value)
    tol = a.tolerance
    score = 1.0 if err <= tol else max(0.0, 1.0 - (err - tol) / (tol + 2))
    exp = f"{a.value}" + (f" (±{tol})" if tol else "")
    if err <= tol:
        return RuleResult(1.0, f"{r.value} is within the tolerance of {exp}", exp, str(r.value))
    return RuleResult(score, f"expected {exp}; you counted {r.value}", exp, str(r.value))


def merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Inclusive ranges merged into disjoint sorted ones (interval arithmetic: no frame sets)."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _length(ranges: list[tuple[int, int]]) -> int:
    return sum(e - s + 1 for s, e in ranges)


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    total, i, j = 0, 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        total += max(0, hi - lo + 1)
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def rule_frame_ranges(q: QuestionView, a: FrameRangesAnswer, r: FrameRangesResponse) -> RuleResult:
    ka, ra = merge_ranges(list(a.ranges)), merge_ranges(list(r.ranges))
    fmt = lambda rs: ", ".join(f"{s}-{e}" for s, e in rs) or "none"  # noqa: E731
    inter = _overlap(ka, ra)
    union = _length(ka) + _length(ra) - inter
    iou = 1.0 if union == 0 else inter / union
    return RuleResult(
        iou, f"frame overlap (IoU) {iou:.2f}", f"frames {fmt(a.ranges)}", f"frames {fmt(r.ranges)}"
    )


def rule_marks(q: QuestionView, a: MarksAnswer, r: MarksResponse) -> RuleResult:
    m = match_marks(a.marks, r.marks, a.tolerance_px, a.tolerance_deg)
    regions = any(x.type in ("polygon", "ellipse") for x in a.marks)
    if regions:
        reason = f"region overlap (Dice-weighted F1) {m.score:.2f}"
    else:
        reason = (
            f"matched {m.matched} of {m.n_expert} expert mark(s) within {a.tolerance_px:g} px"
            + (f" and {a.tolerance_deg:g}°" if any(x.type == "line" for x in a.marks) else "")
            + (f"; {m.n_trainee - m.matched} extra" if m.n_trainee > m.matched else "")
            + f"; the score is an F1: 2 x matched / ({m.n_expert} expert + {m.n_trainee} yours)"
        )
    pairs = [(i, j) for i, j, _, _ in m.pairs]
    return RuleResult(m.score, reason, f"{m.n_expert} mark(s)", f"{m.n_trainee} mark(s)", pairs=pairs)


def rule_measurement(q: QuestionView, a: MeasurementAnswer, r: MeasurementResponse) -> RuleResult:
    unit = q.unit or a.unit
    expected = convert_value(a.value, a.unit, unit, q.id)
    if r.value is None:
        exp = f"{expected:.3g} {unit}"
        return RuleResult(0.0, f"expected {exp}; you answered not present", exp, "not present")
    given = convert_value(r.value, r.unit or unit, unit, q.id)
    tol = a.tolerance_rel
    rel = abs(given - expected) / abs(expected) if expected != 0 else abs(given)
    score = 1.0 if rel <= tol else max(0.0, (3 * tol - rel) / (2 * tol))
    exp, giv = f"{expected:.3g} {unit}", f"{given:.3g} {unit}"
    reason = f"relative error {rel:.0%} (full credit within {tol:.0%}, none beyond {3 * tol:.0%})"
    return RuleResult(score, reason, exp, giv)


def rule_decision(
    q: QuestionView, a: DecisionAnswer, r: DecisionResponse, order: list[int] | None
) -> RuleResult:
    order = order or list(range(len(q.options)))
    original = order[r.choice]
    shown_correct = order.index(a.correct) if a.correct in order else None
    exp = q.options[shown_correct].label if shown_correct is not None else f"option {a.correct}"
    giv = q.options[r.choice].label
    if original == a.correct:
        return RuleResult(1.0, "correct", exp, giv)
    return RuleResult(0.0, f"the best answer is: {exp}", exp, giv)


def rule_implied_absent(q: QuestionView, a: ImpliedAbsent, r: Response) -> RuleResult:
    """A finding question whose finding the key assesses as absent: the answer is "none"."""
    what = finding_phrase(a.finding_label or a.finding)
    exp = a.expected_text
    if isinstance(r, MarksResponse):
        n = len(r.marks)
        if n == 0:
            return RuleResult(1.0, f"correct: nothing to mark (no {what})", exp, "no marks")
        return RuleResult(0.0, f"no {what} to mark; you drew {n} mark(s)", exp, f"{n} mark(s)")
    if isinstance(r, FrameRangesResponse):
        if not r.ranges:
            return RuleResult(1.0, f"correct: no frames (no {what})", exp, "no frames")
        res = rule_frame_ranges(q, FrameRangesAnswer(ranges=[]), r)
        return RuleResult(0.0, f"no {what} in any frame; you marked {res.given}", exp, res.given)
    if isinstance(r, CountResponse):
        res = rule_count(q, CountAnswer(value=0), r)
        reason = f"correct: none (no {what})" if r.value == 0 else f"no {what}; you counted {r.value}"
        return RuleResult(res.score, reason, exp, str(r.value))
    if isinstance(r, MeasurementResponse):
        if r.value is None:
            return RuleResult(1.0, f"correct: not applicable (no {what})", exp, "not present")
        unit = r.unit or q.unit or ""
        return RuleResult(0.0, f"no {what} to measure", exp, f"{r.value:.3g} {unit}".strip())
    raise CaseFormatError(f"question {q.id!r}: no implied negative for a {q.kind} question")


_RULES = {
    "category": rule_category,
    "ordinal": rule_ordinal,
    "findings": rule_findings,
    "count": rule_count,
    "frame_ranges": rule_frame_ranges,
    "marks": rule_marks,
    "measurement": rule_measurement,
}


def score_question(
    q: QuestionView,
    answer: object | None,
    response: Response | None,
    order: list[int] | None = None,
    *,
    blank_is_none: bool = True,
) -> QuestionScore:
    """Score one question; ``answer`` is the key's answer (None: not scored).

    ``blank_is_none``: a blank marks, frames or measurement question counts as "none" (how a
    trainee says there is nothing to mark). ``score_case`` turns it off for a case left wholly
    unanswered, so that an empty submission earns nothing.
    """
    qs = QuestionScore(
        question_id=q.id, step=q.step, kind=q.kind, prompt=q.prompt, weight=q.weight, finding=q.finding
    )
    if isinstance(answer, MarksAnswer | MeasurementAnswer):
        qs.expert_marks = list(answer.marks)
    if isinstance(response, MarksResponse | MeasurementResponse):
        qs.trainee_marks = list(response.marks)
    if response is not None:
        qs.time_s = response.time_s
    counted_as_none = False
    if response is None and answer is not None and q.kind in NONE_KINDS and blank_is_none:
        response, counted_as_none = none_response(q.kind), True  # blank = "none"
    if answer is not None and getattr(answer, "kind", None) != q.kind:
        raise CaseFormatError(
            f"question {q.id!r}: the key holds a {getattr(answer, 'kind', '?')} answer, the question is {q.kind}"
        )
    if response is not None and response.kind != q.kind:
        raise ResponseFormatError(
            f"question {q.id!r}: field 'kind': a {response.kind} response to a {q.kind} question"
        )
    if answer is None:
        qs.scored, qs.weight, qs.answered = False, 0.0, response is not None
        qs.reason = "not scored: the key has no answer for this question"
        return qs
    if response is None:
        qs.answered = False
        qs.reason = "not answered"
        qs.expected = _expected_text(q, answer, order)
        note = "" if isinstance(answer, ImpliedAbsent) else getattr(answer, "note", "")
        qs.explanation = getattr(answer, "explanation", "") or (
            "" if note == "auto-keyed from domain" else note
        )
        return qs
    if isinstance(answer, ImpliedAbsent):
        res = rule_implied_absent(q, answer, response)
    elif q.kind == "decision":
        res = rule_decision(q, answer, response, order)  # type: ignore[arg-type]
        res.explanation = answer.explanation  # type: ignore[union-attr]
    else:
        res = _RULES[q.kind](q, answer, response)  # type: ignore[operator]
    if counted_as_none:
        qs.answered = False
        res.reason = f"not answered (counted as none): {res.reason}"
    note = "" if isinstance(answer, ImpliedAbsent) else getattr(answer, "note", "")
    if note and note != "auto-keyed from domain":
        res.explanation = f"{res.explanation} {note}".strip()
    qs.explanation = res.explanation
    qs.score = float(min(1.0, max(0.0, res.score)))
    qs.reason, qs.expected, qs.given = res.reason, res.expected, res.given
    qs.outcomes, qs.matched_pairs = res.outcomes, res.pairs
    return qs


def _expected_text(q: QuestionView, answer: object, order: list[int] | None) -> str:
    """The expected answer in words, for an unanswered question."""
    if isinstance(answer, ImpliedAbsent):
        return answer.expected_text
    if isinstance(answer, CategoryAnswer):
        return _label(q, answer.value)
    if isinstance(answer, OrdinalAnswer):
        return _scale_label(q, answer.value)
    if isinstance(answer, FindingsAnswer):
        labels = {f.id: f.label for f in q.findings}
        return ", ".join(labels.get(f, f) for f in answer.present) or "none of the listed findings"
    if isinstance(answer, CountAnswer):
        return str(answer.value)
    if isinstance(answer, FrameRangesAnswer):
        return "frames " + ", ".join(f"{s}-{e}" for s, e in answer.ranges)
    if isinstance(answer, MarksAnswer):
        return f"{len(answer.marks)} mark(s)"
    if isinstance(answer, MeasurementAnswer):
        return f"{answer.value:.3g} {answer.unit}"
    if isinstance(answer, DecisionAnswer):
        order = order or list(range(len(q.options)))
        return q.options[order.index(answer.correct)].label if answer.correct in order else ""
    return ""


def score_case(
    case: Case,
    key: AnswerKey,
    qset: QuestionSet,
    responses: Mapping[str, Response],
    threshold: float = CORRECT_THRESHOLD,
) -> CaseScore:
    """Score every question of ``qset`` and the case (weighted mean of the scored questions)."""
    answers = effective_key(case, key, qset.questions)
    engaged = any(q.id in responses for q in qset.questions)  # a wholly blank case earns nothing
    scores = [
        score_question(
            q, answers.get(q.id), responses.get(q.id), qset.option_order.get(q.id), blank_is_none=engaged
        )
        for q in qset.questions
    ]
    if case.domain == "gastric":
        details = gastric_details(case, key, responses)
        for qs in scores:
            if qs.kind == "decision" or (
                qs.kind == "measurement" and qs.question_id != details.get("csa_question")
            ):
                qs.details.update(details)
    total_w = sum(s.weight for s in scores if s.scored)
    score = sum(s.weight * s.score for s in scores if s.scored) / total_w if total_w > 0 else 0.0
    return CaseScore(
        case_id=case.id,
        domain=case.domain,
        score=score,
        correct=score >= threshold,
        threshold=threshold,
        questions=scores,
        teaching_points=list(case.teaching_points),
    )
