"""Trainee responses, one model per answer kind, and the answers.json format.

answers.json maps a question id to a bare value or an object (an object may add ``time_s``,
the seconds spent on that question)::

    {
      "application": "lung",                        # category: an option id
      "acep_quality": 4,                            # ordinal: a scale value
      "findings": ["blines", "lung_sliding"],       # findings: the ids PRESENT; any finding of the
                                                    #   question not listed counts as ABSENT
      "findings": {"present": ["blines"], "absent": ["a_lines"]},   # (object form)
      "b_line_count": 4,                            # count: an integer >= 0
      "lung_point_frames": [[10, 24], [40, 45]],    # frame_ranges: inclusive 0-based [start, end]
      "b_line_marks": [{"type": "line", "points": [[120, 80], [130, 400]], "frame": 12}],
      "effusion_depth": {"value": 2.4, "unit": "cm"},   # measurement (bare number = question unit)
      "effusion_depth": {"not_applicable": true},   # measurement: nothing to measure (also a bare
                                                    #   null or "not_applicable")
      "decision": 1,                                # decision: 0-based index of the option AS SHOWN
      "lus_score": {"value": 2, "time_s": 14.5}     # any kind: object form with time spent
    }

Marks are ``{"type": point|line|polyline|polygon|ellipse, "points": [[x, y], ...], "frame": n}``
in stored-frame pixels. "None" is an answer: ``[]`` (or ``null``) for marks and frame ranges
means nothing to mark, ``0`` for a count, ``{"not_applicable": true}`` for a measurement; an
unanswered marks, frame-ranges or measurement question is scored as that "none" answer (see
``questions.NONE_KINDS``), because a finding the key assesses as absent is asked too, with the
implied negative as its expected answer. A malformed entry raises ``ResponseFormatError`` naming the question id
and the field; an id that is not in the case's question set is an error too (never silently
zero credit).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from imgtrainer.errors import ResponseFormatError
from imgtrainer.library.models import Mark, Unit
from imgtrainer.training.questions import ImpliedAbsent, QuestionSet, QuestionView

MM_PER_CM = 10.0


class _Resp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    time_s: float | None = Field(default=None, ge=0)


class CategoryResponse(_Resp):
    kind: Literal["category"] = "category"
    value: str


class OrdinalResponse(_Resp):
    kind: Literal["ordinal"] = "ordinal"
    value: int


class FindingsResponse(_Resp):
    """Findings the trainee calls present; every other finding of the question is absent."""

    kind: Literal["findings"] = "findings"
    present: list[str] = Field(default_factory=list)
    absent: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _disjoint(self) -> FindingsResponse:
        both = sorted(set(self.present) & set(self.absent))
        if both:
            raise ValueError(f"findings both present and absent: {both}")
        return self


class CountResponse(_Resp):
    kind: Literal["count"] = "count"
    value: int = Field(ge=0)


class FrameRangesResponse(_Resp):
    kind: Literal["frame_ranges"] = "frame_ranges"
    ranges: list[tuple[int, int]]

    @model_validator(mode="after")
    def _ordered(self) -> FrameRangesResponse:
        for start, end in self.ranges:
            if start < 0 or end < start:
                raise ValueError(f"range [{start}, {end}] must have 0 <= start <= end")
        return self


class MarksResponse(_Resp):
    kind: Literal["marks"] = "marks"
    marks: list[Mark]


class MeasurementResponse(_Resp):
    """A measured value, or ``not_applicable`` (no value): there is nothing to measure."""

    kind: Literal["measurement"] = "measurement"
    value: float | None = None
    unit: Unit | Literal["mm2"] | None = None  # None: the question's unit
    marks: list[Mark] = Field(default_factory=list)
    not_applicable: bool = False

    @model_validator(mode="after")
    def _finite(self) -> MeasurementResponse:
        if self.value is None:
            object.__setattr__(self, "not_applicable", True)
        elif self.not_applicable:
            raise ValueError("give a value or not_applicable, not both")
        elif not math.isfinite(self.value):
            raise ValueError("value must be a finite number")
        return self


class DecisionResponse(_Resp):
    kind: Literal["decision"] = "decision"
    choice: int = Field(ge=0)  # index of the option as shown


Response = Annotated[
    CategoryResponse
    | OrdinalResponse
    | FindingsResponse
    | CountResponse
    | FrameRangesResponse
    | MarksResponse
    | MeasurementResponse
    | DecisionResponse,
    Field(discriminator="kind"),
]

_MODELS: dict[str, type[_Resp]] = {
    "category": CategoryResponse,
    "ordinal": OrdinalResponse,
    "findings": FindingsResponse,
    "count": CountResponse,
    "frame_ranges": FrameRangesResponse,
    "marks": MarksResponse,
    "measurement": MeasurementResponse,
    "decision": DecisionResponse,
}
_BARE_FIELD = {
    "category": "value",
    "ordinal": "value",
    "findings": "present",
    "count": "value",
    "frame_ranges": "ranges",
    "marks": "marks",
    "measurement": "value",
    "decision": "choice",
}

_NONE_BARE: dict[str, dict[str, Any]] = {
    "marks": {"marks": []},
    "frame_ranges": {"ranges": []},
    "measurement": {"not_applicable": True},
}
_NOT_APPLICABLE = {"not_applicable", "not applicable", "n/a", "none", "not present"}


def none_response(kind: str) -> Response | None:
    """The "none" answer of a marks, frame-ranges or measurement question (else None)."""
    return _MODELS[kind].model_validate(_NONE_BARE[kind]) if kind in _NONE_BARE else None  # type: ignore[return-value]


def parse_response(question: QuestionView, raw: Any) -> Response:
    """One answer (bare value or object) for ``question``, validated against its options."""
    kind = question.kind
    if isinstance(raw, BaseModel):
        raw = raw.model_dump()
    if isinstance(raw, dict):
        data = dict(raw)
        data.setdefault("kind", kind)
        if data["kind"] != kind:
            raise ResponseFormatError(
                f"question {question.id!r}: field 'kind' is {data['kind']!r}, expected {kind!r}"
            )
    elif raw is None and kind in _NONE_BARE:
        data = {"kind": kind, **_NONE_BARE[kind]}
    elif kind == "measurement" and isinstance(raw, str) and raw.strip().lower() in _NOT_APPLICABLE:
        data = {"kind": kind, "not_applicable": True}
    else:
        data = {"kind": kind, _BARE_FIELD[kind]: raw}
    if isinstance(data.get("value"), bool) or isinstance(data.get("choice"), bool):
        raise ResponseFormatError(f"question {question.id!r}: field 'value': a boolean is not a valid answer")
    if kind == "decision" and isinstance(data.get("choice"), str):
        data["choice"] = _choice_from_text(question, data["choice"])
    try:
        resp = _MODELS[kind].model_validate(data, strict=False)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or _BARE_FIELD[kind]
        raise ResponseFormatError(f"question {question.id!r}: field {where!r}: {err['msg']}") from None
    _check_against_question(question, resp)
    return resp  # type: ignore[return-value]


def parse_answers(data: Any, qset: QuestionSet) -> dict[str, Response]:
    """All answers of an answers.json document; unanswered questions are simply absent."""
    if not isinstance(data, dict):
        raise ResponseFormatError(
            f"answers must be a JSON object of question id -> answer, got {type(data).__name__}"
        )
    known = {q.id: q for q in qset.questions}
    out: dict[str, Response] = {}
    for qid, raw in data.items():
        if qid not in known:
            raise ResponseFormatError(
                f"question {qid!r} is not in the question set of case {qset.case_id!r} ({', '.join(known)})"
            )
        out[qid] = parse_response(known[qid], raw)
    return out


def load_answers(path: str | Path, qset: QuestionSet) -> dict[str, Response]:
    """Read and parse an answers.json file; errors name the file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ResponseFormatError(f"{path}: cannot read answers: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ResponseFormatError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
        ) from None
    try:
        return parse_answers(data, qset)
    except ResponseFormatError as exc:
        raise ResponseFormatError(f"{path}: {exc}") from None


