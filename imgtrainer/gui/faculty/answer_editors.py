"""One small editor per answer kind for the annotation panel; each calls AnnotationState methods
and reloads from the key (``load``) so undo/redo and the view always agree."""

from __future__ import annotations

from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.library.models import DOMAINS, MeasurementAnswer
from imgtrainer.library.taxonomy import Question
from imgtrainer.screens.faculty.annotation import AnnotationState
from imgtrainer.screens.shortcuts import key_name, option_text

NOT_KEYED = "— not keyed —"
_FINDING_STATES = (None, "present", "absent")
_FINDING_LABELS = ("not assessed", "present", "absent")


def narrow_combo(parent: QWidget) -> QComboBox:
    """A combo whose width does not grow with long option texts (the side panel stays narrow)."""
    combo = QComboBox(parent)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(14)
    return combo


def _hint(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


class AnswerEditor(QWidget):
    """Base: ``load()`` shows the key's current answer without emitting edits."""

    def __init__(self, state: AnnotationState, q: Question, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.q = q
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)

    def load(self) -> None:  # pragma: no cover - overridden
        pass

    def choose(self, digit: int) -> bool:
        """Digit key 1-9: pick that option (choice editors only)."""
        return False


class ChoiceEditor(AnswerEditor):
    """Category, ordinal and the application: one combo; digits 1-9 (Alt+0 … Alt+9: 10-19) choose."""

    def __init__(self, state: AnnotationState, q: Question, parent: QWidget | None = None) -> None:
        super().__init__(state, q, parent)
        self.combo = narrow_combo(self)
        self.combo.setAccessibleName(q.prompt)
        if q.id == "application":
            self.values = list(DOMAINS)
            labels = [state.taxonomy.category_options(q)[i].label for i in range(len(DOMAINS))]  # type: ignore[union-attr]
            self.layout_.addWidget(
                _hint("The application is the case's domain: changing it changes the questions.", self)
            )
        elif q.kind == "ordinal":
            self.values = [s.value for s in q.scale]
            labels = [s.label for s in q.scale]
        else:
            opts = state.taxonomy.category_options(q)  # type: ignore[union-attr]
            self.values = [o.id for o in opts]
            labels = [o.label for o in opts]
        if q.id != "application":
            self.combo.addItem(NOT_KEYED)
        for i, label in enumerate(labels):
            key = key_name(i + 1)
            self.combo.addItem(f"{key}. {option_text(label, i + 1)}" if key else label)
        self.combo.activated.connect(self._picked)
        self.layout_.addWidget(self.combo)
        self.load()

    def _offset(self) -> int:
        return 0 if self.q.id == "application" else 1

    def _picked(self, index: int) -> None:
        value = None if index < self._offset() else self.values[index - self._offset()]
        if self.q.id == "application":
            self.state.update_case(domain=value)
        elif self.q.kind == "ordinal":
            self.state.set_ordinal(self.q.id, value)  # type: ignore[arg-type]
        else:
            self.state.set_category(self.q.id, value)  # type: ignore[arg-type]

    def choose(self, digit: int) -> bool:
        if 1 <= digit <= len(self.values):
            self.combo.setCurrentIndex(digit - 1 + self._offset())
            self._picked(digit - 1 + self._offset())
            return True
        return False

    def load(self) -> None:
        if self.q.id == "application":
            value = self.state.session.case.domain  # type: ignore[union-attr]
        else:
            ans = self.state.answer(self.q.id)
            value = None if ans is None else ans.value
        idx = self.values.index(value) + self._offset() if value in self.values else 0
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(idx)
        self.combo.blockSignals(False)


class FindingsEditor(AnswerEditor):
    def __init__(self, state: AnnotationState, q: Question, parent: QWidget | None = None) -> None:
        super().__init__(state, q, parent)
        labels = {f.id: f.label for f in state.taxonomy.findings}  # type: ignore[union-attr]
        self.layout_.addWidget(
            _hint(
                "Set each finding present or absent. A finding left \u201cnot assessed\u201d is not asked "
                "about in this case; trainees' unticked findings count as absent only where you key them.",
                self,
            )
        )
        rest = QPushButton("Set the rest to absent", self)
        rest.setToolTip("Every finding still \u201cnot assessed\u201d becomes absent (one undo step)")
        rest.clicked.connect(lambda: self.state.set_rest_absent(self.q.id, list(self.combos)))
        self.layout_.addWidget(rest)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        # long finding names wrap above their drop-down instead of pushing it out of the panel
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.combos: dict[str, QComboBox] = {}
        for fid in q.findings:
            combo = narrow_combo(self)
            combo.setMinimumContentsLength(10)
            combo.addItems(_FINDING_LABELS)
            combo.setAccessibleName(labels.get(fid, fid))
            combo.activated.connect(lambda i, f=fid: self.state.set_finding(self.q.id, f, _FINDING_STATES[i]))
            name = QLabel(labels.get(fid, fid), self)
            name.setWordWrap(True)
            form.addRow(name, combo)
            self.combos[fid] = combo
        self.layout_.addLayout(form)
        self.load()

    def load(self) -> None:
        ans = self.state.answer(self.q.id)
        for fid, combo in self.combos.items():
            state = (
                "present" if ans and fid in ans.present else "absent" if ans and fid in ans.absent else None
            )
            combo.blockSignals(True)
            combo.setCurrentIndex(_FINDING_STATES.index(state))
            combo.blockSignals(False)


class CountEditor(AnswerEditor):
    def __init__(self, state: AnnotationState, q: Question, parent: QWidget | None = None) -> None:
        super().__init__(state, q, parent)
        row = QHBoxLayout()
        self.value = QSpinBox(self)
        self.value.setRange(-1, 999)
        self.value.setSpecialValueText(NOT_KEYED)
        self.tol = QSpinBox(self)
        self.tol.setRange(0, 99)
        self.tol.setPrefix("± ")
        for w in (self.value, self.tol):
            w.editingFinished.connect(self._commit)
        row.addWidget(QLabel("Count", self))
        row.addWidget(self.value)
        row.addWidget(QLabel("tolerance", self))
        row.addWidget(self.tol)
        self.layout_.addLayout(row)
        self.load()

    def _commit(self) -> None:
        v = self.value.value()
        ans = self.state.answer(self.q.id)
        if v < 0 and ans is None:
            return
        if ans is not None and v == ans.value and self.tol.value() == ans.tolerance:
            return
        self.state.set_count(self.q.id, None if v < 0 else v, self.tol.value())

    def load(self) -> None:
        ans = self.state.answer(self.q.id)
        for w, v in (
            (self.value, -1 if ans is None else ans.value),
            (self.tol, 0 if ans is None else ans.tolerance),
        ):
            w.blockSignals(True)
            w.setValue(v)
            w.blockSignals(False)


class RangesEditor(AnswerEditor):
    def __init__(self, state: AnnotationState, q: Question, parent: QWidget | None = None) -> None:
        super().__init__(state, q, parent)
        self.list = QListWidget(self)
        self.list.setMaximumHeight(90)
        add = QPushButton("Add selected frames (R)", self)
        add.clicked.connect(self.state.add_range)
        remove = QPushButton("Remove", self)
        remove.clicked.connect(lambda: self.state.remove_range(self.list.currentRow()))
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        self.layout_.addWidget(
            _hint(
                "Select frames with Shift+drag on the timeline, or [ and ] at the first and last frame.", self
            )
        )
        self.layout_.addWidget(self.list)
        self.layout_.addLayout(row)
        self.load()

    def load(self) -> None:
        ans = self.state.answer(self.q.id)
        self.list.clear()
        for a, b in ans.ranges if ans else []:
            self.list.addItem(f"frames {a + 1}–{b + 1}")


class MarksEditor(AnswerEditor):
    def __init__(self, state: AnnotationState, q: Question, parent: QWidget | None = None) -> None:
        super().__init__(state, q, parent)
        keys = {"point": "P", "line": "L", "polygon": "G", "polyline": "G", "ellipse": "E"}
        tools = ", ".join(f"{t} ({keys.get(t, '?')})" for t in q.mark_types)
        self.layout_.addWidget(_hint(f"Draw: {tools}. Drag a handle to adjust; click one to select.", self))
        self.list = QListWidget(self)
        self.list.setMaximumHeight(110)
        self.list.currentRowChanged.connect(self._row)
        self.layout_.addWidget(self.list)
        row = QHBoxLayout()
        delete = QPushButton("Delete (Del)", self)
        delete.clicked.connect(self.state.delete_selected)
        self.span = QSpinBox(self)
        self.span.setRange(1, 50)
        self.span.setPrefix("± ")
        self.span.setSuffix(" frames")
        self.span.setValue(state.copy_span)
        self.span.valueChanged.connect(lambda v: setattr(self.state, "copy_span", int(v)))
        copy = QPushButton("Copy (C)", self)
        copy.setToolTip("Copy the selected mark to the neighbouring frames")
        copy.clicked.connect(self.state.copy_selected)
        for w in (delete, copy, self.span):
            row.addWidget(w)
        self.layout_.addLayout(row)
        self.load()

    def _row(self, row: int) -> None:
        if row >= 0 and row != self.state.selected:
            ans = self.state.answer(self.q.id)
            self.state.select_mark(row)
            if ans is not None and ans.marks[row].frame is not None:
                self.state.viewer.set_index(ans.marks[row].frame)

    def load(self) -> None:
        ans = self.state.answer(self.q.id)
        self.list.blockSignals(True)
        self.list.clear()
        for i, m in enumerate(ans.marks if ans else []):
            where = "all frames" if m.frame is None else f"frame {m.frame + 1}"
            self.list.addItem(f"{i + 1}. {m.type} on {where}")
        if self.state.selected is not None and self.state.selected < self.list.count():
            self.list.setCurrentRow(self.state.selected)
        self.list.blockSignals(False)


class MeasurementEditor(AnswerEditor):
    def __init__(self, state: AnnotationState, q: Question, parent: QWidget | None = None) -> None:
        super().__init__(state, q, parent)
        self.typed = q.unit not in ("cm", "cm2")
        if self.typed:
            self.layout_.addWidget(_hint(f"Type the value in {q.unit} (no caliper gives this unit).", self))
            self.value = QDoubleSpinBox(self)
            self.value.setRange(-1, 100000)
            self.value.setDecimals(2)
            self.value.setSpecialValueText(NOT_KEYED)
            self.value.setSuffix(f" {q.unit}")
            self.value.editingFinished.connect(self._typed)
        else:
            tool = "Ellipse (E) or Trace (T)" if q.unit == "cm2" else "Distance (D)"
            self.layout_.addWidget(
                _hint(
                    f"Measure with the {tool} caliper: calibrated from the clip's ultrasound regions.", self
                )
            )
            self.value = QLabel(NOT_KEYED, self)
            self.value.setObjectName("sectionTitle")
        self.tol = QDoubleSpinBox(self)
        self.tol.setRange(1, 100)
        self.tol.setSuffix(" % tolerance")
        self.tol.editingFinished.connect(self._tol)
        clear = QPushButton("Clear", self)
        clear.clicked.connect(lambda: self.state.set_answer(self.q.id, None))
        row = QHBoxLayout()
        for w in (self.value, self.tol, clear):
            row.addWidget(w)
        self.layout_.addLayout(row)
        self.load()

    def _typed(self) -> None:
        v = self.value.value()
        ans = self.state.answer(self.q.id)
        if (ans is None and v < 0) or (ans is not None and abs(ans.value - v) < 1e-9):
            return
        self.state.set_measurement_value(self.q.id, None if v < 0 else v)

    def _tol(self) -> None:
        ans = self.state.answer(self.q.id)
        rel = self.tol.value() / 100
        if isinstance(ans, MeasurementAnswer) and abs(ans.tolerance_rel - rel) > 1e-9:
            self.state.set_answer(self.q.id, ans.model_copy(update={"tolerance_rel": rel}))

    def load(self) -> None:
        ans = self.state.answer(self.q.id)
        unit = {"cm2": "cm²"}.get(ans.unit, ans.unit) if ans else ""
        if self.typed:
            self.value.blockSignals(True)
            self.value.setValue(-1 if ans is None else ans.value)
            self.value.blockSignals(False)
        else:
            self.value.setText(NOT_KEYED if ans is None else f"{ans.value:.2f} {unit}")
        self.tol.blockSignals(True)
        self.tol.setValue(15.0 if ans is None else ans.tolerance_rel * 100)
        self.tol.blockSignals(False)
