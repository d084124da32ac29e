"""The faculty annotation workspace state, Qt-free: which case, which question, which mark.

It binds the cine ``ViewerState`` (the drawing tools) to an ``AnnotationSession`` (the rater's
key, undo/redo, autosave): a mark or caliper drawn in the viewer is taken out of the viewer and
stored in the session under the selected question; the view then draws the key's marks.
``changed`` is emitted with "case", "key", "question", "selection" or "problem".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imgtrainer.annotate.session import AnnotationSession
from imgtrainer.errors import ImgTrainerError
from imgtrainer.library.case_io import is_case_folder
from imgtrainer.library.models import (
    CategoryAnswer,
    CountAnswer,
    DecisionAnswer,
    DecisionQuestion,
    FindingsAnswer,
    FrameRangesAnswer,
    Mark,
    MarksAnswer,
    MeasurementAnswer,
    OrdinalAnswer,
)
from imgtrainer.library.taxonomy import Question, Taxonomy
from imgtrainer.screens.signal import Signal
from imgtrainer.screens.viewer.state import ViewerState
from imgtrainer.training.scoring import merge_ranges

_UNITS = {"cm": "cm", "cm²": "cm2"}
_CALIPER_MARK = {"distance": "line", "ellipse": "ellipse", "trace": "polygon"}


@dataclass(frozen=True)
class MarkRef:
    """One keyed mark: question, index in that answer's list, and the mark itself."""

    question_id: str
    index: int
    mark: Mark
    measurement: bool = False


def case_folders(library: Path) -> list[Path]:
    """Case folders directly under ``library``, sorted by name."""
    return sorted(p for p in Path(library).iterdir() if p.is_dir() and is_case_folder(p))


