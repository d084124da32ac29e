"""Adjudication page: the raters' marks overlaid in Okabe-Ito colours, every mark and label
accepted or rejected (A / R), then the consensus key (``key.json``) written with who agreed."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QAction, QColor, QKeySequence, QPainter, QPen, QPolygonF
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.annotate.adjudicate import Adjudication, AdjudicationItem
from imgtrainer.gui.faculty.marks_view import show_tools
from imgtrainer.gui.viewer.cine_viewer import CineViewer
from imgtrainer.gui.widgets import palette
from imgtrainer.gui.workers import run_async
from imgtrainer.screens.viewer.state import ViewerState

RATER_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
"""Okabe-Ito (2008) colour-blind-safe palette, one colour per rater in name order."""
DECISION_TEXT = {None: "undecided", True: "accepted", False: "rejected"}


def describe(answer, mark_index: int | None) -> str:
    """Short text for an item: the answer's content, or one mark."""
    if mark_index is not None:
        m = answer.marks[mark_index]
        where = "all frames" if m.frame is None else f"frame {m.frame + 1}"
        return f"{m.type} #{mark_index + 1} on {where}"
    kind = answer.kind
    if kind in ("category", "ordinal", "count"):
        return str(answer.value) + (f" ± {answer.tolerance}" if kind == "count" and answer.tolerance else "")
    if kind == "findings":
        return f"present: {', '.join(answer.present) or '—'}; absent: {', '.join(answer.absent) or '—'}"
    if kind == "frame_ranges":
        return ", ".join(f"{a + 1}–{b + 1}" for a, b in answer.ranges)
    if kind == "measurement":
        return f"{answer.value:.2f} {answer.unit}"
    if kind == "decision":
        return f"option {answer.correct + 1}"
    if kind == "marks":
        return f"{len(answer.marks)} mark(s), identical for all raters"
    return kind


