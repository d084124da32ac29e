"""The annotation page: case list, the shared cine viewer with keyed marks, and the key editor.

Keyboard-first: every action has a key (see ``FACULTY_SHORTCUTS``); the window binds them.
The header always names whose key is being edited and the file it is saved to.
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.gui.faculty.answer_editors import AnswerEditor
from imgtrainer.gui.faculty.editors import make_editor
from imgtrainer.gui.faculty.marks_view import KeyedFramesStrip, KeyMarksOverlay, show_tools
from imgtrainer.gui.viewer.cine_viewer import CineViewer
from imgtrainer.gui.widgets import palette
from imgtrainer.gui.workers import run_async
from imgtrainer.screens.faculty.annotation import AnnotationState, case_folders
from imgtrainer.screens.labels import PROBE_TITLES
from imgtrainer.screens.viewer.state import ViewerState

STEP_TITLES = {
    "indication": "INDICATION",
    "acquisition": "ACQUISITION",
    "interpretation": "INTERPRETATION",
    "decision": "MEDICAL DECISION-MAKING",
}
DIFFICULTY = ("1 · introductory", "2 · intermediate", "3 · advanced")


class AnnotationPage(QWidget):
    """Case list | viewer | key editor, bound to one ``AnnotationState``."""

    def __init__(self, library: Path, rater: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = Path(library)
        self.viewer_state = ViewerState()
        self.state = AnnotationState(self.viewer_state, rater)
        self.editor: AnswerEditor | None = None
        self._clip_path: Path | None = None

        self.cases = QListWidget(self)
        self.cases.setAccessibleName("Cases")
        self.cases.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.cases.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.cases.itemActivated.connect(
            lambda item: self.open_case(Path(item.data(Qt.ItemDataRole.UserRole)))
        )
        self.cases.itemClicked.connect(lambda item: self.open_case(Path(item.data(Qt.ItemDataRole.UserRole))))
        self.viewer = CineViewer(self.viewer_state, self)
        show_tools(
            self.viewer,
            ["navigate", "window_level", "distance", "ellipse", "trace", "point", "line", "polygon"],
        )
        self.overlay = KeyMarksOverlay(self.state, self.viewer.view)
        self.strip = KeyedFramesStrip(self.state, self.viewer)
        lay = self.viewer.layout()
        lay.insertWidget(lay.indexOf(self.viewer.timeline) + 1, self.strip)
        side = self._build_side()
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.cases)
        split.addWidget(self.viewer)
        split.addWidget(side)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 1)
        split.setSizes([210, 820, 420])
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(split)
        self.state.changed.connect(self._on_state)
        self.refresh_cases()

    # layout ------------------------------------------------------------------------------------
    def _build_side(self) -> QWidget:
        side = QWidget(self)
        side.setObjectName("sidePanel")
        v = QVBoxLayout(side)
        v.setContentsMargins(8, 6, 8, 6)
        self.who = QLabel("", side)
        self.who.setObjectName("disclaimer")
        self.who.setWordWrap(True)
        self.title = QLabel("Choose a case on the left", side)
        self.title.setObjectName("caseTitle")
        self.title.setWordWrap(True)
        self.questions = QListWidget(side)
        self.questions.setAccessibleName("Questions")
        self.questions.setMinimumHeight(240)
        self.questions.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.questions.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.questions.currentRowChanged.connect(self._question_row)
        self.answer_box = QGroupBox("Answer", side)
        self.answer_layout = QVBoxLayout(self.answer_box)
        self.prompt = QLabel("", self.answer_box)
        self.prompt.setWordWrap(True)
        self.answer_layout.addWidget(self.prompt)
        self.problem = QLabel("", side)
        self.problem.setObjectName("errorLabel")
        self.problem.setWordWrap(True)
        case_box = QGroupBox("Case details (what trainees read)", side)
        form = QFormLayout(case_box)
        self.case_title = QLineEdit(case_box)
        self.case_title.setPlaceholderText("Shown to trainees once they have answered")
        self.probe = QComboBox(case_box)
        for pid, label in PROBE_TITLES.items():
            self.probe.addItem(label, pid)
        self.probe.activated.connect(lambda _i: self.state.update_case(probe=self.probe.currentData()))
        self.indication = QLineEdit(case_box)
        self.indication.setPlaceholderText("Why the scan is done")
        self.context = QPlainTextEdit(case_box)
        self.context.setPlaceholderText("The patient's story trainees read before answering")
        self.context.setMaximumHeight(64)
        self.difficulty = QComboBox(case_box)
        self.difficulty.addItems(DIFFICULTY)
        self.difficulty.activated.connect(lambda i: self.state.update_case(difficulty=i + 1))
        self.teaching = QPlainTextEdit(case_box)
        self.teaching.setPlaceholderText("Teaching points, one per line")
        self.teaching.setMaximumHeight(80)
        self._teach_timer = QTimer(self)
        self._teach_timer.setSingleShot(True)
        self._teach_timer.setInterval(700)
        self._teach_timer.timeout.connect(self.commit_teaching)
        self.teaching.textChanged.connect(self._teach_timer.start)
        for edit in (self.case_title, self.indication):
            edit.textEdited.connect(lambda _t: self._teach_timer.start())
            edit.editingFinished.connect(self.commit_teaching)
        self.context.textChanged.connect(self._teach_timer.start)
        form.addRow("Title", self.case_title)
        form.addRow("Clinical context", self.context)
        form.addRow("Indication", self.indication)
        form.addRow("Probe", self.probe)
        form.addRow("Difficulty", self.difficulty)
        form.addRow("Teaching points", self.teaching)
        buttons = QHBoxLayout()
        self.undo_button = QPushButton("Undo", side)
        self.undo_button.setToolTip("Ctrl+Z")
        self.undo_button.clicked.connect(self.state.undo)
        self.redo_button = QPushButton("Redo", side)
        self.redo_button.setToolTip("Ctrl+Shift+Z")
        self.redo_button.clicked.connect(self.state.redo)
        self.next_button = QPushButton("Save and next ▶", side)
        self.next_button.setObjectName("primary")
        self.next_button.setToolTip("Ctrl+Enter: the key is saved after every edit; this opens the next case")
        self.next_button.clicked.connect(self.save_and_next)
        for b in (self.undo_button, self.redo_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        self.saved = QLabel("", side)
        self.saved.setObjectName("hint")
        inner = QWidget(side)
        iv = QVBoxLayout(inner)
        iv.setContentsMargins(0, 0, 0, 0)
        for w in (self.title, self.questions, self.answer_box, self.problem, case_box):
            iv.addWidget(w)
        iv.addStretch(1)
        scroll = QScrollArea(side)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        v.addWidget(self.who)
        v.addWidget(scroll, 1)
        v.addLayout(buttons)
        v.addWidget(self.saved)
        self._update_who()
        return side

    def _update_who(self) -> None:
        key = self.state.key_file
        where = f" · saving to {key.parent.name}/{key.name}" if key else ""
        self.who.setText(f"Rater: {self.state.rater} — you are editing your own key{where}")

    # cases -------------------------------------------------------------------------------------
    def refresh_cases(self) -> None:
        from imgtrainer.library.case_io import key_path, load_case

        folders = case_folders(self.library) if self.library.is_dir() else []
        self.state.set_folders(folders)
        self.cases.clear()
        for folder in folders:
            try:
                case = load_case(folder)
                label = f"{case.title}\n{case.domain} · {case.status}"
            except Exception as exc:  # a broken case.json is listed, not fatal
                label = f"{folder.name}\n(cannot read: {type(exc).__name__})"
            mine = key_path(folder, self.state.rater).is_file()
            item = QListWidgetItem(label + (" · ✓ your key" if mine else ""))
            item.setData(Qt.ItemDataRole.UserRole, str(folder))
            item.setToolTip(f"{folder.name}" + (" — you have a key for this case" if mine else ""))
            self.cases.addItem(item)

    def open_case(self, folder: Path) -> None:
        """Open a case: the key at once, the clip off the GUI thread."""
        from imgtrainer.library.case_io import media_path
        from imgtrainer.media import open_clip

        self.commit_pending()
        try:
            self.state.open(folder)
        except Exception as exc:
            self.problem.setText(f"Cannot open {Path(folder).name}: {exc}")
            return
        for i in range(self.cases.count()):
            if Path(self.cases.item(i).data(Qt.ItemDataRole.UserRole)) == Path(folder):
                self.cases.setCurrentRow(i)
        path = media_path(folder, self.state.session.case)  # type: ignore[union-attr]
        self._clip_path = path

        def loaded(clip) -> None:
            if self._clip_path != path:
                clip.close()
                return
            self.viewer_state.set_clip(clip)

        run_async(
            lambda: open_clip(path), loaded, lambda exc: self.problem.setText(f"Cannot open the clip: {exc}")
        )

    def save_and_next(self) -> None:
        self.commit_pending()
        if self.state.session is not None:
            try:
                self.state.session.save()
            except Exception as exc:
                self.problem.setText(str(exc))
                return
        nxt = self.state.next_folder()
        self.refresh_cases()
        if nxt is None:
            self.saved.setText("Saved. That was the last case in this folder.")
            return
        self.open_case(nxt)

    def commit_pending(self) -> None:
        """Commit text typed but not yet committed (teaching points, decision texts)."""
        if self._teach_timer.isActive():
            self.commit_teaching()
        commit = getattr(self.editor, "commit", None)
        if (
            commit is not None
            and getattr(self.editor, "_timer", None) is not None
            and self.editor._timer.isActive()
        ):  # type: ignore[union-attr]
            commit()

    def commit_teaching(self) -> None:
        """Commit the typed case texts: title, context, indication, teaching points (one undo step each)."""
        self._teach_timer.stop()
        session = self.state.session
        if session is None:
            return
        points = [line.strip() for line in self.teaching.toPlainText().splitlines() if line.strip()]
        title = self.case_title.text().strip()
        patient = {
            **session.case.patient.model_dump(mode="json"),
            "clinical_context": self.context.toPlainText().strip(),
        }
        fields = {"teaching_points": points, "indication": self.indication.text().strip(), "patient": patient}
        if title:  # a case needs a title: an emptied field keeps the old one
            fields["title"] = title
        self.state.update_case(**fields)

    # state -> widgets --------------------------------------------------------------------------
    def _question_row(self, row: int) -> None:
        item = self.questions.item(row) if row >= 0 else None
        qid = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if qid:
            self.state.select_question(qid)

    def _on_state(self, topic: str) -> None:
        st = self.state
        if topic == "problem":
            self.problem.setText(st.problem)
            self.viewer_state.set_message(st.problem)
            return
        if topic in ("case", "folders"):
            self._update_who()
        if topic == "case" and st.session is not None:
            case = st.session.case
            self.title.setText(f"{case.title}  ({case.id})")
            self._load_case_fields()
        if topic in ("case", "key", "question", "selection"):
            self._fill_questions()
        if topic in ("case", "question"):
            self._build_editor()
        elif topic in ("key", "selection") and self.editor is not None:
            self.editor.load()
            if topic == "key":
                self._load_case_fields()
        if topic == "key" and st.session is not None:
            self.saved.setText(f"Saved to {st.key_file.parent.name}/{st.key_file.name}")  # type: ignore[union-attr]
        self.undo_button.setEnabled(bool(st.session and st.session.can_undo))
        self.redo_button.setEnabled(bool(st.session and st.session.can_redo))

    def _load_case_fields(self) -> None:
        case = self.state.session.case  # type: ignore[union-attr]
        self.difficulty.setCurrentIndex(case.difficulty - 1)
        self.probe.setCurrentIndex(max(0, self.probe.findData(case.probe)))
        typing = self._teach_timer.isActive()
        for edit, value in ((self.case_title, case.title), (self.indication, case.indication)):
            if edit.text() != value and not (typing or edit.hasFocus()):
                edit.setText(value)
        context = case.patient.clinical_context
        if self.context.toPlainText().strip() != context.strip() and not typing:
            self.context.blockSignals(True)
            self.context.setPlainText(context)
            self.context.blockSignals(False)
        text = "\n".join(case.teaching_points)
        if self.teaching.toPlainText().strip() != text.strip() and not self._teach_timer.isActive():
            self.teaching.blockSignals(True)
            self.teaching.setPlainText(text)
            self.teaching.blockSignals(False)

    def _fill_questions(self) -> None:
        """Questions grouped under their I-AIM step; ✓ = keyed by this rater."""
        st = self.state
        self.questions.blockSignals(True)
        self.questions.clear()
        step = None
        for q in st.questions:
            if q.step != step:
                step = q.step
                head = QListWidgetItem(STEP_TITLES[step])
                head.setFlags(Qt.ItemFlag.NoItemFlags)
                head.setForeground(QColor(palette.ACCENT))
                self.questions.addItem(head)
            mark = "✓" if st.keyed(q.id) else "  ·"
            item = QListWidgetItem(f"{mark}  {q.prompt}")
            item.setData(Qt.ItemDataRole.UserRole, q.id)
            item.setToolTip(f"{q.id} ({q.kind.replace('_', ' ')})")
            self.questions.addItem(item)
            if q.id == st.current:
                self.questions.setCurrentItem(item)
        self.questions.blockSignals(False)

    def _build_editor(self) -> None:
        if self.editor is not None:
            self.answer_layout.removeWidget(self.editor)
            self.editor.hide()
            self.editor.setParent(None)
            self.editor.deleteLater()
            self.editor = None
        q = self.state.question()
        if q is None or self.state.session is None:
            self.prompt.setText("")
            return
        self.answer_box.setTitle(f"Answer · {q.step} · {q.kind.replace('_', ' ')}")
        prompt = q.prompt + (f"\n{q.help}" if q.help else "")
        if q.kind == "findings":  # the trainee's wording, and what it means for the key
            prompt = f"Trainees are asked: \u201c{q.prompt}\u201d"
        self.prompt.setText(prompt)
        self.editor = make_editor(self.state, q, self.answer_box)
        self.answer_layout.addWidget(self.editor)

    def answer_digit(self, digit: int) -> bool:
        return bool(self.editor is not None and self.editor.choose(digit))

    def set_rater(self, rater: str) -> None:
        """Switch rater without logging out: the open case shows the new rater's key."""
        self.commit_pending()
        self.state.set_rater(rater)
        self._update_who()
        self.refresh_cases()

    def close_clip(self) -> None:
        self.viewer_state.close_clip()
