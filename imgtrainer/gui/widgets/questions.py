"""One widget per question kind, generated from the question set. Each widget only reflects
``PracticeState.answers`` and forwards user input to ``PracticeState`` / ``ViewerState``.

Marks, frame-range and measurement questions have a "None seen" / "Not present" check box: a
question about a finding is asked whenever the key assesses that finding, present or absent
(``imgtrainer.training.questions``), so "none" is often the right answer and the trainee can give
it actively (left blank, such a question also counts as "none")."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.screens.practice import CHOICE_KINDS, PracticeState, option_values
from imgtrainer.screens.shortcuts import key_name, option_text
from imgtrainer.screens.viewer.state import ViewerState
from imgtrainer.training.questions import QuestionView

_MARK_TOOL = {
    "point": "point",
    "line": "line",
    "polygon": "polygon",
    "polyline": "polygon",
    "ellipse": "polygon",
}
UNIT_LABEL = {"cm2": "cm²", "mm2": "mm²"}


class QuestionWidget(QFrame):
    """Frame with the prompt, the answer controls (``body``) and a feedback line."""

    def __init__(
        self,
        q: QuestionView,
        number: int,
        practice: PracticeState,
        viewer: ViewerState,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.q, self.practice, self.viewer = q, practice, viewer
        self.setObjectName("card")
        self.setProperty("qid", q.id)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        prompt = QLabel(f"<b>{number}.</b> {q.prompt}", self)
        prompt.setWordWrap(True)
        layout.addWidget(prompt)
        if q.help:
            hint = QLabel(q.help, self)
            hint.setObjectName("hint")
            hint.setWordWrap(True)
            layout.addWidget(hint)
        self.body = QWidget(self)
        self.body.setObjectName("cardBody")
        layout.addWidget(self.body)
        self.feedback = QLabel("", self)
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.TextFormat.RichText)
        self.feedback.setVisible(False)
        layout.addWidget(self.feedback)
        self.build()
        practice.changed.connect(self._on_practice)
        self.refresh()

    def detach(self) -> None:
        """Stop listening to the states (the widget is about to be deleted)."""
        self.practice.changed.disconnect(self._on_practice)

    def build(self) -> None:  # subclasses add controls to self.body
        raise NotImplementedError

    def refresh(self) -> None:  # subclasses show practice.answers.get(q.id)
        raise NotImplementedError

    def activate(self) -> None:
        """Called when this question gets the focus (e.g. choose the viewer tool it needs)."""
        self.viewer.set_mark_tag(None)

    def mousePressEvent(self, ev) -> None:
        self.practice.focus_id(self.q.id)
        super().mousePressEvent(ev)

    def _on_practice(self, topic: str) -> None:
        if topic in ("answer", "case"):
            self.refresh()
        if topic in ("focus", "case"):
            focused = self.practice.current is not None and self.practice.current.id == self.q.id
            self.setProperty("focused", focused)
            self.setStyleSheet("QFrame#card { border: 2px solid #56B4E9; }" if focused else "")
            if focused and not self.practice.submitted:
                self.activate()
        if topic == "submitted":
            self.body.setEnabled(False)

    def show_feedback(self, html: str) -> None:
        self.feedback.setText(html)
        self.feedback.setVisible(True)

    def answered(self) -> bool:
        return self.q.id in self.practice.answers


class _OptionLabel(QLabel):
    """Word-wrapped option text that selects its button when clicked."""

    def __init__(self, text: str, button: QAbstractButton, parent: QWidget) -> None:
        super().__init__(text, parent)
        self.button = button
        self.setObjectName("option")
        self.setWordWrap(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mousePressEvent(self, ev) -> None:
        if self.button.isEnabled():
            self.button.click()


def _option_row(
    grid: QGridLayout,
    row: int,
    col: int,
    button: QAbstractButton,
    number: int | None,
    text: str,
    parent: QWidget,
) -> None:
    """Button, dim key (1-9, then Alt+0 … Alt+9) and wrapping label on one grid row."""
    key = QLabel(key_name(number) if number is not None else "", parent)
    key.setObjectName("optionKey")
    key.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # "9" beside "Alt+0"
    grid.addWidget(button, row, col * 3)
    grid.addWidget(key, row, col * 3 + 1)
    if number is not None:
        text = option_text(text, number)
        button.setAccessibleName(text)
    grid.addWidget(_OptionLabel(text, button, parent), row, col * 3 + 2)
    grid.setColumnStretch(col * 3 + 2, 1)


def _none_box(widget: QuestionWidget, text: str, tip: str) -> QCheckBox:
    """The "none" check box of a marks, frame-range or measurement question."""
    box = QCheckBox(text, widget.body)
    box.setObjectName("noneBox")
    box.setAccessibleName(text)
    box.setToolTip(tip)

    def toggled(on: bool) -> None:
        widget.practice.focus_id(widget.q.id)
        if on:
            widget.practice.set_none(widget.q.id, widget.viewer)
        elif widget.practice.is_none(widget.q.id):
            widget.practice.set_answer(widget.q.id, None)
        _show_none(box, widget.practice.is_none(widget.q.id))  # a refused answer unticks it

    box.toggled.connect(toggled)
    return box


def _show_none(box: QCheckBox, on: bool) -> None:
    box.blockSignals(True)
    box.setChecked(on)
    box.blockSignals(False)


class ChoiceWidget(QuestionWidget):
    """Single choice (category, ordinal, decision): numbered radio buttons; digits pick them."""

    def build(self) -> None:
        grid = QGridLayout(self.body)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(3)
        self.group = QButtonGroup(self)
        labels = (
            [p.label for p in self.q.scale] if self.q.kind == "ordinal" else [o.label for o in self.q.options]
        )
        self.values = option_values(self.q)
        self.buttons: list[QRadioButton] = []
        for i, label in enumerate(labels):
            b = QRadioButton(self.body)
            b.setAccessibleName(label)
            self.group.addButton(b, i)
            _option_row(grid, i, 0, b, i + 1, label, self.body)
            self.buttons.append(b)
        self.group.idClicked.connect(self._clicked)

    def _clicked(self, i: int) -> None:
        self.practice.focus_id(self.q.id)
        self.practice.set_answer(self.q.id, self.values[i])

    def refresh(self) -> None:
        value = self.practice.answers.get(self.q.id)
        self.group.setExclusive(False)
        for b, v in zip(self.buttons, self.values, strict=True):
            b.setChecked(value is not None and v == value)
        self.group.setExclusive(True)


class FindingsWidget(QuestionWidget):
    """Multiple choice: a check box per finding (checked = present, unchecked = absent)."""

    def build(self) -> None:
        grid = QGridLayout(self.body)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(3)
        self.boxes: dict[str, QCheckBox] = {}
        for i, f in enumerate(self.q.findings):
            b = QCheckBox(self.body)
            b.setAccessibleName(f.label)
            if f.description:
                b.setToolTip(f.description)
            b.toggled.connect(self._toggled)
            _option_row(grid, i, 0, b, i + 1, f.label, self.body)
            self.boxes[f.id] = b

    def _toggled(self, _on: bool) -> None:
        self.practice.focus_id(self.q.id)
        present = [fid for fid, b in self.boxes.items() if b.isChecked()]
        self.practice.set_answer(self.q.id, present if present else [])

    def refresh(self) -> None:
        present = set(self.practice.answers.get(self.q.id, []))
        for fid, b in self.boxes.items():
            b.blockSignals(True)
            b.setChecked(fid in present)
            b.blockSignals(False)


class CountWidget(QuestionWidget):
    def build(self) -> None:
        row = QHBoxLayout(self.body)
        row.setContentsMargins(0, 0, 0, 0)
        self.spin = QSpinBox(self.body)
        self.spin.setRange(-1, 99)
        self.spin.setSpecialValueText("–")  # -1 shows as not answered
        self.spin.valueChanged.connect(self._changed)
        row.addWidget(QLabel("Count:", self.body))
        row.addWidget(self.spin)
        row.addStretch(1)

    def _changed(self, v: int) -> None:
        self.practice.focus_id(self.q.id)
        self.practice.set_answer(self.q.id, None if v < 0 else v)

    def refresh(self) -> None:
        v = self.practice.answers.get(self.q.id)
        self.spin.blockSignals(True)
        self.spin.setValue(-1 if v is None else int(v))
        self.spin.blockSignals(False)


class MarksWidget(QuestionWidget):
    """Marks drawn on the frame with the viewer's point/line/polygon tools."""

    def build(self) -> None:
        # tools on one row, "None seen" and the (wrapped) count below, so the card fits a narrow panel
        column = QVBoxLayout(self.body)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        column.addLayout(row)
        types = self.q.mark_types or ["point"]
        self.draw_button = QPushButton(f"Draw {' / '.join(types)}", self.body)
        self.draw_button.setToolTip("Choose the drawing tool, then draw on the image")
        self.draw_button.clicked.connect(lambda: self.practice.focus_id(self.q.id) or self.activate())
        self.clear_button = QPushButton("Clear", self.body)
        self.clear_button.clicked.connect(self._clear)
        self.count = QLabel("", self.body)
        self.count.setWordWrap(True)
        self.none_box = _none_box(self, "None seen", "Nothing to mark in this clip (removes your marks)")
        row.addWidget(self.draw_button)
        row.addWidget(self.clear_button)
        row.addStretch(1)
        below = QHBoxLayout()
        column.addLayout(below)
        below.addWidget(self.none_box)
        below.addWidget(self.count, 1)
        self.viewer.changed.connect(self._on_viewer)

    def _on_viewer(self, topic: str) -> None:
        if topic == "marks":
            self._sync()

    def detach(self) -> None:
        super().detach()
        self.viewer.changed.disconnect(self._on_viewer)

    def activate(self) -> None:
        self.viewer.set_mark_tag(self.q.id)
        self.viewer.set_tool(_MARK_TOOL.get((self.q.mark_types or ["point"])[0], "point"))

    def _sync(self) -> None:
        if self.practice.submitted:
            return
        if self.answered() or any(m.tag == self.q.id for m in self.viewer.marks):
            self.practice.take_marks(self.q.id, self.viewer)

    def _clear(self) -> None:
        self.viewer.remove_marks(self.q.id)

    def refresh(self) -> None:
        n = len(self.practice.answers.get(self.q.id, []))
        none = self.practice.is_none(self.q.id)
        _show_none(self.none_box, none)
        text = "None seen" if none else "Nothing drawn yet (counts as none)"
        self.count.setText(f"{n} mark{'s' if n != 1 else ''} drawn" if n else text)


