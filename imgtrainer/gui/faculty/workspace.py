"""The faculty workspace window: Import review, Annotate, Agreement, Adjudicate.

It can only be built behind an unlocked ``FacultyGate`` (the password), so trainee mode has no
way to open keys or annotation tools. Keys act on the Annotate page; one table lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.annotate.auth import AuthError
from imgtrainer.gui.faculty.adjudication import AdjudicationPage
from imgtrainer.gui.faculty.agreement import AgreementPage
from imgtrainer.gui.faculty.annotation_panel import AnnotationPage
from imgtrainer.gui.faculty.import_review import ImportReviewPage
from imgtrainer.gui.faculty.login import FacultyGate

TABS = ("review", "annotate", "agreement", "adjudicate")


@dataclass(frozen=True)
class FacultyShortcut:
    action: str  # FacultyWindow method
    keys: tuple[str, ...]
    description: str


FACULTY_SHORTCUTS: tuple[FacultyShortcut, ...] = (
    FacultyShortcut("undo", ("Ctrl+Z",), "Undo the last key edit"),
    FacultyShortcut("redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo"),
    FacultyShortcut("save_and_next", ("Ctrl+Return", "Ctrl+Enter"), "Save and open the next case"),
    FacultyShortcut("toggle_play", ("Space",), "Play / pause"),
    FacultyShortcut("step_back", ("Left",), "Previous frame"),
    FacultyShortcut("step_forward", ("Right",), "Next frame"),
    FacultyShortcut("back_10", ("Shift+Left",), "10 frames back"),
    FacultyShortcut("forward_10", ("Shift+Right",), "10 frames on"),
    FacultyShortcut("next_question", ("PgDown", "J"), "Next question"),
    FacultyShortcut("previous_question", ("PgUp", "K"), "Previous question"),
    FacultyShortcut("tool_point", ("P",), "Point tool"),
    FacultyShortcut("tool_line", ("L",), "Line tool (B-line, pleural line)"),
    FacultyShortcut("tool_polygon", ("G",), "Polygon tool (effusion, antrum): click corners, double-click"),
    FacultyShortcut("tool_distance", ("D",), "Distance caliper (cm)"),
    FacultyShortcut("tool_ellipse", ("E",), "Ellipse area caliper (cm²)"),
    FacultyShortcut("tool_trace", ("T",), "Traced area caliper (cm²)"),
    FacultyShortcut("tool_pan", ("V",), "Pan / select (wheel zooms anywhere)"),
    FacultyShortcut("zoom_in", ("+", "="), "Zoom in"),
    FacultyShortcut("zoom_out", ("-",), "Zoom out"),
    FacultyShortcut("reset_view", ("0",), "Reset zoom and window/level"),
    FacultyShortcut("delete_mark", ("Delete", "Backspace"), "Delete the selected mark"),
    FacultyShortcut("copy_mark", ("C",), "Copy the selected mark to the neighbouring frames"),
    FacultyShortcut("range_start", ("[",), "Frame range starts here"),
    FacultyShortcut("range_end", ("]",), "Frame range ends here"),
    FacultyShortcut("add_range", ("R",), "Add the selected frames to the frame-range question"),
    FacultyShortcut("show_help", ("F1",), "This list"),
)
DIGIT_HELP = (
    ("1–9", "Choose option 1–9 of the current category / grade question"),
    ("Alt+0 … Alt+9", "Choose option 10–19 (Alt adds ten)"),
)


class FacultyWindow(QMainWindow):
    library_changed = pyqtSignal()  # the review gate's inputs changed: trainee views re-scan

    def __init__(self, library: Path, gate: FacultyGate, home: Path, parent: QWidget | None = None) -> None:
        if not gate.unlocked:
            raise AuthError("faculty tools need the faculty password")
        super().__init__(parent)
        self.gate = gate
        self.library = Path(library)
        rater = gate.rater or ""
        self.setWindowTitle(f"imgtrainer — Faculty workspace — {rater} — {self.library}")
        self.tabs = QTabWidget(self)
        self.review = ImportReviewPage(self.library, rater, home, self)
        self.annotate = AnnotationPage(self.library, rater, self)
        self.agreement = AgreementPage(self.library, self)
        self.adjudicate = AdjudicationPage(self.library, rater, self)
        self.tabs.addTab(self.review, "Import review")
        self.tabs.addTab(self.annotate, "Annotate")
        self.tabs.addTab(self.agreement, "Agreement")
        self.tabs.addTab(self.adjudicate, "Adjudicate")
        self.setCentralWidget(self.tabs)
        self.tabs.currentChanged.connect(self._tab)
        self.review.changed.connect(self.annotate.refresh_cases)
        # approve / reject / re-mask, and a written consensus key, change what trainees may see
        self.review.changed.connect(self.library_changed.emit)
        self.adjudicate.consensus_written.connect(self.library_changed.emit)
        menu = self.menuBar().addMenu("&Faculty")
        menu.addAction("Switch rater…", self.ask_switch_rater)
        menu.addAction("Log out and close", self.log_out)
        self.menuBar().addMenu("&Help").addAction("Faculty keyboard shortcuts", self.show_help)
        self._bind()
        self.statusBar().showMessage(f"Logged in as {rater}: your edits go to keys/<your name>.json only")
        self.tabs.setCurrentIndex(TABS.index("annotate") if not self.review.queue.count() else 0)
        self._tab(self.tabs.currentIndex())

    def _bind(self) -> None:
        """Window-wide keys; all but F1 act only while the Annotate page is shown (so the
        adjudication page's A / R and text fields elsewhere are never shadowed)."""
        self.annotate_actions: list[QAction] = []
        for sc in FACULTY_SHORTCUTS:
            act = QAction(sc.description, self)
            act.setShortcuts([QKeySequence(k) for k in sc.keys])
            act.triggered.connect(getattr(self, sc.action))
            self.addAction(act)
            if sc.action != "show_help":
                self.annotate_actions.append(act)
        for d, key in [(d, str(d)) for d in range(1, 10)] + [(10 + d, f"Alt+{d}") for d in range(10)]:
            act = QAction(self)
            act.setShortcut(QKeySequence(key))
            act.triggered.connect(lambda _=False, digit=d: self.annotate.answer_digit(digit))
            self.addAction(act)
            self.annotate_actions.append(act)

    def _tab(self, index: int) -> None:
        if TABS[index] == "agreement":
            self.agreement.refresh()
        elif TABS[index] == "adjudicate":
            self.adjudicate.refresh()
        elif TABS[index] == "annotate":
            self.annotate.refresh_cases()
        for act in self.annotate_actions:
            act.setEnabled(TABS[index] == "annotate")
        if TABS[index] != "annotate":
            self.annotate.viewer_state.pause()

    def show_tab(self, name: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(name))

    # annotate-page keys -----------------------------------------------------------------------
    @property
    def _st(self):
        return self.annotate.state

    @property
    def _vs(self):
        return self.annotate.viewer_state

    def undo(self) -> None:
        self._st.undo()

    def redo(self) -> None:
        self._st.redo()

    def save_and_next(self) -> None:
        self.annotate.save_and_next()

    def toggle_play(self) -> None:
        self._vs.toggle_play()

    def step_back(self) -> None:
        self._vs.step(-1)

    def step_forward(self) -> None:
        self._vs.step(+1)

    def back_10(self) -> None:
        self._vs.step(-10)

    def forward_10(self) -> None:
        self._vs.step(+10)

    def next_question(self) -> None:
        self._st.step_question(+1)

    def previous_question(self) -> None:
        self._st.step_question(-1)

    def _tool(self, tool: str) -> None:
        self._vs.set_tool(tool)

    def tool_point(self) -> None:
        self._tool("point")

    def tool_line(self) -> None:
        self._tool("line")

    def tool_polygon(self) -> None:
        self._tool("polygon")

    def tool_distance(self) -> None:
        self._tool("distance")

    def tool_ellipse(self) -> None:
        self._tool("ellipse")

    def tool_trace(self) -> None:
        self._tool("trace")

    def tool_pan(self) -> None:
        self._tool("navigate")

    def zoom_in(self) -> None:
        self._vs.set_zoom(self._vs.zoom * 1.25)

    def zoom_out(self) -> None:
        self._vs.set_zoom(self._vs.zoom / 1.25)

    def reset_view(self) -> None:
        self._vs.reset_view()

    def delete_mark(self) -> None:
        self._st.delete_selected()

    def copy_mark(self) -> None:
        self._st.copy_selected()

    def range_start(self) -> None:
        self._vs.range_mark_start()

    def range_end(self) -> None:
        self._vs.range_mark_end()

    def add_range(self) -> None:
        self._st.add_range()

    def show_help(self) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle("Faculty keyboard shortcuts")
        rows = [(" / ".join(sc.keys), sc.description) for sc in FACULTY_SHORTCUTS] + list(DIGIT_HELP)
        table = QTableWidget(len(rows), 2, dialog)
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        table.verticalHeader().setVisible(False)
        for r, (k, d) in enumerate(rows):
            table.setItem(r, 0, QTableWidgetItem(k))
            table.setItem(r, 1, QTableWidgetItem(d))
        table.resizeColumnsToContents()
        v = QVBoxLayout(dialog)
        v.addWidget(
            QLabel(
                "Mouse: drag a small handle to move a point; wheel zooms; right-drag sets window/level.",
                dialog,
            )
        )
        v.addWidget(table)
        dialog.resize(620, 640)
        dialog.exec()

    def ask_switch_rater(self) -> bool:
        """Another faculty member takes over this workspace: name and password, no logout."""
        from imgtrainer.gui.faculty.login import FacultyLoginDialog

        dialog = FacultyLoginDialog(self.gate, self)
        dialog.setWindowTitle("Switch rater")
        if not dialog.exec():
            return False
        self.apply_rater()
        return True

    def switch_rater(self, rater: str, password: str) -> None:
        """Log ``rater`` in (the faculty password) and give every page the new rater."""
        self.gate.unlock(rater, password)
        self.apply_rater()

    def apply_rater(self) -> None:
        rater = self.gate.rater or ""
        self.annotate.set_rater(rater)
        self.review.reviewer = rater
        self.adjudicate.adjudicator = rater
        self.setWindowTitle(f"imgtrainer — Faculty workspace — {rater} — {self.library}")
        self.statusBar().showMessage(f"Now rating as {rater}: your edits go to keys/<your name>.json only")

    def log_out(self) -> None:
        self.gate.lock()
        self.close()

    def closeEvent(self, ev) -> None:
        """Closing the workspace also logs out, so a trainee at the same PC cannot reopen it."""
        self.annotate.commit_pending()
        self.annotate.close_clip()
        self.adjudicate.close_clip()
        super().closeEvent(ev)
        if self.gate.unlocked:
            self.gate.lock()
