"""Annotation session: one rater editing one case, with undo/redo and autosave.

Qt-free state object for the faculty workspace (DESIGN §2): the GUI calls these methods and
redraws on the ``on_change`` callbacks. Every edit is saved at once, atomically, to the rater's
own ``keys/<rater>.json`` (never another rater's file); case-level edits (teaching points,
difficulty, decision question) go to ``case.json`` after checking nobody else changed it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from imgtrainer.errors import CaseFormatError
from imgtrainer.library.case_io import CASE_FILE, key_path, load_case, load_key, save_case, save_key
from imgtrainer.library.models import AnswerKey, Case, Mark, MarksAnswer, utcnow

Listener = Callable[[str], None]


class AnnotationSession:
    """Edits of one rater on one case folder. ``history_limit`` bounds the undo stack."""

    def __init__(self, folder: Path, rater: str, autosave: bool = True, history_limit: int = 200) -> None:
        self.folder = Path(folder)
        self.rater = rater
        self.autosave = autosave
        self.case: Case = load_case(self.folder)
        existing = load_key(self.folder, rater)
        self.key: AnswerKey = existing or AnswerKey(case_id=self.case.id, rater=rater, role="rater")
        self._case_on_disk = self.case.model_dump()
        self._undo: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self._redo: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self._history_limit = history_limit
        self._listeners: list[Listener] = []
        self.dirty = False

    # ------------------------------------------------------------ observers
    def on_change(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _emit(self, what: str) -> None:
        for listener in list(self._listeners):
            listener(what)

    # ------------------------------------------------------------- history
    def _snapshot(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return (self.case.model_dump(mode="json"), self.key.model_dump(mode="json"))

    def _restore(self, snap: tuple[dict[str, Any], dict[str, Any]]) -> None:
        self.case = Case.model_validate(snap[0])
        self.key = AnswerKey.model_validate(snap[1])

    def _edit(self, what: str, apply: Callable[[], None]) -> None:
        before = self._snapshot()
        apply()
        self._undo.append(before)
        del self._undo[: -self._history_limit]
        self._redo.clear()
        self._changed(what)

    def _changed(self, what: str) -> None:
        self.dirty = True
        if self.autosave:
            self.save()
        self._emit(what)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> bool:
        if not self._undo:
            return False
        self._redo.append(self._snapshot())
        self._restore(self._undo.pop())
        self._changed("undo")
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        self._undo.append(self._snapshot())
        self._restore(self._redo.pop())
        self._changed("redo")
        return True

    # --------------------------------------------------------------- edits
    def set_answer(self, question_id: str, answer: Any) -> None:
        """Set (or with ``None`` remove) this rater's answer to a question."""

        def apply() -> None:
            answers = dict(self.key.answers)
            if answer is None:
                answers.pop(question_id, None)
            else:
                data = answer if isinstance(answer, dict) else answer.model_dump(mode="json")
                data = {**data, "author": self.rater, "at": utcnow().isoformat()}
                answers[question_id] = data
            self.key = AnswerKey.model_validate(
                {
                    **self.key.model_dump(mode="json"),
                    "answers": {
                        k: (v if isinstance(v, dict) else v.model_dump(mode="json"))
                        for k, v in answers.items()
                    },
                    "updated_at": utcnow().isoformat(),
                }
            )

        self._edit(f"answer:{question_id}", apply)

    def _marks(self, question_id: str) -> MarksAnswer:
        ans = self.key.answers.get(question_id)
        if ans is None:
            return MarksAnswer(marks=[])
        if not isinstance(ans, MarksAnswer):
            raise CaseFormatError(f"question {question_id}: holds a {ans.kind} answer, not marks")
        return ans

    def add_mark(self, question_id: str, mark: Mark) -> None:
        current = self._marks(question_id)
        self.set_answer(question_id, current.model_copy(update={"marks": [*current.marks, mark]}))

    def remove_mark(self, question_id: str, index: int) -> None:
        current = self._marks(question_id)
        marks = [m for i, m in enumerate(current.marks) if i != index]
        self.set_answer(question_id, current.model_copy(update={"marks": marks}))

    def move_point(
        self, question_id: str, mark_index: int, point_index: int, xy: tuple[float, float]
    ) -> None:
        current = self._marks(question_id)
        mark = current.marks[mark_index]
        points = list(mark.points)
        points[point_index] = (float(xy[0]), float(xy[1]))
        marks = list(current.marks)
        marks[mark_index] = mark.model_copy(update={"points": points})
        self.set_answer(question_id, current.model_copy(update={"marks": marks}))

    def copy_mark_to_frames(self, question_id: str, mark_index: int, frames: list[int]) -> None:
        """Copy a mark to neighbouring frames (skipping frames that already hold an equal mark)."""
        current = self._marks(question_id)
        src = current.marks[mark_index]
        marks = list(current.marks)
        for f in frames:
            copy = src.model_copy(update={"frame": f})
            if copy not in marks:
                marks.append(copy)
        self.set_answer(question_id, current.model_copy(update={"marks": marks}))

    def update_case(self, **fields: Any) -> None:
        """Edit case-level fields: teaching_points, difficulty, decision, tags, title, indication,
        domain (the application, e.g. to correct one inferred on import)."""
        allowed = {
            "teaching_points",
            "difficulty",
            "decision",
            "tags",
            "title",
            "indication",
            "patient",
            "probe",
        }
        allowed.add("domain")  # the application, when import inferred it wrongly
        bad = set(fields) - allowed
        if bad:
            raise CaseFormatError(f"cannot edit case fields {sorted(bad)} here")

        def apply() -> None:
            self.case = Case.model_validate({**self.case.model_dump(mode="json"), **fields})

        self._edit("case", apply)

    # ---------------------------------------------------------------- save
    def save(self) -> Path:
        """Write the rater key, and case.json when this session edited it, atomically.

        Refuses to overwrite a case.json that someone else changed since it was opened.
        """
        path = save_key(self.folder, self.key)
        mine = self.case.model_dump()
        if mine != self._case_on_disk:
            if load_case(self.folder).model_dump() != self._case_on_disk:
                raise CaseFormatError(
                    f"{self.folder / CASE_FILE}: changed by someone else since it was opened; reopen the case"
                )
            save_case(self.folder, self.case)
            self._case_on_disk = mine
        self.dirty = False
        return path

    @property
    def key_file(self) -> Path:
        return key_path(self.folder, self.rater)
