"""Practice session state for one case, with no Qt: answers as given, focus, timing, result.

Answers are kept in the answers.json form (``imgtrainer.training.responses``) and validated on
entry, so what is saved is exactly what the trainee gave. The viewer's marks, frame range and
calipers reach the answers through ``take_marks``/``take_range``/``take_measurement``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from imgtrainer.errors import ResponseFormatError
from imgtrainer.screens.signal import Signal
from imgtrainer.screens.viewer.state import Mark, ViewerState
from imgtrainer.training.questions import NONE_KINDS, QuestionSet, QuestionView
from imgtrainer.training.responses import Response, parse_response

CHOICE_KINDS = ("category", "ordinal", "decision")
GATE_QUESTION = "application"
"""The first I-AIM question: every question after it (views, findings, decision stem) names the
application, so with the gate on they stay hidden until it is answered, and it is then locked."""
GATED_MESSAGE = "Answer question 1 (the application) first: the questions that follow depend on it."
LOCKED_MESSAGE = "Your application answer is locked in: the questions that follow would give it away."
GATE_HINT = (
    "Choose the application first (keys 1–5). The other questions then appear; they would give "
    "this answer away, so it is locked in once given."
)


def option_values(q: QuestionView) -> list[Any]:
    """What choosing option n (0-based) answers, for choice questions."""
    if q.kind == "ordinal":
        return [p.value for p in q.scale]
    if q.kind == "decision":
        return list(range(len(q.options)))
    return [o.id for o in q.options]


def _as_allowed(
    kind: str, points: list[list[float]], allowed: list[str]
) -> tuple[str | None, list[list[float]]]:
    """A viewer mark as a mark type the question accepts (a drawn polygon may answer a polyline
    or, by its bounding box, an ellipse); None when it cannot."""
    if not allowed or kind in allowed:
        return kind, points
    if kind in ("polygon", "line") and "polyline" in allowed:
        return "polyline", points
    if kind == "polygon" and "ellipse" in allowed:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        return "ellipse", [[min(xs), min(ys)], [max(xs), max(ys)]]
    return None, points


def response_to_raw(resp: Response) -> Any:
    """A stored Response back in the answers.json form the widgets show."""
    data = resp.model_dump(mode="json", exclude={"time_s", "kind"})
    if resp.kind in ("category", "ordinal", "count"):
        return data["value"]
    if resp.kind == "decision":
        return data["choice"]
    if resp.kind == "findings":
        return list(data["present"])
    if resp.kind == "frame_ranges":
        return [list(r) for r in data["ranges"]]
    if resp.kind == "marks":
        return data["marks"]
    if data.get("not_applicable"):
        return {"not_applicable": True}
    return {k: v for k, v in data.items() if k != "not_applicable" and v is not None and v != []}


class PracticeState:
    """One case's questions and the trainee's answers; ``changed`` emits a topic string."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, gate_application: bool = False) -> None:
        self.changed = Signal()
        self.clock = clock
        self.gate_application = gate_application  # practice: True; exams keep every question open
        self.qset: QuestionSet | None = None
        self.answers: dict[str, Any] = {}
        self.time_s: dict[str, float] = {}
        self.focus = 0
        self.submitted = False
        self.result: Any = None
        self.error = ""
        self.last_answered: str | None = None
        self._focus_since = clock()

    # loading and focus ----------------------------------------------------------------------------
    def load(self, qset: QuestionSet, restored: dict[str, Response] | None = None) -> None:
        """Start answering ``qset``; ``restored`` answers (from an interrupted attempt) are kept."""
        self.qset = qset
        self.answers, self.time_s = {}, {q.id: 0.0 for q in qset.questions}
        known = {q.id for q in qset.questions}
        for qid, resp in (restored or {}).items():
            if qid in known:
                self.answers[qid] = response_to_raw(resp)
        self.focus, self.submitted, self.result, self.error = 0, False, None, ""
        self._focus_since = self.clock()
        self.changed.emit("case")

    def unload(self) -> None:
        """No case (free study)."""
        self.qset, self.answers, self.time_s = None, {}, {}
        self.focus, self.submitted, self.result, self.error = 0, False, None, ""
        self.changed.emit("case")

    @property
    def gated(self) -> bool:
        """True while only the application question may be seen and answered."""
        return (
            self.gate_application
            and not self.submitted
            and GATE_QUESTION in self._ids()
            and not self.answers  # restored answers to later questions: nothing left to hide
        )

    def locked(self, qid: str) -> bool:
        """Whether the answer to ``qid`` can no longer change before submission."""
        return self.gate_application and qid == GATE_QUESTION and qid in self.answers

    def visible(self, qid: str) -> bool:
        return not self.gated or qid == GATE_QUESTION

    def _ids(self) -> list[str]:
        return [q.id for q in self.questions]

    @property
    def questions(self) -> list[QuestionView]:
        return self.qset.questions if self.qset is not None else []

    @property
    def current(self) -> QuestionView | None:
        qs = self.questions
        return qs[self.focus] if 0 <= self.focus < len(qs) else None

    def _bank_time(self) -> None:
        now = self.clock()
        q = self.current
        if q is not None and not self.submitted:
            self.time_s[q.id] = self.time_s.get(q.id, 0.0) + max(0.0, now - self._focus_since)
        self._focus_since = now

    def set_focus(self, index: int) -> None:
        if not self.questions:
            return
        index = max(0, min(int(index), len(self.questions) - 1))
        if self.gated:
            index = self._ids().index(GATE_QUESTION)
        if index != self.focus:
            self._bank_time()
            self.focus = index
            self.changed.emit("focus")

    def focus_id(self, qid: str) -> None:
        for i, q in enumerate(self.questions):
            if q.id == qid:
                self.set_focus(i)

    # answers --------------------------------------------------------------------------------------
    def set_answer(self, qid: str, raw: Any) -> bool:
        """Record an answer (answers.json form); an invalid one is refused with ``error`` set."""
        if self.submitted or self.qset is None:
            return False
        q = self.qset.question(qid)
        if not self.visible(qid) or self.locked(qid):
            self.error = LOCKED_MESSAGE if self.locked(qid) else GATED_MESSAGE
            self.changed.emit("error")
            return False
        if raw is None:  # cleared; an empty list is an answer ("none present", "no marks")
            self.answers.pop(qid, None)
            self.last_answered = qid  # the controller forgets the saved answer too
            self.changed.emit("answer")
            return True
        try:
            parse_response(q, raw)
        except ResponseFormatError as exc:
            self.error = str(exc)
            self.changed.emit("error")
            return False
        self.error = ""
        self.answers[qid] = raw
        self.last_answered = qid
        self.changed.emit("answer")
        return True

    def answer_digit(self, digit: int) -> None:
        """Keyboard answer for the focused question: choose option ``digit`` (1-based), toggle
        finding ``digit``, or set a count to ``digit``."""
        q = self.current
        if q is None or self.submitted:
            return
        n = digit - 1
        if q.kind in CHOICE_KINDS:
            values = option_values(q)
            if 0 <= n < len(values) and self.set_answer(q.id, values[n]):
                self.set_focus(self.focus + 1)  # single choice: move on, keyboard first
        elif q.kind == "findings" and 0 <= n < len(q.findings):
            present = list(self.answers.get(q.id, []))
            fid = q.findings[n].id
            present.remove(fid) if fid in present else present.append(fid)
            self.set_answer(q.id, present)
        elif q.kind == "count":
            self.set_answer(q.id, digit)

    def take_marks(self, qid: str, viewer: ViewerState) -> None:
        """The viewer's marks tagged for ``qid`` become that question's answer."""
        allowed = self.qset.question(qid).mark_types if self.qset else []
        marks = []
        for m in viewer.marks:
            if m.tag != qid:
                continue
            kind, points = _as_allowed(m.kind, [list(p) for p in m.points], allowed)
            if kind is not None:
                marks.append({"type": kind, "points": points, "frame": m.frame})
        self.set_answer(qid, marks)

    def take_range(self, qid: str, viewer: ViewerState) -> None:
        """Add the viewer's selected frame range to ``qid``'s ranges."""
        if viewer.frame_range is None:
            self.error = "Select a frame range first: Shift+drag on the timeline, or [ and ]"
            self.changed.emit("error")
            return
        ranges = [list(r) for r in self.answers.get(qid, [])]
        if list(viewer.frame_range) not in ranges:
            ranges.append(list(viewer.frame_range))
        self.set_answer(qid, sorted(ranges))

    def take_measurement(self, qid: str, viewer: ViewerState) -> None:
        """The latest caliper of the right dimension becomes ``qid``'s measurement."""
        q = self.qset.question(qid) if self.qset else None
        if q is None:
            return
        want_area = (q.unit or "cm").endswith("2")
        fitting = [m for m in viewer.measurements if m.unit.endswith("²") == want_area]
        if not fitting:
            self.error = f"Measure with the {'ellipse or trace' if want_area else 'distance'} caliper first"
            self.changed.emit("error")
            return
        m = fitting[-1]
        if m.unit.startswith("px"):
            self.error = "This clip has no calibration: its measurement is in pixels, not cm"
            self.changed.emit("error")
            return
        unit = "cm2" if want_area else "cm"
        kind = {"distance": "line", "ellipse": "ellipse", "trace": "polygon"}[m.kind]
        mark = {"type": kind, "points": [list(p) for p in m.points], "frame": m.frame}
        self.set_answer(qid, {"value": round(m.value, 3), "unit": unit, "marks": [mark]})

    def responses(self) -> dict[str, Response]:
        """The answers as validated responses, each with the seconds spent on its question."""
        self._bank_time()
        out: dict[str, Response] = {}
        for q in self.questions:
            if q.id in self.answers:
                resp = parse_response(q, self.answers[q.id])
                out[q.id] = resp.model_copy(update={"time_s": round(self.time_s.get(q.id, 0.0), 2)})
        return out

    @property
    def unanswered(self) -> list[str]:
        """Questions still to answer. A blank marks, frame-ranges or measurement question is not
        listed: left blank it counts as "none" (nothing to mark or measure; ``NONE_KINDS``)."""
        return [q.id for q in self.questions if q.id not in self.answers and q.kind not in NONE_KINDS]

    def set_none(self, qid: str, viewer: ViewerState | None = None) -> bool:
        """Answer "none" to a marks, frame-ranges or measurement question: no marks (the
        question's marks are removed from the viewer), no frames, or not applicable."""
        q = self.qset.question(qid) if self.qset is not None else None
        if q is None or q.kind not in NONE_KINDS:
            return False
        if q.kind == "marks" and viewer is not None and self.visible(qid) and not self.submitted:
            viewer.remove_marks(qid)
        raw: Any = {"not_applicable": True} if q.kind == "measurement" else []
        return self.set_answer(qid, raw)

    def is_none(self, qid: str) -> bool:
        """Whether ``qid`` is answered with an explicit "none"."""
        raw = self.answers.get(qid, "unanswered")
        return raw == [] or (isinstance(raw, dict) and raw.get("not_applicable") is True)

    # submission -------------------------------------------------------------------------------------
    def submit(self, scorer: Callable[[dict[str, Response]], Any]) -> Any:
        """Score the answers with ``scorer`` (the practice engine) and freeze them."""
        if self.submitted or self.qset is None:
            return self.result
        responses = self.responses()
        self.result = scorer(responses)
        self.submitted = True
        self.changed.emit("submitted")
        return self.result


STEP_TITLES = {
    "indication": "I · Indication",
    "acquisition": "A · Acquisition",
    "interpretation": "I · Interpretation",
    "decision": "M · Medical decision-making",
}
_VIEW_KIND = {
    "point": "point",
    "line": "line",
    "polygon": "polygon",
    "polyline": "polygon",
    "ellipse": "polygon",
}


def core_mark_to_view(mark: Any) -> Mark:
    """A key/response mark (library.models.Mark) as a viewer mark; an ellipse becomes its outline."""
    pts = [tuple(p) for p in mark.points]
    if mark.type == "ellipse" and len(pts) == 2:
        import math

        (x0, y0), (x1, y1) = pts
        cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, abs(x1 - x0) / 2, abs(y1 - y0) / 2
        pts = [
            (cx + rx * math.cos(t / 24 * 2 * math.pi), cy + ry * math.sin(t / 24 * 2 * math.pi))
            for t in range(24)
        ]
    return Mark(_VIEW_KIND.get(mark.type, "polygon"), tuple(pts), mark.frame or 0)
