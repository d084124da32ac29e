"""Which answer editor edits which question kind (kept apart so the decision editor, built on the
answer editors, and the factory form no import circle)."""

from __future__ import annotations

from PyQt6.QtWidgets import QWidget

from imgtrainer.gui.faculty.answer_editors import (
    AnswerEditor,
    ChoiceEditor,
    CountEditor,
    FindingsEditor,
    MarksEditor,
    MeasurementEditor,
    RangesEditor,
)
from imgtrainer.gui.faculty.decision_editor import DecisionEditor
from imgtrainer.library.taxonomy import Question
from imgtrainer.screens.faculty.annotation import AnnotationState


def make_editor(state: AnnotationState, q: Question, parent: QWidget) -> AnswerEditor:
    cls = {
        "category": ChoiceEditor,
        "ordinal": ChoiceEditor,
        "findings": FindingsEditor,
        "count": CountEditor,
        "frame_ranges": RangesEditor,
        "marks": MarksEditor,
        "measurement": MeasurementEditor,
        "decision": DecisionEditor,
    }[q.kind]
    return cls(state, q, parent)