class FrameRangeWidget(QuestionWidget):
    """Frame ranges chosen on the timeline (Shift+drag, or [ and ] at the play head)."""

    def build(self) -> None:
        col = QVBoxLayout(self.body)
        col.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        add = QPushButton("Add selected range", self.body)
        add.setToolTip("Shift+drag on the timeline, or press [ and ] at the play head, then add it")
        add.clicked.connect(lambda: self.practice.take_range(self.q.id, self.viewer))
        clear = QPushButton("Clear", self.body)
        clear.clicked.connect(lambda: self.practice.set_answer(self.q.id, None))
        self.none_box = _none_box(self, "None seen", "No frame of this clip shows it")
        row.addWidget(add)
        row.addWidget(clear)
        row.addWidget(self.none_box)
        row.addStretch(1)
        col.addLayout(row)
        self.ranges = QLabel("", self.body)
        col.addWidget(self.ranges)

    def refresh(self) -> None:
        ranges = self.practice.answers.get(self.q.id, [])
        none = self.practice.is_none(self.q.id)
        _show_none(self.none_box, none)
        self.viewer.set_timeline_ranges([tuple(r) for r in ranges])
        empty = "None seen" if none else "No range added yet (counts as none)"
        self.ranges.setText("Frames " + ", ".join(f"{a + 1}–{b + 1}" for a, b in ranges) if ranges else empty)


