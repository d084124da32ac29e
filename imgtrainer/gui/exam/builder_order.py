"""The builder's table of chosen cases: exam order (move up/down, remove) and, per case, which
question set it asks (the exam's choice, or a named set of its taxonomy). Binds to
``ExamBuilderState``; holds no state of its own."""

from __future__ import annotations

from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.screens.exam.builder import ExamBuilderState

EXAM_CHOICE = "As chosen for the exam"


class ChosenCases(QWidget):
    def __init__(self, state: ExamBuilderState, set_names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.set_names = set_names
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("examOrder")
        self.table.setHorizontalHeaderLabels(["Case (exam order)", "Questions asked"])
        self.table.verticalHeader().setVisible(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        col.addWidget(self.table, 1)
        row = QHBoxLayout()
        for text, delta in (("Move up", -1), ("Move down", +1)):
            b = QPushButton(text, self)
            b.clicked.connect(lambda _=False, d=delta: self.move(d))
            row.addWidget(b)
        remove = QPushButton("Remove", self)
        remove.clicked.connect(self.remove)
        row.addWidget(remove)
        row.addStretch(1)
        col.addLayout(row)
        state.changed.connect(self._on_state)
        self.refresh()

    def selected_id(self) -> str | None:
        r = self.table.currentRow()
        ids = list(self.state.chosen)
        return ids[r] if 0 <= r < len(ids) else None

    def move(self, delta: int) -> None:
        cid = self.selected_id()
        if cid is not None:
            self.state.move(cid, delta)
            self.table.selectRow(list(self.state.chosen).index(cid))

    def remove(self) -> None:
        cid = self.selected_id()
        if cid is not None:
            self.state.choose(cid, "", False)

    def set_combo(self, row: int) -> QComboBox:
        w = self.table.cellWidget(row, 1)
        assert isinstance(w, QComboBox)
        return w

    def _on_state(self, topic: str) -> None:
        if topic == "chosen":
            self.refresh()

    def refresh(self) -> None:
        current = self.selected_id()
        ids = list(self.state.chosen)
        self.table.setRowCount(0)  # drops the old rows' combo boxes
        self.table.setRowCount(len(ids))
        for r, cid in enumerate(ids):
            self.table.setItem(r, 0, QTableWidgetItem(cid))
            box = QComboBox()  # the table takes it over in setCellWidget
            box.addItem(EXAM_CHOICE, "")
            for name in self.set_names:
                box.addItem(f"“{name}” set", name)
            i = box.findData(self.state.case_sets.get(cid, ""))
            box.setCurrentIndex(max(0, i))
            box.currentIndexChanged.connect(
                lambda _i, c=cid, b=box: self.state.set_case_set(c, b.currentData())
            )
            self.table.setCellWidget(r, 1, box)
        if current in ids:
            self.table.selectRow(ids.index(current))
