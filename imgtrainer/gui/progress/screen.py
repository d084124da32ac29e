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
from imgtrainer.screens import progress as view
from imgtrainer.screens import services
from imgtrainer.screens.context import AppContext
from imgtrainer.screens.labels import DOMAIN_TITLES


def _bar(value: int, maximum: int, met_colour: str) -> QProgressBar:
    bar = QProgressBar()
    bar.setRange(0, max(1, maximum))
    bar.setValue(min(value, maximum))
    bar.setFormat(f"{value} / {maximum}")
    bar.setTextVisible(True)
    bar.setMinimumWidth(bar.fontMetrics().horizontalAdvance(f"{maximum} / {maximum}") + 24)
    if value >= maximum:
        bar.setStyleSheet(f"QProgressBar::chunk {{ background: {met_colour}; }}")
    return bar


TONES = {"good": palette.GOOD, "warn": palette.EXPERT, "dim": palette.TEXT_DIM}


class ProgressScreen(QWidget):
    """Reads the logbook on a worker thread; draws it. ``logbook`` holds the last one shown.

    One application selector drives both the findings table and the learning curves, so the
    finding names need no application prefix and fit their column."""

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
        self.log_grid.setHorizontalSpacing(10)
        left_layout.addWidget(self.log_box)
        choose = QHBoxLayout()
        choose.addWidget(QLabel("Application:", left))
        self.domain_box = QComboBox(left)
        for dom, label in DOMAIN_TITLES.items():
            self.domain_box.addItem(label, dom)
        self.domain_box.setToolTip("The application shown in the findings table and the learning curves")
        self.domain_box.currentIndexChanged.connect(lambda _i: self._show_domain())
        choose.addWidget(self.domain_box)
        choose.addStretch(1)
        left_layout.addLayout(choose)
        self.finding_box = QGroupBox("Findings: each present / absent call", left)
        fl = QVBoxLayout(self.finding_box)
        self.findings = QTableWidget(0, len(view.FINDING_HEADERS), self.finding_box)
        self.findings.setHorizontalHeaderLabels(list(view.FINDING_HEADERS))
        for c, tip in enumerate(view.FINDING_TIPS):
            self.findings.horizontalHeaderItem(c).setToolTip(tip)
        self.findings.verticalHeader().setVisible(False)
        self.findings.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.findings.setWordWrap(False)
        self.findings.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.findings.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(view.FINDING_HEADERS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        fl.addWidget(self.findings)
        self.findings_note = QLabel("", self.finding_box)
        self.findings_note.setObjectName("hint")
        self.findings_note.setWordWrap(True)
        self.findings_note.setProperty("paragraph", True)
        fl.addWidget(self.findings_note)
        left_layout.addWidget(self.finding_box, 1)
        right = QGroupBox("Learning curve", split)
        rl = QVBoxLayout(right)
        self.curve_note = QLabel("", right)
        self.curve_note.setWordWrap(True)
        self.curve_note.setProperty("paragraph", True)
        rl.addWidget(self.curve_note)
        self._curve_layout = rl
        self.plots: QWidget | None = None  # pyqtgraph is imported when progress is first shown
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 4)
        split.setSizes([760, 600])
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
        text, tip = view.summary(book)
        self.summary.setText(text)
        self.summary.setToolTip(tip)
        self.status.setText("")
        self._fill_logbook(book)
        want = view.default_domain(book, self.domain_box.currentData())
        if want != self.domain_box.currentData():
            self.domain_box.setCurrentIndex(list(DOMAIN_TITLES).index(want))  # redraws
        else:
            self._show_domain()

    def _show_domain(self) -> None:
        self._fill_findings()
        self._draw_curves()

    def _fill_logbook(self, book: Any) -> None:
        while self.log_grid.count():
            w = self.log_grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        for col, (head, tip) in enumerate(zip(view.LOG_HEADERS, view.LOG_TIPS, strict=True)):
            h = QLabel(f"<b>{head}</b>", self.log_box)
            h.setToolTip(tip)
            self.log_grid.addWidget(h, 0, col)
        for r, row in enumerate(view.log_rows(book), 1):
            self.log_grid.addWidget(QLabel(row.application, self.log_box), r, 0)
            self.log_grid.addWidget(_bar(*row.interpreted, palette.GOOD), r, 1)
            self.log_grid.addWidget(_bar(*row.total, palette.GOOD), r, 2)
            passed = QLabel(row.passed, self.log_box)
            passed.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.log_grid.addWidget(passed, r, 3)
            mastery = QLabel(row.mastery, self.log_box)
            if row.mastery_tone:
                mastery.setStyleSheet(f"color: {TONES[row.mastery_tone]}")
            mastery.setToolTip(row.mastery_tip)
            self.log_grid.addWidget(mastery, r, 4)
            cusum = QLabel(row.cusum, self.log_box)
            if row.cusum_tone:
                cusum.setStyleSheet(f"color: {TONES[row.cusum_tone]}")
            cusum.setToolTip(row.cusum_tip)
            self.log_grid.addWidget(cusum, r, 5)
        self.log_grid.setColumnStretch(1, 1)
        self.log_grid.setColumnStretch(2, 1)

    def _fill_findings(self) -> None:
        book, domain = self.logbook, self.domain_box.currentData()
        rows = view.finding_rows(book, domain) if book is not None else []
        self.finding_box.setTitle(
            f"Findings ({DOMAIN_TITLES.get(domain, domain)}): each present / absent call"
        )
        self.findings.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row.cells):
                item = QTableWidgetItem(text)
                item.setToolTip(row.tip)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.findings.setItem(r, c, item)
        self.findings_note.setText(view.findings_note(book, domain, len(rows)) if book is not None else "")

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
                labelOpts={"color": palette.EXPERT, "position": 0.25},
            )
        )
        self.cusum_plot.addItem(
            pg.InfiniteLine(
                -d.cusum.h0,
                angle=0,
                pen=green,
                label="acceptable −h0",
                labelOpts={"color": palette.GOOD, "position": 0.25},
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
                labelOpts={"color": palette.GOOD, "position": 0.25},
            )
        )
        for p in (self.cusum_plot, self.lc_plot):
            p.setXRange(0, max(10, n), padding=0.02)
        self.curve_note.setText(view.curve_note(self.logbook, d.domain))

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