class MeasurementWidget(QuestionWidget):
    """A caliper measurement: measure on the image, then take it (or type the value)."""

    def build(self) -> None:
        row = QHBoxLayout(self.body)
        row.setContentsMargins(0, 0, 0, 0)
        unit = self.q.unit or "cm"
        self.take = QPushButton("Use last caliper", self.body)
        self.take.clicked.connect(lambda: self.practice.take_measurement(self.q.id, self.viewer))
        self.spin = QDoubleSpinBox(self.body)
        self.spin.setRange(-1, 10000)
        self.spin.setDecimals(2)
        self.spin.setSpecialValueText("–")
        self.spin.setValue(-1)
        self.spin.valueChanged.connect(self._typed)
        self.none_box = _none_box(
            self, "Not present", "Nothing to measure: the structure or finding is not in this clip"
        )
        row.addWidget(self.take)
        row.addWidget(self.spin)
        row.addWidget(QLabel(UNIT_LABEL.get(unit, unit), self.body))
        row.addWidget(self.none_box)
        row.addStretch(1)

    def activate(self) -> None:
        super().activate()
        area = (self.q.unit or "cm").endswith("2")
        self.viewer.set_tool("trace" if area else "distance")

    def _typed(self, v: float) -> None:
        current = self.practice.answers.get(self.q.id)
        if isinstance(current, dict) and abs(float(current.get("value") or -2) - v) < 1e-6:
            return
        if v < 0 and self.practice.is_none(self.q.id):
            return
        self.practice.set_answer(self.q.id, None if v < 0 else {"value": v})

    def refresh(self) -> None:
        cur = self.practice.answers.get(self.q.id)
        value = cur.get("value") if isinstance(cur, dict) else cur
        _show_none(self.none_box, self.practice.is_none(self.q.id))
        self.spin.blockSignals(True)
        self.spin.setValue(-1 if value is None else float(value))
        self.spin.blockSignals(False)


WIDGETS: dict[str, type[QuestionWidget]] = {
    **dict.fromkeys(CHOICE_KINDS, ChoiceWidget),
    "findings": FindingsWidget,
    "count": CountWidget,
    "marks": MarksWidget,
    "frame_ranges": FrameRangeWidget,
    "measurement": MeasurementWidget,
}


def make_question_widget(
    q: QuestionView, number: int, practice: PracticeState, viewer: ViewerState, parent: QWidget | None = None
) -> QuestionWidget:
    cls = WIDGETS.get(q.kind)
    if cls is None:
        raise ValueError(f"question {q.id!r}: no widget for kind {q.kind!r}")
    return cls(q, number, practice, viewer, parent)
