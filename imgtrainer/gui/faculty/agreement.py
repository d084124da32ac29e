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

STAT_NAMES = {
    "cohen_kappa": "Cohen's κ",
    "weighted_kappa": "weighted κ (quadratic)",
    "fleiss_kappa": "Fleiss' κ",
    "icc_a1": "ICC(2,1)",
    "mark_f1": "mark F1",
    "frame_iou": "frame IoU",
}


def strength(statistic: str, value: float | None) -> str:
    """Words for a value: Landis & Koch (1977) for kappa, Koo & Li (2016) for ICC.

    >>> strength("cohen_kappa", 0.7)
    'substantial'
    >>> strength("icc_a1", 0.8)
    'good'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "undefined"
    if statistic.endswith("kappa"):
        for bound, word in (
            (0.0, "poor"),
            (0.2, "slight"),
            (0.4, "fair"),
            (0.6, "moderate"),
            (0.8, "substantial"),
        ):
            if value <= bound:
                return word
        return "almost perfect"
    if statistic == "icc_a1":
        return (
            "poor" if value < 0.5 else "moderate" if value < 0.75 else "good" if value < 0.9 else "excellent"
        )
    return "low" if value < 0.5 else "fair" if value < 0.75 else "high"


def _fmt(v: float | None, pct: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    return f"{100 * v:.0f}%" if pct else f"{v:.2f}"


def _cell(text: str, colour: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
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
        refresh = QPushButton("Recompute", self)
        refresh.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(refresh)
        self.stats = self._table(
            ["Item", "Kind", "Statistic", "Value", "Agreement", "Cases", "Raters", "% identical", "Note"]
        )
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
            "Per question and per finding over every case with two or more rater keys. κ words: Landis & Koch; "
            "ICC words: Koo & Li. Marks are matched one to one (as in scoring) and compared by F1.",
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
        self.stats.setSortingEnabled(False)
        self.stats.setRowCount(len(report.statistics))
        for r, s in enumerate(report.statistics):
            word = strength(s.statistic, s.value)
            if word == "undefined" and s.percent_agreement == 1.0:
                word = "all identical (κ undefined)"
            colour = (
                palette.GOOD
                if word in ("substantial", "almost perfect", "good", "excellent", "high")
                else (palette.BAD if word in ("poor", "slight", "low") else None)
            )
            cells = [
                s.item.replace("finding:", "finding · "),
                s.kind,
                STAT_NAMES.get(s.statistic, s.statistic),
                _fmt(s.value),
                word,
                str(s.n_cases),
                str(s.n_raters),
                _fmt(s.percent_agreement, pct=True) if s.percent_agreement is not None else "",
                s.note,
            ]
            for c, text in enumerate(cells):
                self.stats.setItem(r, c, _cell(text, colour if c in (3, 4) else None))
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
                self.cases.setItem(r, k, _cell(text))
        self.cases.setSortingEnabled(True)
        self.problems.setText("\n".join(report.problems))
