"""The decision question editor: stem, options (the right answer and its distractors), the
correct option (this rater's key) and the explanation shown in feedback."""

from __future__ import annotations

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QFormLayout, QPlainTextEdit, QWidget

from imgtrainer.gui.faculty.answer_editors import NOT_KEYED, AnswerEditor, narrow_combo
from imgtrainer.library.taxonomy import Question
from imgtrainer.screens.faculty.annotation import AnnotationState


class DecisionEditor(AnswerEditor):
    """The case's decision question: stem, options (distractors), correct option, explanation."""

    def __init__(self, state: AnnotationState, q: Question, parent: QWidget | None = None) -> None:
        super().__init__(state, q, parent)
        self.stem = QPlainTextEdit(self)
        self.stem.setPlaceholderText("Question stem, e.g. 'What do you do next?'")
        self.stem.setMaximumHeight(64)
        self.options = QPlainTextEdit(self)
        self.options.setPlaceholderText("One option per line: the right answer and its distractors")
        self.options.setMaximumHeight(96)
        self.options.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)  # one option per line, visibly
        self.correct = narrow_combo(self)
        self.explanation = QPlainTextEdit(self)
        self.explanation.setPlaceholderText("Why: shown to the trainee after answering")
        self.explanation.setMaximumHeight(72)
        form = QFormLayout()
        form.addRow("Stem", self.stem)
        form.addRow("Options", self.options)
        form.addRow("Correct", self.correct)
        form.addRow("Explanation", self.explanation)
        self.layout_.addLayout(form)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(700)
        self._timer.timeout.connect(self.commit)
        self.stem.textChanged.connect(self._timer.start)
        self.options.textChanged.connect(self._options_typed)
        self.explanation.textChanged.connect(self._timer.start)
        self.correct.activated.connect(lambda _i: self.commit())
        self.load()

    def _option_list(self) -> list[str]:
        return [o.strip() for o in self.options.toPlainText().splitlines() if o.strip()]

    def _options_typed(self) -> None:
        keep = self.correct.currentIndex()
        self.correct.blockSignals(True)
        self.correct.clear()
        self.correct.addItem(NOT_KEYED)
        for i, o in enumerate(self._option_list()):
            self.correct.addItem(f"{i + 1}. {o}")
        self.correct.setCurrentIndex(min(max(keep, 0), self.correct.count() - 1))
        self.correct.blockSignals(False)
        self._timer.start()

    def commit(self) -> None:
        self._timer.stop()
        idx = self.correct.currentIndex()
        self.state.set_decision(
            self.stem.toPlainText(),
            self._option_list(),
            None if idx <= 0 else idx - 1,
            self.explanation.toPlainText(),
        )

    def load(self) -> None:
        case = self.state.session.case  # type: ignore[union-attr]
        ans = self.state.answer("decision")
        widgets = (self.stem, self.options, self.explanation, self.correct)
        for w in widgets:
            w.blockSignals(True)
        stem = case.decision.stem if case.decision else ""
        if self.stem.toPlainText() != stem:
            self.stem.setPlainText(stem)
        text = "\n".join(case.decision.options) if case.decision else ""
        if self.options.toPlainText() != text:
            self.options.setPlainText(text)
        expl = ans.explanation if ans else ""
        if self.explanation.toPlainText() != expl:
            self.explanation.setPlainText(expl)
        self.correct.clear()
        self.correct.addItem(NOT_KEYED)
        for i, o in enumerate(case.decision.options if case.decision else []):
            self.correct.addItem(f"{i + 1}. {o}")
        self.correct.setCurrentIndex(0 if ans is None else min(ans.correct + 1, self.correct.count() - 1))
        for w in widgets:
            w.blockSignals(False)