class AdjudicationPage(QWidget):
    consensus_written = pyqtSignal()  # key.json written: trainees may now see the case

    def __init__(self, library: Path, adjudicator: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = Path(library)
        self.adjudicator = adjudicator
        self.folder: Path | None = None
        self.adj: Adjudication | None = None
        self.colours: dict[str, str] = {}
        self.cases = QListWidget(self)
        self.cases.setAccessibleName("Cases with rater keys")
        self.cases.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.cases.currentRowChanged.connect(self._case_row)
        self.viewer_state = ViewerState()
        self.viewer = CineViewer(self.viewer_state, self)
        show_tools(self.viewer, ["navigate", "window_level"])
        self.viewer.view.overlays.append(self._paint)
        self.legend = QLabel("", self)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(["Question", "Rater", "Decision", "Answer or mark"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.currentCellChanged.connect(lambda r, *_: self._item_row(r))
        accept = QPushButton("Accept (A)", self)
        accept.clicked.connect(lambda: self.decide(True))
        reject = QPushButton("Reject (R)", self)
        reject.clicked.connect(lambda: self.decide(False))
        self.write_button = QPushButton("Write consensus key", self)
        self.write_button.setObjectName("primary")
        self.write_button.clicked.connect(self.write_consensus)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.warning = QLabel("", self)
        self.warning.setObjectName("errorLabel")
        self.warning.setWordWrap(True)
        for key, fn in (("A", lambda: self.decide(True)), ("R", lambda: self.decide(False))):
            act = QAction(self)
            act.setShortcut(QKeySequence(key))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(fn)
            self.addAction(act)
        right = QWidget(self)
        right.setObjectName("sidePanel")
        rv = QVBoxLayout(right)
        rv.addWidget(self.legend)
        rv.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(accept)
        row.addWidget(reject)
        row.addStretch(1)
        row.addWidget(self.write_button)
        rv.addLayout(row)
        rv.addWidget(self.warning)
        rv.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.cases)
        split.addWidget(self.viewer)
        split.addWidget(right)
        split.setSizes([210, 760, 480])
        h = QHBoxLayout(self)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(split)

    # cases -------------------------------------------------------------------------------------
    def refresh(self) -> None:
        from imgtrainer.library.case_io import key_path, list_raters
        from imgtrainer.screens.faculty.annotation import case_folders

        self.cases.blockSignals(True)
        self.cases.clear()
        for folder in case_folders(self.library) if self.library.is_dir() else []:
            raters = list_raters(folder)
            if not raters:
                continue
            done = " · has a consensus key" if key_path(folder).is_file() else ""
            item = QListWidgetItem(f"{folder.name}\n{len(raters)} rater(s){done}")
            item.setData(Qt.ItemDataRole.UserRole, str(folder))
            self.cases.addItem(item)
        self.cases.blockSignals(False)
        if self.cases.count():
            self.cases.setCurrentRow(0)
            self._case_row(0)
        else:
            self.status.setText("No case has rater keys yet.")

    def _case_row(self, row: int) -> None:
        item = self.cases.item(row) if row >= 0 else None
        if item is not None:
            self.open_case(Path(item.data(Qt.ItemDataRole.UserRole)))

    def open_case(self, folder: Path) -> None:
        from imgtrainer.library.case_io import load_case, load_rater_keys, media_path
        from imgtrainer.media import open_clip

        try:
            case = load_case(folder)
            keys = load_rater_keys(folder)
            self.adj = Adjudication.start(case.id, keys)
        except Exception as exc:
            self.status.setText(f"Cannot adjudicate {Path(folder).name}: {exc}")
            return
        self.folder = Path(folder)
        self.colours = {r: RATER_COLOURS[i % len(RATER_COLOURS)] for i, r in enumerate(sorted(keys))}
        self.legend.setText(
            "Raters: "
            + " &nbsp; ".join(f'<span style="color:{c}">■ {r}</span>' for r, c in self.colours.items())
            + "<br><span style='color:#a0a6ad'>Dashed: rejected. Thick: the selected item.</span>"
        )
        self._fill_table()
        path = media_path(folder, case)

        def loaded(clip) -> None:
            self.viewer_state.set_clip(clip)

        run_async(
            lambda: open_clip(path), loaded, lambda exc: self.status.setText(f"Cannot open the clip: {exc}")
        )

    # items -------------------------------------------------------------------------------------
    def _fill_table(self) -> None:
        adj = self.adj
        if adj is None:
            return
        row = max(0, self.table.currentRow())
        self.table.blockSignals(True)
        self.table.setRowCount(len(adj.items))
        for r, item in enumerate(adj.items):
            answer = adj.keys[item.rater].answers[item.question_id]
            text = describe(answer, item.mark_index)
            decision = DECISION_TEXT[item.accepted] + (" (unanimous)" if item.unanimous else "")
            cells = (item.question_id, item.rater, decision, text)
            for c, value in enumerate(cells):
                cell = QTableWidgetItem(value)
                cell.setToolTip(value)
                if c == 1:
                    cell.setForeground(QColor(self.colours.get(item.rater, palette.TEXT)))
                if c == 2:
                    colour = {True: palette.GOOD, False: palette.BAD}.get(item.accepted)  # type: ignore[arg-type]
                    if colour:
                        cell.setForeground(QColor(colour))
                self.table.setItem(r, c, cell)
        self.table.blockSignals(False)
        if adj.items:
            self.table.setCurrentCell(min(row, len(adj.items) - 1), 0)
        left = len(adj.pending)
        self.status.setText(
            f"{left} item(s) undecided" if left else "All items decided: write the consensus key"
        )
        self.warning.setText("\n".join(f"⚠ {w}" for w in self.mismatches()))
        self.viewer.view.update()

    def mismatches(self) -> list[str]:
        """Count-versus-marks disagreements of the consensus the decisions so far would give."""
        from imgtrainer.annotate.adjudicate import count_mark_mismatches
        from imgtrainer.errors import ImgTrainerError
        from imgtrainer.library.case_io import load_case
        from imgtrainer.library.taxonomy_io import load_taxonomy

        if self.adj is None or self.folder is None or self.adj.pending:
            return []
        try:
            key = self.adj.consensus(self.adjudicator)
            questions = load_taxonomy(load_case(self.folder).domain).questions
        except ImgTrainerError:
            return []
        return count_mark_mismatches(key, list(questions))

    def current_item(self) -> AdjudicationItem | None:
        r = self.table.currentRow()
        return self.adj.items[r] if self.adj is not None and 0 <= r < len(self.adj.items) else None

    def _item_row(self, row: int) -> None:
        item = self.current_item()
        if item is not None and item.mark_index is not None and self.adj is not None:
            mark = self.adj.keys[item.rater].answers[item.question_id].marks[item.mark_index]
            if mark.frame is not None:
                self.viewer_state.set_index(mark.frame)
        self.viewer.view.update()

    def decide(self, accept: bool) -> None:
        """Accept or reject the selected item, then move to the next undecided one."""
        item = self.current_item()
        if item is None or self.adj is None:
            return
        self.adj.decide(item.question_id, item.rater, accept, item.mark_index)
        nxt = next((i for i, it in enumerate(self.adj.items) if it.accepted is None), None)
        self._fill_table()
        if nxt is not None:
            self.table.setCurrentCell(nxt, 0)

    def write_consensus(self) -> None:
        from imgtrainer.library.case_io import save_key

        if self.adj is None or self.folder is None:
            return
        try:
            key = self.adj.consensus(self.adjudicator)
            path = save_key(self.folder, key)
        except Exception as exc:
            self.status.setText(f"Not written: {exc}")
            return
        agreed = ", ".join(key.agreed_by) or "no rater on every answer"
        self.status.setText(f"Wrote {path.name} ({len(key.answers)} answers); agreed on everything: {agreed}")
        self.consensus_written.emit()

    # overlay -----------------------------------------------------------------------------------
    def _paint(self, p: QPainter, geom) -> None:
        adj = self.adj
        if adj is None:
            return
        selected = self.current_item()
        frame = self.viewer_state.index
        on_top = sorted(adj.items, key=lambda it: selected is not None and it.key == selected.key)
        for item in on_top:  # the selected item last, so it is never hidden under another rater's
            answer = adj.keys[item.rater].answers[item.question_id]
            marks = getattr(answer, "marks", None) or []
            chosen = range(len(marks)) if item.mark_index is None else [item.mark_index]
            for i in chosen:
                m = marks[i]
                if m.frame is not None and m.frame != frame:
                    continue
                is_sel = selected is not None and selected.key == item.key
                pen = QPen(QColor(self.colours.get(item.rater, palette.TEXT)), 4 if is_sel else 2)
                if item.accepted is False:
                    pen.setStyle(Qt.PenStyle.DashLine)
                p.setPen(pen)
                p.setBrush(Qt.BrushStyle.NoBrush)
                pts = [QPointF(*geom.to_widget(x + 0.5, y + 0.5)) for x, y in m.points]
                if m.type == "point":
                    for q in pts:
                        p.drawEllipse(q, 5, 5)
                elif m.type == "line":
                    p.drawLine(pts[0], pts[-1])
                elif m.type == "ellipse":
                    p.drawEllipse(QRectF(pts[0], pts[-1]).normalized())
                elif m.type == "polyline":
                    p.drawPolyline(QPolygonF(pts))
                else:
                    p.drawPolygon(QPolygonF(pts))

    def close_clip(self) -> None:
        self.viewer_state.close_clip()
