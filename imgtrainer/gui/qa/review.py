"""The QA review window (faculty only): the queue on the left, the submission's clips in the cine
viewer (calipers, M-mode, lung assist) with the advisory quality panel in the middle, and the
grading on the right: ACEP 1-5 and "view as claimed" per view, the trainee's reading beside the
reviewer's answers, feedback and verdict. Keys: 1-5 ACEP, C view as claimed, Ctrl+PgDown /
Ctrl+PgUp next / previous view, G agree with the selected answer, Ctrl+Return finalise.
Every change is autosaved by the state (``screens.qa.QaState``)."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.gui.viewer.analysis_panel import QualityPanel
from imgtrainer.gui.viewer.cine_viewer import CineViewer
from imgtrainer.gui.workers import run_async
from imgtrainer.screens.qa import VERDICTS, QaState

APPS = ("", "airway", "lung", "gastric", "cardiac", "fast")


class QaWindow(QMainWindow):
    def __init__(self, state: QaState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setWindowTitle(f"QA review of performed scans — {state.reviewer} (faculty only)")
        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.viewer = CineViewer()
        self.viewer.view.placeholder = "Pick a submission in the queue"
        left = self._build_queue()
        self.quality = QualityPanel(self.viewer.state, left)  # the advisory pre-read, under the queue
        left.layout().addWidget(self.quality, 1)
        split.addWidget(left)
        split.addWidget(self.viewer)
        self.grading = self._build_grading()
        self.grading.setEnabled(False)  # until a submission is picked
        split.addWidget(self.grading)
        split.setSizes([380, 760, 560])
        self.setCentralWidget(split)
        self.status = self.statusBar()
        self._keys()
        state.changed.connect(self._on_state)
        state.refresh()

    # building ---------------------------------------------------------------------------------
    def _build_queue(self) -> QWidget:
        box = QWidget(self)
        lay = QVBoxLayout(box)
        title = QLabel("Waiting for review (oldest first)", box)
        title.setObjectName("caseTitle")
        lay.addWidget(title)
        row = QHBoxLayout()
        self.app_box = QComboBox(box)
        for a in APPS:
            self.app_box.addItem(a.title() if a else "All applications", a)
        self.app_box.activated.connect(lambda _i: self.state.set_domain(self.app_box.currentData()))
        row.addWidget(self.app_box)
        self.done_box = QCheckBox("Show reviewed", box)
        self.done_box.toggled.connect(self.state.set_show_done)
        row.addWidget(self.done_box)
        lay.addLayout(row)
        self.queue = QTableWidget(0, 4, box)
        self.queue.setHorizontalHeaderLabels(["Trainee", "App.", "Waited", "Status"])
        self.queue.verticalHeader().setVisible(False)
        self.queue.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.queue.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        head = self.queue.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.queue.itemSelectionChanged.connect(self._queue_picked)
        lay.addWidget(self.queue, 1)
        return box

    def _build_grading(self) -> QWidget:
        box = QWidget(self)
        lay = QVBoxLayout(box)
        self.heading = QLabel("Pick a submission", box)
        self.heading.setObjectName("caseTitle")
        self.heading.setWordWrap(True)
        lay.addWidget(self.heading)
        views = QGroupBox("Views — ACEP image quality (keys 1–5), C = view as claimed", box)
        vl = QVBoxLayout(views)
        self.view_list = QListWidget(views)
        self.view_list.setMaximumHeight(110)
        self.view_list.currentRowChanged.connect(self.state.set_view)
        vl.addWidget(self.view_list)
        acep_row = QHBoxLayout()
        self.acep_buttons = []
        for n in range(1, 6):
            b = QPushButton(str(n), views)
            b.setCheckable(True)
            b.setToolTip(f"ACEP {n}")
            b.clicked.connect(lambda _c, n=n: self.state.set_acep(n))
            acep_row.addWidget(b)
            self.acep_buttons.append(b)
        self.claimed = QCheckBox("View as claimed", views)
        self.claimed.clicked.connect(lambda _c: self.state.toggle_claimed())
        acep_row.addWidget(self.claimed)
        vl.addLayout(acep_row)
        lay.addWidget(views)
        reading = QGroupBox("Interpretation: the trainee's reading and yours (G = agree)", box)
        rl = QVBoxLayout(reading)
        self.reading = QTableWidget(0, 3, reading)
        self.reading.setHorizontalHeaderLabels(["Question", "Trainee", "Reviewer"])
        self.reading.verticalHeader().setVisible(False)
        head = self.reading.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 170), (2, 190)):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            self.reading.setColumnWidth(col, width)
        self.reading.setWordWrap(True)
        self.reading.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        rl.addWidget(self.reading)
        self.decision_note = QLabel("", reading)
        self.decision_note.setWordWrap(True)
        rl.addWidget(self.decision_note)
        lay.addWidget(reading, 1)
        lay.addWidget(QLabel("Feedback to the trainee", box))
        self.feedback = QPlainTextEdit(box)
        self.feedback.setMaximumHeight(90)
        self.feedback.textChanged.connect(lambda: self.state.set_feedback(self.feedback.toPlainText()))
        lay.addWidget(self.feedback)
        vrow = QHBoxLayout()
        self.verdict = QComboBox(box)
        self.verdict.addItem("Verdict…", None)
        for value, label in VERDICTS:
            self.verdict.addItem(label, value)
        self.verdict.activated.connect(lambda _i: self.state.set_verdict(self.verdict.currentData()))
        vrow.addWidget(self.verdict)
        self.reason = QLineEdit(box)
        self.reason.setPlaceholderText("why it does not count / what to redo")
        self.reason.editingFinished.connect(
            lambda: self.state.set_verdict(self.verdict.currentData(), self.reason.text())
        )
        vrow.addWidget(self.reason, 1)
        lay.addLayout(vrow)
        self.final_button = QPushButton("Finalise review (Ctrl+Return)", box)
        self.final_button.setObjectName("primary")
        self.final_button.clicked.connect(self.state.finalise)
        lay.addWidget(self.final_button)
        return box

    def _keys(self) -> None:
        """Window actions (as the main window's shortcuts), so they work whatever has focus."""
        keys = [(str(n), lambda n=n: self.state.set_acep(n)) for n in range(1, 6)]
        keys += [
            ("C", self.state.toggle_claimed),
            ("Ctrl+PgDown", lambda: self._step_view(1)),
            ("Ctrl+PgUp", lambda: self._step_view(-1)),
            ("G", self._agree_selected),
            ("Ctrl+Return", self.state.finalise),
        ]
        for key, slot in keys:
            act = QAction(self)
            act.setShortcut(QKeySequence(key))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(lambda _c=False, slot=slot: slot())
            self.addAction(act)

    # actions ----------------------------------------------------------------------------------
    def _queue_picked(self) -> None:
        rows = self.queue.selectionModel().selectedRows()
        if rows:
            item = self.queue.item(rows[0].row(), 0)
            self.state.open(item.data(Qt.ItemDataRole.UserRole))

    def _step_view(self, step: int) -> None:
        self.state.set_view(self.state.view_index + step)

    def _agree_selected(self) -> None:
        row = self.reading.currentRow()
        if 0 <= row < len(self.state.lines):
            self.state.agree(self.state.lines[row].question_id)

    def _pick_answer(self, question_id: str, box: QComboBox) -> None:
        self.state.set_answer(question_id, box.currentData())

    # redraw -----------------------------------------------------------------------------------
    def _on_state(self, topic: str) -> None:
        if topic == "queue":
            self._draw_queue()
        elif topic == "submission":
            self._draw_submission()
        elif topic in ("review", "view"):
            self._draw_review()
            if topic == "view":
                self._load_clip()
        elif topic == "message":
            self.status.showMessage(self.state.message, 8000)

    def _draw_queue(self) -> None:
        self.queue.blockSignals(True)
        self.queue.setRowCount(len(self.state.items))
        for r, it in enumerate(self.state.items):
            cells = [it.trainee, it.domain, f"{it.days_waiting} d", it.status.replace("_", " ")]
            for c, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, it.id)
                cell.setToolTip(f"{it.id} · performed {it.performed_on} · {it.views} view(s)")
                self.queue.setItem(r, c, cell)
        self.queue.blockSignals(False)

    def _draw_submission(self) -> None:
        st, sub = self.state, self.state.submission
        assert sub is not None and st.review is not None
        self.grading.setEnabled(True)
        self.heading.setText(
            f"{sub.trainee} — {sub.domain}, performed {sub.performed_on} · supervision {sub.supervision}"
        )
        self.viewer.state.set_assist_domain(sub.domain)
        self.viewer.state.set_show_assist(sub.domain == "lung")
        self.viewer.state.set_show_quality(True)
        self.reading.setRowCount(len(st.lines))
        for r, line in enumerate(st.lines):
            self.reading.setItem(r, 0, QTableWidgetItem(line.prompt))
            self.reading.setItem(r, 1, QTableWidgetItem(line.trainee))
            box = QComboBox(self.reading)
            box.addItem("—", None)
            for value, label in line.choices:
                box.addItem(label, value)
            box.setCurrentIndex(max(0, box.findData(line.reviewer)) if line.reviewer is not None else 0)
            box.activated.connect(lambda _i, q=line.question_id, b=box: self._pick_answer(q, b))
            self.reading.setCellWidget(r, 2, box)
        self.reading.resizeRowsToContents()
        self.decision_note.setText(f"Trainee's decision: {sub.decision_note}" if sub.decision_note else "")
        self.feedback.blockSignals(True)
        self.feedback.setPlainText(st.review.feedback)
        self.feedback.blockSignals(False)
        self.reason.setText(st.review.reason)
        self.verdict.setCurrentIndex(max(0, self.verdict.findData(st.review.verdict)))
        self._draw_review()
        self._load_clip()

    def _draw_review(self) -> None:
        st = self.state
        if st.review is None:
            return
        self.view_list.blockSignals(True)
        self.view_list.clear()
        for i, ref in enumerate(st.case.media):
            g = st.grade(i)
            graded = (
                f"ACEP {g.acep}, {'as claimed' if g.view_as_claimed else 'NOT as claimed'}"
                if g
                else "not graded"
            )
            self.view_list.addItem(f"View {i + 1} — {ref.label or 'view not named'}: {graded}")
        self.view_list.setCurrentRow(st.view_index)
        self.view_list.blockSignals(False)
        g = st.grade()
        for n, b in enumerate(self.acep_buttons, 1):
            b.setChecked(bool(g and g.acep == n))
        self.claimed.setChecked(bool(g.view_as_claimed) if g else True)
        for r, line in enumerate(st.lines):
            box = self.reading.cellWidget(r, 2)
            if isinstance(box, QComboBox) and line.reviewer is not None:
                box.setCurrentIndex(max(0, box.findData(line.reviewer)))
        final = st.review.final
        for w in (
            self.final_button,
            self.feedback,
            self.verdict,
            self.reason,
            self.claimed,
            *self.acep_buttons,
        ):
            w.setEnabled(not final)

    def _load_clip(self) -> None:
        paths = self.state.media_paths()
        if not paths:
            return
        path = paths[self.state.view_index]
        from imgtrainer.media import open_clip

        run_async(
            lambda: open_clip(path),
            lambda clip: self.viewer.state.set_clip(clip),
            lambda exc: self.status.showMessage(f"{path.name}: {exc}", 10000),
        )
