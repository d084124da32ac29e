"""Progress: logbook bars against the ASRA minimums, accuracy per finding, CUSUM / LC-CUSUM
learning curves with the competence boundary, mastery and maintenance, PDF portfolio export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.gui.widgets import palette
from imgtrainer.gui.workers import run_async
from imgtrainer.screens import services
from imgtrainer.screens.context import AppContext
from imgtrainer.screens.labels import DOMAIN_TITLES


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f}%"


def _bar(value: int, maximum: int, met_colour: str) -> QProgressBar:
    bar = QProgressBar()
    bar.setRange(0, max(1, maximum))
    bar.setValue(min(value, maximum))
    bar.setFormat(f"{value} / {maximum}")
    bar.setTextVisible(True)
    if value >= maximum:
        bar.setStyleSheet(f"QProgressBar::chunk {{ background: {met_colour}; }}")
    return bar


class ProgressScreen(QWidget):
    """Reads the logbook on a worker thread; draws it. ``logbook`` holds the last one shown."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.logbook: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        top = QHBoxLayout()
        self.title = QLabel("Progress", self)
        self.title.setObjectName("caseTitle")
        self.summary = QLabel("", self)
        self.summary.setObjectName("hint")
        self.export_button = QPushButton("Export PDF portfolio…", self)
        self.export_button.setObjectName("primary")
        self.export_button.clicked.connect(self.export_pdf)
        top.addWidget(self.title)
        top.addWidget(self.summary, 1)
        top.addWidget(self.export_button)
        layout.addLayout(top)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        left = QWidget(split)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.log_box = QGroupBox("Logbook vs ASRA minimums", left)
        self.log_grid = QGridLayout(self.log_box)
        left_layout.addWidget(self.log_box)
        self.finding_box = QGroupBox("Accuracy by finding", left)
        fl = QVBoxLayout(self.finding_box)
        self.findings = QTableWidget(0, 5, self.finding_box)
        self.findings.setHorizontalHeaderLabels(
            ["Finding", "Cases", "Accuracy", "Sensitivity", "Specificity"]
        )
        self.findings.verticalHeader().setVisible(False)
        self.findings.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.findings.horizontalHeader().setStretchLastSection(False)
        fl.addWidget(self.findings)
        left_layout.addWidget(self.finding_box, 1)
        right = QGroupBox("Learning curve", split)
        rl = QVBoxLayout(right)
        row = QHBoxLayout()
        row.addWidget(QLabel("Application:", right))
        self.domain_box = QComboBox(right)
        for dom, label in DOMAIN_TITLES.items():
            self.domain_box.addItem(label, dom)
        self.domain_box.currentIndexChanged.connect(lambda _i: self._draw_curves())
        row.addWidget(self.domain_box)
        row.addStretch(1)
        rl.addLayout(row)
        self.curve_note = QLabel("", right)
        self.curve_note.setWordWrap(True)
        rl.addWidget(self.curve_note)
        self._curve_layout = rl
        self.plots: QWidget | None = None  # pyqtgraph is imported when progress is first shown
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([560, 700])
        layout.addWidget(split, 1)
        self.status = QLabel("", self)
        self.status.setObjectName("hint")
        layout.addWidget(self.status)

    def _make_plots(self, parent: QWidget) -> QWidget:
        import pyqtgraph as pg

        pg.setConfigOptions(antialias=True, background=palette.BACKGROUND, foreground=palette.TEXT_DIM)
        box = pg.GraphicsLayoutWidget(parent=parent)
        self.cusum_plot = box.addPlot(title="CUSUM (failures push up; crossing the lower line = acceptable)")
        box.nextRow()
        self.lc_plot = box.addPlot(title="LC-CUSUM (crossing the boundary = competent)")
        for p in (self.cusum_plot, self.lc_plot):
            p.showGrid(x=True, y=True, alpha=0.15)
            p.setLabel("bottom", "case number")
        return box

    # data ------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.plots is None:
            self.plots = self._make_plots(self)
            self._curve_layout.addWidget(self.plots, 1)
        if not self.ctx.trainee:
            self.summary.setText("Choose a trainee profile (File ▸ Switch trainee) to see progress.")
            return
        self.status.setText("Reading your logbook…")
        run_async(
            lambda: services.logbook(self.ctx),
            self.show_logbook,
            lambda e: self.status.setText(f"Cannot read progress: {e}"),
        )

    def show_logbook(self, book: Any) -> None:
        self.logbook = book
        self.title.setText(f"Progress · {book.trainee}")
        self.summary.setText(f"{book.attempts} case(s) finished · overall accuracy {_pct(book.accuracy)}")
        self.status.setText("")
        self._fill_logbook(book)
        self._fill_findings(book)
        practised = sorted((d for d in book.domains if d.attempts), key=lambda d: -d.attempts)
        if practised and self.domain_box.currentData() not in {d.domain for d in practised}:
            self.domain_box.setCurrentIndex(list(DOMAIN_TITLES).index(practised[0].domain))
        self._draw_curves()

    def _fill_logbook(self, book: Any) -> None:
        while self.log_grid.count():
            w = self.log_grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        for col, head in enumerate(
            ["Application", "Interpreted (Level 2)", "Total incl. bedside", "Mastery / reminders"]
        ):
            h = QLabel(f"<b>{head}</b>", self.log_box)
            self.log_grid.addWidget(h, 0, col)
        for r, d in enumerate(book.domains, 1):
            self.log_grid.addWidget(QLabel(DOMAIN_TITLES.get(d.domain, d.domain), self.log_box), r, 0)
            self.log_grid.addWidget(_bar(d.interpret_studies, d.interpret_min, palette.GOOD), r, 1)
            self.log_grid.addWidget(_bar(d.total_studies, d.total_min, palette.GOOD), r, 2)
            notes = []
            if d.mastered:
                notes.append(f"<span style='color:{palette.GOOD}'>mastered (streak {d.streak})</span>")
            elif d.attempts:
                notes.append(f"streak {d.streak}")
            if d.accuracy is not None:
                notes.append(f"accuracy {_pct(d.accuracy)}")
            if d.maintenance_warning:
                notes.append(
                    f"<span style='color:{palette.EXPERT}'>not practised for {d.days_since_practice} days: review</span>"
                )
            if not d.attempts:
                notes.append("<span style='color:#7d868f'>not started</span>")
            lab = QLabel(" · ".join(notes), self.log_box)
            lab.setWordWrap(True)
            self.log_grid.addWidget(lab, r, 3)
        self.log_grid.setColumnStretch(1, 1)
        self.log_grid.setColumnStretch(2, 1)
        self.log_grid.setColumnStretch(3, 2)

    def _fill_findings(self, book: Any) -> None:
        rows = [f for f in book.findings if f.n]
        self.findings.setRowCount(len(rows))
        for r, f in enumerate(rows):
            label = f"{DOMAIN_TITLES.get(f.domain, f.domain)}: {f.label or f.finding}"
            cells = [label, str(f.n), _pct(f.accuracy), _pct(f.sensitivity), _pct(f.specificity)]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.findings.setItem(r, c, item)
        header = self.findings.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, 5):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)

    def _draw_curves(self) -> None:
        if self.plots is None:
            return
        import pyqtgraph as pg

        self.cusum_plot.clear()
        self.lc_plot.clear()
        if self.logbook is None:
            return
        d = self.logbook.domain(self.domain_box.currentData())
        n = len(d.cusum.values)
        x = list(range(0, n + 1))
        blue = pg.mkPen(palette.TRAINEE, width=2)
        orange = pg.mkPen(palette.EXPERT, width=1.5, style=Qt.PenStyle.DashLine)
        green = pg.mkPen(palette.GOOD, width=1.5, style=Qt.PenStyle.DashLine)
        self.cusum_plot.plot(
            x, [0.0, *d.cusum.values], pen=blue, symbol="o", symbolSize=5, symbolBrush=palette.TRAINEE
        )
        self.cusum_plot.addItem(
            pg.InfiniteLine(
                d.cusum.h1,
                angle=0,
                pen=orange,
                label="unacceptable h1",
                labelOpts={"color": palette.EXPERT, "position": 0.1},
            )
        )
        self.cusum_plot.addItem(
            pg.InfiniteLine(
                -d.cusum.h0,
                angle=0,
                pen=green,
                label="acceptable −h0",
                labelOpts={"color": palette.GOOD, "position": 0.1},
            )
        )
        self.lc_plot.plot(
            x, [0.0, *d.lc_cusum.values], pen=blue, symbol="o", symbolSize=5, symbolBrush=palette.TRAINEE
        )
        self.lc_plot.addItem(
            pg.InfiniteLine(
                d.lc_cusum.h,
                angle=0,
                pen=green,
                label="competence boundary h",
                labelOpts={"color": palette.GOOD, "position": 0.2},
            )
        )
        for p in (self.cusum_plot, self.lc_plot):
            p.setXRange(0, max(10, n), padding=0.02)
        verdict = (
            f"competent at case {d.lc_cusum.competent_at}"
            if d.lc_cusum.competent_at
            else "not yet declared competent"
        )
        self.curve_note.setText(
            f"{DOMAIN_TITLES.get(d.domain, d.domain)}: {n} case(s), CUSUM {d.cusum.status}; LC-CUSUM {verdict}. "
            f"A case counts as a failure below {self.logbook.params.threshold * 100:.0f}%."
        )

    # export ---------------------------------------------------------------------------------------
    def export_pdf(self, path: Path | None = None) -> None:
        if not self.ctx.trainee:
            return
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "Save the portfolio", str(Path.home() / "imgtrainer-portfolio.pdf"), "PDF (*.pdf)"
            )
            if not name:
                return
            path = Path(name)
        self.export_button.setEnabled(False)
        self.status.setText("Writing the PDF portfolio…")

        def done(p: Path) -> None:
            self.export_button.setEnabled(True)
            self.status.setText(f"Portfolio written to {p}")

        def fail(exc: BaseException) -> None:
            self.export_button.setEnabled(True)
            self.status.setText(f"Could not write the portfolio: {exc}")

        run_async(lambda: services.export_portfolio(self.ctx, path), done, fail)