def _choice_from_text(question: QuestionView, text: str) -> int:
    for i, opt in enumerate(question.options):
        if opt.label.strip().lower() == text.strip().lower():
            return i
    if text.strip().isdigit():
        return int(text.strip())
    raise ResponseFormatError(f"question {question.id!r}: field 'choice': {text!r} is not one of the options")


def _check_against_question(q: QuestionView, resp: _Resp) -> None:
    if isinstance(resp, CategoryResponse):
        ids = [o.id for o in q.options]
        if resp.value not in ids:
            raise ResponseFormatError(f"question {q.id!r}: field 'value': {resp.value!r} is not one of {ids}")
    elif isinstance(resp, OrdinalResponse):
        values = [p.value for p in q.scale]
        if resp.value not in values:
            raise ResponseFormatError(
                f"question {q.id!r}: field 'value': {resp.value} is not on the scale {values}"
            )
    elif isinstance(resp, FindingsResponse):
        ids = {f.id for f in q.findings}
        for field in ("present", "absent"):
            unknown = [f for f in getattr(resp, field) if f not in ids]
            if unknown:
                raise ResponseFormatError(f"question {q.id!r}: field {field!r}: unknown findings {unknown}")
    elif isinstance(resp, DecisionResponse):
        if resp.choice >= len(q.options):
            raise ResponseFormatError(
                f"question {q.id!r}: field 'choice': {resp.choice} is out of range (0..{len(q.options) - 1})"
            )
    elif isinstance(resp, MarksResponse | MeasurementResponse):
        for i, mark in enumerate(resp.marks):
            if any(not (math.isfinite(x) and math.isfinite(y)) for x, y in mark.points):
                raise ResponseFormatError(
                    f"question {q.id!r}: field 'marks.{i}.points': coordinates must be finite"
                )
            if isinstance(resp, MarksResponse) and q.mark_types and mark.type not in q.mark_types:
                raise ResponseFormatError(
                    f"question {q.id!r}: field 'marks.{i}.type': {mark.type!r} is not one of {q.mark_types}"
                )
        if isinstance(resp, MeasurementResponse) and resp.value is not None:
            convert_value(resp.value, resp.unit or q.unit, q.unit, q.id)


