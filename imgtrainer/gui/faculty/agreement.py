"""Agreement page: ``library_agreement`` as two tables, per question / finding and per case."""

from __future__ import annotations

import math
from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.gui.widgets import palette
from imgtrainer.gui.workers import run_async
from imgtrainer.screens.faculty.agreement import COLUMNS, NUMERIC, agreement_rows, write_agreement_csv


def _fmt(v: float | None, pct: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    return f"{100 * v:.0f}%" if pct else f"{v:.2f}"


def _cell(text: str, colour: str | None = None, numeric: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if numeric:  # numbers right-aligned so that the decimal points line up
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if colour:
        item.setForeground(QColor(colour))
    return item


class AgreementPage(QWidget):
    def __init__(self, library: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = Path(library)
        self.report = None
        self.summary = QLabel("", self)
        self.summary.setObjectName("sectionTitle")
        self.summary.setWordWrap(True)
        self.rows: list[dict[str, str]] = []
        refresh = QPushButton("Recompute", self)
        refresh.clicked.connect(self.refresh)
        self.export_button = QPushButton("Export CSV…", self)
        self.export_button.setToolTip("Save this table as a CSV file (for a spreadsheet or a paper)")
        self.export_button.clicked.connect(self.export_csv)
        self.export_button.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.export_button)
        top.addWidget(refresh)
        self.stats = self._table(COLUMNS)
        self.stats.setAccessibleName("Agreement per question and finding")
        self.cases = self._table(["Case", "Raters", "Answers identical", "Mean mark F1"])
        self.cases.setAccessibleName("Agreement per case")
        self.problems = QLabel("", self)
        self.problems.setObjectName("errorLabel")
        self.problems.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.stats)
        split.addWidget(self.cases)
        split.setSizes([500, 250])
        v = QVBoxLayout(self)
        v.addLayout(top)
        hint = QLabel(
            "Per question and per finding over every case with two or more rater keys. Interpretation words "
            "only where a published scale exists: κ (Landis & Koch 1977) and ICC (Koo & Li 2016); mark F1 and "
            "frame IoU have none. Marks are matched one to one (as in scoring) and compared by F1.",
            self,
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        v.addWidget(hint)
        v.addWidget(split, 1)
        v.addWidget(self.problems)

    def _table(self, headers: list[str]) -> QTableWidget:
        t = QTableWidget(0, len(headers), self)
        t.setHorizontalHeaderLabels(headers)
        t.verticalHeader().setVisible(False)
        t.setAlternatingRowColors(True)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        t.horizontalHeader().setStretchLastSection(True)
        t.setSortingEnabled(True)
        return t

    def refresh(self) -> None:
        from imgtrainer.annotate.report import library_agreement

        self.summary.setText("Computing agreement…")
        run_async(
            lambda: library_agreement(self.library), self.show_report, lambda e: self.summary.setText(str(e))
        )

    def show_report(self, report) -> None:
        self.report = report
        self.summary.setText(
            f"{report.cases_with_multiple_raters} case(s) with 2+ raters · raters: {', '.join(report.raters) or '—'}"
        )
        self.rows = agreement_rows(report)
        self.export_button.setEnabled(bool(self.rows))
        self.stats.setSortingEnabled(False)
        self.stats.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            word = row["Interpretation"]
            colour = (
                palette.GOOD
                if word in ("substantial", "almost perfect", "good", "excellent")
                else (palette.BAD if word in ("poor", "slight") else None)
            )
            for c, name in enumerate(COLUMNS):
                item = _cell(
                    row[name], colour if name in ("Value", "Interpretation") else None, name in NUMERIC
                )
                if name == "Item":
                    item.setToolTip(row["id"])
                self.stats.setItem(r, c, item)
        self.stats.setSortingEnabled(True)
        self.cases.setSortingEnabled(False)
        self.cases.setRowCount(len(report.cases))
        for r, c in enumerate(report.cases):
            cells = [
                c.case_id,
                ", ".join(c.raters),
                f"{c.questions_identical}/{c.questions_compared}",
                _fmt(c.mean_mark_f1),
            ]
            for k, text in enumerate(cells):
                self.cases.setItem(r, k, _cell(text, numeric=k >= 2))
        self.cases.setSortingEnabled(True)
        self.problems.setText("\n".join(report.problems))

    def export_csv(self, path: Path | None = None) -> Path | None:
        """Write the statistics table as CSV (asks where unless ``path`` is given)."""
        if not self.rows:
            return None
        if path is None:
            from PyQt6.QtWidgets import QFileDialog

            chosen, _ = QFileDialog.getSaveFileName(
                self, "Export agreement as CSV", str(self.library / "agreement.csv"), "CSV files (*.csv)"
            )
            if not chosen:
                return None
            path = Path(chosen)
        try:
            out = write_agreement_csv(self.rows, path)
        except OSError as exc:
            self.problems.setText(f"Cannot write {path}: {exc}")
            return None
        self.summary.setText(self.summary.text() + f" · exported to {out.name}")
        return out
