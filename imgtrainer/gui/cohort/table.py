"""The cohort window: one sortable row per trainee, the cohort report's columns, colour only
where it means something (green = minimum met / mastered / exam passed, vermilion = at risk /
exam failed, orange = overdue), double-click to open that trainee's progress, CSV / PDF export.
The state (``screens.cohort.CohortState``) holds the rows; this widget only draws them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QBrush, QColor
from PyQt6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.gui.widgets import palette
from imgtrainer.gui.workers import run_async
from imgtrainer.screens.cohort import ALL_GROUPS, COLUMNS, CohortState

TONE = {"good": palette.GOOD, "bad": palette.BAD, "warn": palette.EXPERT}


class CohortWindow(QMainWindow):
    def __init__(self, state: CohortState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setWindowTitle("Cohort — programme director view (faculty only)")
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(10, 8, 10, 8)
        top = QHBoxLayout()
        title = QLabel("Cohort", body)
        title.setObjectName("caseTitle")
        top.addWidget(title)
        top.addWidget(QLabel("Group:", body))
        self.group_box = QComboBox(body)
        self.group_box.setMinimumWidth(160)
        self.group_box.activated.connect(lambda _i: self._group_chosen())
        top.addWidget(self.group_box)
        self.summary = QLabel("Loading…", body)
        self.summary.setObjectName("hint")
        top.addWidget(self.summary, 1)
        self.csv_button = QPushButton("Export CSV…", body)
        self.csv_button.clicked.connect(lambda: self.export("csv"))
        self.pdf_button = QPushButton("Export committee PDF…", body)
        self.pdf_button.setObjectName("primary")
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        top.addWidget(self.csv_button)
        top.addWidget(self.pdf_button)
        layout.addLayout(top)
        self.table = QTableWidget(0, len(COLUMNS), body)
        self.table.setHorizontalHeaderLabels([c.title for c in COLUMNS])
        for i, c in enumerate(COLUMNS):
            self.table.horizontalHeaderItem(i).setToolTip(c.tip)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 2, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicatorShown(True)
        header.sectionClicked.connect(self._header_clicked)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.state.drill_down(row))
        layout.addWidget(self.table, 1)
        hint = QLabel(
            "Each application: Level 2 interpreted / ASRA minimum · Level 1 performed · status. Green: minimum "
            "met or mastered; vermilion: at risk (CUSUM) or exam failed; orange: overdue. Double-click a "
            "trainee to open their progress.",
            body,
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.setCentralWidget(body)
        state.changed.connect(self.redraw)
        self.reload()

    def reload(self) -> None:
        self.summary.setText("Loading…")
        run_async(self.state.fetch, self.state.apply, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(f"Cannot read the store: {exc}")

    def _group_chosen(self) -> None:
        group = self.group_box.currentData()
        self.summary.setText("Loading…")
        run_async(lambda: self.state.fetch(group), self.state.apply, self._failed)

    def _header_clicked(self, col: int) -> None:
        self.state.sort_by(COLUMNS[col].key)

    def redraw(self) -> None:
        st = self.state
        self.group_box.blockSignals(True)
        self.group_box.clear()
        self.group_box.addItem("All trainees", ALL_GROUPS)
        for g in st.groups:
            self.group_box.addItem(g, g)
        self.group_box.setCurrentIndex(max(0, self.group_box.findData(st.group)))
        self.group_box.blockSignals(False)
        self.table.setRowCount(len(st.rows))
        for r, cells in enumerate(st.rows):
            for c, col in enumerate(COLUMNS):
                cell = cells[col.key]
                item = QTableWidgetItem(cell.text)
                if cell.tip:
                    item.setToolTip(cell.tip)
                if cell.tone:
                    colour = QColor(TONE[cell.tone])
                    item.setForeground(QBrush(QColor("#ffffff")))
                    colour.setAlpha(150)
                    item.setBackground(QBrush(colour))
                if col.key in ("attempts", "last_practice") or col.key not in ("trainee", "group", "weakest"):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(r, c, item)
        sort_col = next(i for i, c in enumerate(COLUMNS) if c.key == st.sort_key)
        order = Qt.SortOrder.DescendingOrder if st.descending else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(sort_col, order)
        self.summary.setText(st.summary())

    def export(
        self, kind: str, path: Path | None = None, on_done: Callable[[Path], None] | None = None
    ) -> None:
        if path is None:
            filt = "CSV (*.csv)" if kind == "csv" else "PDF (*.pdf)"
            name, _ = QFileDialog.getSaveFileName(
                self, f"Export cohort {kind.upper()}", f"cohort.{kind}", filt
            )
            if not name:
                return
            path = Path(name)
        fn = self.state.export_csv if kind == "csv" else self.state.export_pdf

        def done(p: Path) -> None:
            self.statusBar().showMessage(f"written to {p}", 8000)
            if on_done:
                on_done(p)

        def fail(exc: BaseException) -> None:
            QMessageBox.warning(self, "Export failed", str(exc))

        run_async(lambda: fn(path), done, fail)