def convert_value(value: float, unit: str | None, target: str | None, qid: str = "?") -> float:
    """``value`` in ``unit`` expressed in ``target`` (cm<->mm, cm2<->mm2); else an error."""
    if unit == target or unit is None or target is None:
        return value
    factors = {
        ("mm", "cm"): 1 / MM_PER_CM,
        ("cm", "mm"): MM_PER_CM,
        ("mm2", "cm2"): 0.01,
        ("cm2", "mm2"): 100.0,
    }
    if (unit, target) not in factors:
        raise ResponseFormatError(
            f"question {qid!r}: field 'unit': {unit!r} cannot be converted to {target!r}"
        )
    return value * factors[(unit, target)]


def responses_from_key(key_answers: dict, qset: QuestionSet) -> dict[str, Response]:
    """The expert's answers as trainee responses (decision mapped to its shown index): for
    'show me the answer', for checking a key against its questions, and for tests.
    ``key_answers`` is ``questions.effective_key(case, key, qset.questions)``; an implied
    negative becomes the "none" answer (no marks, count 0, no frames, not applicable)."""
    out: dict[str, Response] = {}
    for q in qset.questions:
        a = key_answers.get(q.id)
        if a is None:
            continue
        if isinstance(a, ImpliedAbsent):
            out[q.id] = none_response(a.kind) if a.kind != "count" else CountResponse(value=0)  # type: ignore[assignment]
        elif a.kind == "findings":
            out[q.id] = FindingsResponse(present=list(a.present), absent=list(a.absent))
        elif a.kind == "frame_ranges":
            out[q.id] = FrameRangesResponse(ranges=list(a.ranges))
        elif a.kind == "marks":
            out[q.id] = MarksResponse(marks=list(a.marks))
        elif a.kind == "measurement":
            out[q.id] = MeasurementResponse(value=a.value, unit=a.unit, marks=list(a.marks))
        elif a.kind == "decision":
            order = qset.option_order.get(q.id, list(range(len(q.options))))
            out[q.id] = DecisionResponse(choice=order.index(a.correct))
        elif a.kind == "category":
            out[q.id] = CategoryResponse(value=a.value)
        elif a.kind == "ordinal":
            out[q.id] = OrdinalResponse(value=a.value)
        elif a.kind == "count":
            out[q.id] = CountResponse(value=a.value)
    return out