class AnnotationState:
    """One rater annotating the cases of a folder, one case at a time."""

    def __init__(
        self, viewer: ViewerState, rater: str, load_taxonomy: Callable[[str], Taxonomy] | None = None
    ):
        from imgtrainer.library.taxonomy_io import load_taxonomy as _load

        self.changed = Signal()
        self.viewer = viewer
        self.rater = rater
        self._load_taxonomy = load_taxonomy or _load
        self.folders: list[Path] = []
        self.position = -1
        self.session: AnnotationSession | None = None
        self.taxonomy: Taxonomy | None = None
        self.questions: list[Question] = []
        self.current: str | None = None
        self.selected: int | None = None  # index of the selected mark in the current question
        self.copy_span = 2  # frames either side for "copy to neighbouring frames"
        self.problem = ""
        viewer.changed.connect(self._on_viewer)

    # cases -------------------------------------------------------------------------------------
    def set_folders(self, folders: list[Path]) -> None:
        self.folders = list(folders)
        self.changed.emit("folders")

    def open(self, folder: Path) -> None:
        """Start (or resume) this rater's key for the case in ``folder``."""
        session = AnnotationSession(Path(folder), self.rater)
        self.session = session
        session.on_change(self._on_session)
        folder = Path(folder)
        self.position = next((i for i, f in enumerate(self.folders) if f == folder), -1)
        self._reload_questions()
        self.selected = None
        self.problem = ""
        self.changed.emit("case")

    def set_rater(self, rater: str) -> None:
        """Another faculty member rates from now on: the open case is reopened with their key
        (the previous rater's edits are already saved: the session saves after every edit)."""
        if rater == self.rater:
            return
        if self.session is not None and self.session.dirty:
            self.session.save()
        self.rater = rater
        folder = self.session.folder if self.session is not None else None
        self.session = None
        if folder is not None:
            self.open(folder)
        else:
            self.changed.emit("case")

    def _reload_questions(self) -> None:
        assert self.session is not None
        case = self.session.case
        self.taxonomy = self._load_taxonomy(case.domain)
        self.questions = self.taxonomy.questions_in(case.question_set)
        ids = [q.id for q in self.questions]
        if self.current not in ids:
            self.current = next(
                (q.id for q in self.questions if q.id != "application"), ids[0] if ids else None
            )

    def next_folder(self) -> Path | None:
        """The case after the current one in the folder list (None at the end)."""
        nxt = self.position + 1
        return self.folders[nxt] if 0 <= nxt < len(self.folders) else None

    @property
    def key_file(self) -> Path | None:
        return self.session.key_file if self.session else None

    # questions ---------------------------------------------------------------------------------
    def question(self, qid: str | None = None) -> Question | None:
        qid = qid or self.current
        return next((q for q in self.questions if q.id == qid), None)

    def select_question(self, qid: str) -> None:
        if self.question(qid) is None:
            return
        self.current = qid
        self.selected = None
        q = self.question()
        if q is not None and q.kind == "marks" and q.mark_types:
            tool = {"line": "line", "point": "point", "polygon": "polygon", "polyline": "polygon"}
            self.viewer.set_tool(tool.get(q.mark_types[0], "line"))
        elif q is not None and q.kind == "measurement":
            self.viewer.set_tool("ellipse" if q.unit == "cm2" else "distance")
        self.changed.emit("question")

    def step_question(self, delta: int) -> None:
        ids = [q.id for q in self.questions if q.id != "application"]
        if not ids:
            return
        i = ids.index(self.current) if self.current in ids else -1
        self.select_question(ids[max(0, min(len(ids) - 1, i + delta))])

    def answer(self, qid: str | None = None) -> Any:
        if self.session is None:
            return None
        return self.session.key.answers.get(qid or self.current or "")

    def keyed(self, qid: str) -> bool:
        if qid == "application":
            return True  # auto-keyed from the case's application
        return self.session is not None and qid in self.session.key.answers

    # edits (each one undoable and autosaved by the session) ------------------------------------
    def _do(self, fn: Callable[[], None]) -> bool:
        if self.session is None:
            self._problem("Open a case first")
            return False
        try:
            fn()
        except (ImgTrainerError, ValueError, KeyError, IndexError) as exc:
            self._problem(str(exc))
            return False
        if self.problem:
            self.problem = ""
            self.changed.emit("problem")
        return True

    def _problem(self, text: str) -> None:
        self.problem = text
        self.changed.emit("problem")

    def set_answer(self, qid: str, answer: Any) -> bool:
        return self._do(lambda: self.session.set_answer(qid, answer))  # type: ignore[union-attr]

    def set_category(self, qid: str, value: str | None) -> bool:
        return self.set_answer(qid, None if value is None else CategoryAnswer(value=value))

    def set_ordinal(self, qid: str, value: int | None) -> bool:
        return self.set_answer(qid, None if value is None else OrdinalAnswer(value=int(value)))

    def set_finding(self, qid: str, finding: str, state: str | None) -> bool:
        """``state``: "present", "absent" or None (not assessed in this case)."""
        cur = self.answer(qid)
        present = [f for f in (cur.present if cur else []) if f != finding]
        absent = [f for f in (cur.absent if cur else []) if f != finding]
        if state == "present":
            present.append(finding)
        elif state == "absent":
            absent.append(finding)
        ans = FindingsAnswer(present=present, absent=absent) if present or absent else None
        return self.set_answer(qid, ans)

    def set_rest_absent(self, qid: str, findings: list[str]) -> bool:
        """Every finding of ``findings`` not yet present or absent becomes absent (one undo step):
        what a trainee's unticked finding means, made explicit in the key."""
        cur = self.answer(qid)
        present = list(cur.present) if cur else []
        absent = list(cur.absent) if cur else []
        absent += [f for f in findings if f not in present and f not in absent]
        return self.set_answer(
            qid, FindingsAnswer(present=present, absent=absent) if present or absent else None
        )

    def set_count(self, qid: str, value: int | None, tolerance: int = 0) -> bool:
        ans = None if value is None else CountAnswer(value=int(value), tolerance=int(tolerance))
        return self.set_answer(qid, ans)

    def set_decision(self, stem: str, options: list[str], correct: int | None, explanation: str) -> bool:
        """The case's decision question (stem, options) and this rater's correct option."""
        if self.session is None:
            return self._do(lambda: None)
        options = [o.strip() for o in options if o.strip()]
        ok = True
        if stem.strip() and len(options) >= 2:
            dq = DecisionQuestion(stem=stem.strip(), options=options)
            if self.session.case.decision != dq:
                ok = self._do(lambda: self.session.update_case(decision=dq.model_dump()))  # type: ignore[union-attr]
        elif stem.strip() or options:
            self._problem("The decision question needs a stem and at least two distinct options")
            return False
        if ok and correct is not None:
            if not 0 <= correct < len(options):
                self._problem(f"correct option {correct + 1} does not exist")
                return False
            ans = DecisionAnswer(correct=correct, explanation=explanation.strip())
            cur = self.answer("decision")
            if cur is None or cur.correct != ans.correct or cur.explanation != ans.explanation:
                ok = self.set_answer("decision", ans)
        return ok

    def update_case(self, **fields: Any) -> bool:
        """Case-level fields: teaching_points, difficulty, title, indication, domain."""
        assert_session = self.session
        if assert_session is None:
            return self._do(lambda: None)
        current = assert_session.case.model_dump(mode="json")
        fields = {k: v for k, v in fields.items() if current.get(k) != v}
        if not fields:
            return True
        ok = self._do(lambda: assert_session.update_case(**fields))
        if ok and "domain" in fields:
            self._reload_questions()
            self.changed.emit("case")
        return ok

    # frame ranges ------------------------------------------------------------------------------
    def add_range(self) -> bool:
        """Add the timeline's selected range (or the current frame) to the frame-range question."""
        q = self.question()
        if q is None or q.kind != "frame_ranges":
            self._problem("Select a frame-range question first (the timeline range is added to it)")
            return False
        rng = self.viewer.frame_range or (self.viewer.index, self.viewer.index)
        cur = self.answer()
        ranges = sorted({*(tuple(r) for r in (cur.ranges if cur else [])), tuple(rng)})
        if not self.set_answer(q.id, FrameRangesAnswer(ranges=merge_ranges(ranges))):
            return False
        self.viewer.set_frame_range(None, None)  # added: clear the selection for the next one
        return True

    def remove_range(self, index: int) -> bool:
        cur = self.answer()
        if not isinstance(cur, FrameRangesAnswer):
            return False
        ranges = [r for i, r in enumerate(cur.ranges) if i != index]
        return self.set_answer(self.current or "", FrameRangesAnswer(ranges=ranges) if ranges else None)

    # marks -------------------------------------------------------------------------------------
    def _on_viewer(self, topic: str) -> None:
        if topic == "marks" and self.viewer.marks:
            drawn, self.viewer.marks = list(self.viewer.marks), []
            for m in drawn:
                self._take_mark(m.kind, m.points, m.frame)
        elif topic == "measurements" and self.viewer.measurements:
            q = self.question()
            if q is not None and q.kind == "measurement":
                self._take_measurement(q, self.viewer.measurements.pop())
            elif q is not None and q.kind == "marks" and self.viewer.measurements[-1].kind in q.mark_types:
                m = self.viewer.measurements.pop()  # e.g. an ellipse outline of the antrum
                self._take_mark(m.kind, m.points, m.frame)

    def _take_mark(self, kind: str, points: tuple, frame: int) -> None:
        q = self.question()
        if q is None or q.kind != "marks":
            self._problem("Select a marks question (e.g. the pleural line or B-lines) before drawing")
            return
        if kind == "polygon" and "polygon" not in q.mark_types and "polyline" in q.mark_types:
            kind = "polyline"
        if kind not in q.mark_types:
            self._problem(f"{q.id} takes {', '.join(q.mark_types)} marks, not a {kind}")
            return
        mark = Mark(type=kind, points=[(round(x, 1), round(y, 1)) for x, y in points], frame=frame)
        if self._do(lambda: self.session.add_mark(q.id, mark)):  # type: ignore[union-attr]
            self.selected = len(self.answer(q.id).marks) - 1
            self.changed.emit("selection")

    def set_measurement_value(self, qid: str, value: float | None) -> bool:
        """A typed measurement (units no caliper gives: %, ml, ml/kg, s ...)."""
        q = self.question(qid)
        if value is None or q is None or q.unit is None:
            return self.set_answer(qid, None)
        cur = self.answer(qid)
        tol = cur.tolerance_rel if isinstance(cur, MeasurementAnswer) else 0.15
        return self.set_answer(qid, MeasurementAnswer(value=float(value), unit=q.unit, tolerance_rel=tol))

    def _take_measurement(self, q: Question, m: Any) -> None:
        unit = _UNITS.get(m.unit)
        if unit is None:
            self._problem("This clip has no cm calibration: a measurement cannot be keyed in pixels")
            return
        if q.unit is not None and unit != q.unit:
            self._problem(f"{q.id} is measured in {q.unit}; that caliper gave {unit}")
            return
        cur = self.answer(q.id)
        tol = cur.tolerance_rel if isinstance(cur, MeasurementAnswer) else 0.15
        mark = Mark(type=_CALIPER_MARK[m.kind], points=[tuple(p) for p in m.points], frame=m.frame)
        ans = MeasurementAnswer(value=round(m.value, 3), unit=unit, tolerance_rel=tol, marks=[mark])
        self.set_answer(q.id, ans)

    def frame_marks(self, frame: int | None = None) -> list[MarkRef]:
        """Every keyed mark (marks questions and measurement calipers) shown on ``frame``."""
        if self.session is None:
            return []
        frame = self.viewer.index if frame is None else frame
        out = []
        for qid, ans in self.session.key.answers.items():
            marks = getattr(ans, "marks", None) or []
            for i, m in enumerate(marks):
                if m.frame is None or m.frame == frame:
                    out.append(MarkRef(qid, i, m, isinstance(ans, MeasurementAnswer)))
        return out

    def marked_frames(self) -> set[int]:
        """Frames holding at least one keyed mark (drawn on the timeline strip)."""
        if self.session is None:
            return set()
        return {
            m.frame
            for ans in self.session.key.answers.values()
            for m in (getattr(ans, "marks", None) or [])
            if m.frame is not None
        }

    def keyed_ranges(self) -> list[tuple[int, int]]:
        if self.session is None:
            return []
        return [
            tuple(r)
            for ans in self.session.key.answers.values()
            if isinstance(ans, FrameRangesAnswer)
            for r in ans.ranges
        ]

    def pick_handle(self, xy: tuple[float, float], radius: float) -> tuple[int, int] | None:
        """(mark index, point index) of the current question's handle nearest ``xy`` within
        ``radius`` image pixels on the current frame."""
        best, where = radius, None
        for ref in self.frame_marks():
            if ref.question_id != self.current or ref.measurement:
                continue
            for j, (px, py) in enumerate(ref.mark.points):
                d = math.hypot(px - xy[0], py - xy[1])
                if d <= best:
                    best, where = d, (ref.index, j)
        return where

    def select_mark(self, index: int | None) -> None:
        self.selected = index
        self.changed.emit("selection")

    def move_point(self, mark_index: int, point_index: int, xy: tuple[float, float]) -> bool:
        qid = self.current or ""
        return self._do(
            lambda: self.session.move_point(qid, mark_index, point_index, (round(xy[0], 1), round(xy[1], 1)))
        )  # type: ignore[union-attr]

    def delete_selected(self) -> bool:
        if self.selected is None or not isinstance(self.answer(), MarksAnswer):
            self._problem("Select a mark first (click one of its handles)")
            return False
        idx, self.selected = self.selected, None
        return self._do(lambda: self.session.remove_mark(self.current or "", idx))  # type: ignore[union-attr]

    def copy_selected(self) -> bool:
        """Copy the selected mark to ``copy_span`` frames either side of its frame."""
        ans = self.answer()
        if self.selected is None or not isinstance(ans, MarksAnswer) or self.selected >= len(ans.marks):
            self._problem("Select a mark first (click one of its handles)")
            return False
        src = ans.marks[self.selected].frame
        src = self.viewer.index if src is None else src
        n = self.viewer.n_frames
        frames = [f for f in range(src - self.copy_span, src + self.copy_span + 1) if f != src and 0 <= f < n]
        idx = self.selected
        return self._do(lambda: self.session.copy_mark_to_frames(self.current or "", idx, frames))  # type: ignore[union-attr]

    # history -----------------------------------------------------------------------------------
    def undo(self) -> bool:
        return bool(self.session and self.session.undo())

    def redo(self) -> bool:
        return bool(self.session and self.session.redo())

    def _on_session(self, what: str) -> None:
        if what in ("undo", "redo"):
            ans = self.answer()
            if self.selected is not None and not (
                isinstance(ans, MarksAnswer) and self.selected < len(ans.marks)
            ):
                self.selected = None
            if (
                self.session is not None
                and self.taxonomy is not None
                and self.taxonomy.domain != self.session.case.domain
            ):
                self._reload_questions()
                self.changed.emit("case")
        self.changed.emit("key")
