"""The main window: Library, Case (viewer + practice) and Progress pages, menus and shortcuts."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QEvent, Qt, QTimer
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from imgtrainer.gui.dialogs import AboutDialog, ShortcutsDialog
from imgtrainer.gui.library.browser import LibraryBrowser
from imgtrainer.gui.progress.screen import ProgressScreen
from imgtrainer.gui.viewer.analysis_panel import QualityPanel
from imgtrainer.gui.viewer.cine_viewer import CineViewer
from imgtrainer.gui.workers import pending, run_async
from imgtrainer.media.clip import Clip
from imgtrainer.screens.context import AppContext
from imgtrainer.screens.labels import case_label
from imgtrainer.screens.shortcuts import SHORTCUTS, digit_for_key
from imgtrainer.screens.viewer.state import ViewerState

PAGES = ("library", "case", "progress")


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext | None = None) -> None:
        super().__init__()
        self.ctx = ctx or AppContext()
        self.setWindowTitle("imgtrainer — POCUS interpretation trainer (educational use, not for diagnosis)")
        self.setAcceptDrops(True)
        self.viewer_state = ViewerState()
        self.viewer = CineViewer(self.viewer_state, self)
        self.side = QWidget(self)
        self.side.setObjectName("sidePanel")
        self.side_layout = QVBoxLayout(self.side)
        self.side_layout.setContentsMargins(6, 6, 6, 6)
        self.case_title = QLabel("", self.side)
        self.case_title.setObjectName("caseTitle")
        self.case_title.setWordWrap(True)
        self.case_title.setVisible(False)
        self.side_layout.addWidget(self.case_title)
        self.side_split = QSplitter(Qt.Orientation.Vertical, self.side)
        self.side_layout.addWidget(self.side_split, 1)
        self.quality_panel = QualityPanel(self.viewer_state, self.side_split)
        self.side_split.addWidget(self.quality_panel)
        self.split = QSplitter(Qt.Orientation.Horizontal, self)
        self.split.addWidget(self.viewer)
        self.split.addWidget(self.side)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([860, 500])  # 500 px: every finding, view and grade on one line at 1366
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("pages")
        self.library_page = LibraryBrowser(self.ctx, parent=self)
        self.library_page.on_open = self.open_case
        self.library_page.on_practice = self.practise_next
        self.progress_page = ProgressScreen(self.ctx, self)
        self.tabs.addTab(self.library_page, "Library")
        self.tabs.addTab(self.split, "Case")
        self.tabs.addTab(self.progress_page, "Progress")
        self.setCentralWidget(self.tabs)
        self.tabs.currentChanged.connect(self._page_changed)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # indeterminate: shown while work runs off the GUI thread
        self.busy.setMaximumWidth(140)
        self.busy.setMaximumHeight(12)
        self.busy.setToolTip("Working in the background…")
        self.busy.setVisible(False)
        self.statusBar().addPermanentWidget(self.busy)
        self._busy_timer = QTimer(self)
        self._busy_timer.timeout.connect(self._update_busy)
        self._busy_timer.start(150)
        self._build_menus()
        self._bind_shortcuts()
        self.viewer_state.changed.connect(self._on_viewer_state)
        self._update_status()
        self._painted_once = False
        self._started = False
        self.tabs.installEventFilter(self)
        QTimer.singleShot(1500, self._after_first_paint)  # in case no paint ever comes (hidden window)

    def eventFilter(self, obj, ev) -> bool:
        if obj is self.tabs and ev.type() == QEvent.Type.Paint and not self._painted_once:
            self._painted_once = True
            QTimer.singleShot(0, self._after_first_paint)
        return super().eventFilter(obj, ev)

    def _after_first_paint(self) -> None:
        """What waits until the window is on screen: the library query (its imports hold the GIL)
        and the practice panel and Faculty menu (heavier imports)."""
        if self._started:
            return
        self._started = True
        self.tabs.removeEventFilter(self)
        self.library_page.refresh()
        self.ensure_practice()
        self.ensure_faculty_menu()
        self.sync_department()

    def sync_department(self) -> None:
        """A laptop with a department store configured syncs into it in the background."""
        from imgtrainer.screens.services import department_sync

        def done(msg: str | None) -> None:
            if msg:
                self.statusBar().showMessage(msg, 10000)

        run_async(lambda: department_sync(self.ctx), done, lambda exc: done(f"department sync failed: {exc}"))

    def ensure_faculty_menu(self) -> None:
        """The Faculty menu (keys and annotation tools stay locked until faculty login), before Help."""
        if hasattr(self, "faculty"):
            return
        from imgtrainer.gui.faculty.entry import FacultyMenu

        self.faculty = FacultyMenu(self)
        from imgtrainer.gui.cohort.entry import CohortEntry

        self.cohort_entry = CohortEntry(
            self, self.faculty.menu, self.faculty.gate, self.open_trainee_progress
        )
        from imgtrainer.gui.qa.entry import QaEntry

        self.qa_entry = QaEntry(self, self.faculty.menu, self.faculty.gate)
        bar = self.menuBar()
        bar.removeAction(self.help_menu.menuAction())
        bar.addAction(self.help_menu.menuAction())

    def open_trainee_progress(self, trainee_id: str, name: str) -> QWidget:
        """The cohort's drill-down: that trainee's progress screen in its own window."""
        from dataclasses import replace

        ctx = replace(self.ctx, trainee=trainee_id, _engine=None)
        page = ProgressScreen(ctx)
        page.setWindowTitle(f"Progress — {name}")
        page.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        page.resize(1300, 820)
        page.show()
        page.refresh()
        self._drill_downs = [*getattr(self, "_drill_downs", []), page]
        return page

    def ensure_practice(self) -> None:
        """Build the practice panel and its controller (pydantic models, scoring) once."""
        if hasattr(self, "practice"):
            return
        from imgtrainer.gui.practice.controller import PracticeController
        from imgtrainer.gui.practice.panel import PracticePanel
        from imgtrainer.screens.practice import PracticeState

        self.practice_state = PracticeState(gate_application=True)
        self.practice_panel = PracticePanel(self.practice_state, self.viewer_state, self.side)
        self.side_split.insertWidget(0, self.practice_panel)
        self.side_split.setStretchFactor(0, 3)
        self.side_split.setStretchFactor(1, 2)
        self.practice = PracticeController(
            self.ctx, self.practice_state, self.viewer_state, self.practice_panel, self
        )
        self.practice.failed.connect(self._practice_failed)
        self.practice.case_opened.connect(self._case_opened)
        self.practice.finished.connect(self._progress_dirty)

    # menus and keys --------------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction("Open file…", self.open_file)
        file_menu.addAction("Switch trainee…", self.switch_trainee)
        file_menu.addSeparator()
        file_menu.addAction("Quit", self.close)
        view_menu = bar.addMenu("&View")
        self.quality_action = view_menu.addAction("Quality panel")
        self.quality_action.setCheckable(True)
        self.quality_action.toggled.connect(self.viewer_state.set_show_quality)
        self.assist_action = view_menu.addAction("Lung-assist overlay")
        self.assist_action.setCheckable(True)
        self.assist_action.toggled.connect(self.viewer_state.set_show_assist)
        view_menu.addAction("Fullscreen", self.toggle_fullscreen)
        self.help_menu = bar.addMenu("&Help")
        self.help_menu.addAction("Keyboard shortcuts", self.show_help)
        self.help_menu.addAction("About imgtrainer", self.show_about)
        from imgtrainer.gui.exam.entry import add_exam_menu

        add_exam_menu(self)  # Exam > Build exam… (faculty) / Take exam…

    def _bind_shortcuts(self) -> None:
        self.shortcut_actions: dict[str, QAction] = {}
        for sc in SHORTCUTS:
            if sc.action in ("answer_digit", "answer_digit_ten"):
                for key in sc.keys:
                    act = QAction(self)
                    act.setShortcut(QKeySequence(key))
                    d = digit_for_key(sc.action, key)
                    act.triggered.connect(lambda _=False, d=d: self.answer_digit(d))
                    self.addAction(act)
                continue
            act = QAction(sc.description, self)
            act.setShortcuts([QKeySequence(k) for k in sc.keys])
            act.triggered.connect(getattr(self, sc.action))
            self.addAction(act)
            self.shortcut_actions[sc.action] = act

    # actions bound to keys ---------------------------------------------------------------------
    def toggle_play(self) -> None:
        self.viewer_state.toggle_play()

    def step_back(self) -> None:
        self.viewer_state.step(-1)

    def step_forward(self) -> None:
        self.viewer_state.step(+1)

    def faster(self) -> None:
        self.viewer_state.faster()

    def slower(self) -> None:
        self.viewer_state.slower()

    def toggle_loop(self) -> None:
        self.viewer_state.set_loop(not self.viewer_state.loop)

    def toggle_loop_range(self) -> None:
        self.viewer_state.set_loop_range(not self.viewer_state.loop_range)

    def range_start(self) -> None:
        self.viewer_state.range_mark_start()

    def range_end(self) -> None:
        self.viewer_state.range_mark_end()

    def undo(self) -> None:
        self.viewer_state.undo()

    def reset_view(self) -> None:
        self.viewer_state.reset_view()

    def toggle_fullscreen(self) -> None:
        self.viewer_state.set_fullscreen(not self.viewer_state.fullscreen)

    def leave_fullscreen(self) -> None:
        if self.viewer_state.fullscreen:
            self.viewer_state.set_fullscreen(False)

    def toggle_quality(self) -> None:
        self.quality_action.setChecked(not self.viewer_state.show_quality)

    def toggle_assist(self) -> None:
        self.viewer_state.set_show_assist(not self.viewer_state.show_assist)

    def answer_digit(self, digit: int) -> None:
        self.ensure_practice()
        panel = getattr(self, "practice_panel", None)
        if panel is not None and self.tabs.currentIndex() == PAGES.index("case"):
            panel.answer_digit(digit)

    def clear_answer(self) -> None:
        """Take back the focused question's answer (a misclick) while the case is still open."""
        self.ensure_practice()
        ps = self.practice_state
        if self.tabs.currentIndex() == PAGES.index("case") and ps.current is not None and not ps.submitted:
            ps.set_answer(ps.current.id, None)

    def next_question(self) -> None:
        self.ensure_practice()
        self.practice_state.set_focus(self.practice_state.focus + 1)

    def previous_question(self) -> None:
        self.ensure_practice()
        self.practice_state.set_focus(self.practice_state.focus - 1)

    def submit(self) -> None:
        self.ensure_practice()
        panel = getattr(self, "practice_panel", None)
        if panel is not None and self.tabs.currentIndex() == PAGES.index("case"):
            panel.submit()

    def next_case(self) -> None:
        self.ensure_practice()
        if self.tabs.currentIndex() == PAGES.index("case"):
            self.practice_panel.next_case()

    def open_case(self, folder: Path) -> None:
        """Open a case folder for practice (from the library, a drop or the queue)."""
        self.ensure_practice()
        self.statusBar().showMessage("Opening the case…")  # not the folder name: it names the finding
        self.practice.open_case(Path(folder))

    def practise_next(self) -> None:
        self.ensure_practice()
        self.statusBar().showMessage("Choosing your next case…")
        self.practice.next_case()

    def _case_opened(self, bundle) -> None:
        self.case_title.setVisible(False)
        self.statusBar().showMessage(
            f"{case_label(bundle.case.id)}: {len(bundle.qset.questions)} questions", 5000
        )
        self.show_case()

    def _practice_failed(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)
        self.viewer_state.set_message(message)

    def _update_busy(self) -> None:
        self.busy.setVisible(pending() > 0)

    def _progress_dirty(self, _result: object = None) -> None:
        self.library_page.refresh()

    def library_changed(self) -> None:
        """Faculty approved, rejected or keyed a case in this session: scan the library again so
        the trainee view shows exactly the cases that now pass the review gate."""
        self.library_page.rescan()

    def show_library(self) -> None:
        self.tabs.setCurrentIndex(PAGES.index("library"))

    def show_case(self) -> None:
        self.tabs.setCurrentIndex(PAGES.index("case"))

    def show_progress(self) -> None:
        self.tabs.setCurrentIndex(PAGES.index("progress"))

    def _page_changed(self, index: int) -> None:
        if index != PAGES.index("case"):
            self._update_status()  # a case message ("Case 1a2b3c: 14 questions") belongs to the case page
        if index == PAGES.index("progress"):
            self.progress_page.refresh()
        elif index != PAGES.index("case"):
            self.viewer_state.pause()

    def show_help(self) -> None:
        ShortcutsDialog(self).exec()

    def show_about(self) -> None:
        AboutDialog(self).exec()

    def switch_trainee(self) -> None:
        from imgtrainer.gui.dialogs import choose_trainee

        name = choose_trainee(self.ctx, self)
        if name:
            self.set_trainee(name)

    def set_trainee(self, name: str) -> None:
        """Another trainee takes over: their queue, done/undone marks and progress."""
        from imgtrainer.gui.settings import remember_trainee

        self.ctx.trainee = name
        remember_trainee(self.ctx.db_url, name)
        if hasattr(self, "practice_panel"):
            self.practice_panel.clear("Choose a case in the library, or press Practise next case.")
            self.viewer_state.set_clip(None)
        self._update_status()
        self.library_page.refresh()
        if self.tabs.currentIndex() == PAGES.index("progress"):
            self.progress_page.refresh()

    # opening clips -----------------------------------------------------------------------------
    def open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open an ultrasound file",
            str(Path.home()),
            "Ultrasound (*.dcm *.dicom *.mp4 *.avi *.mov *.gif *.png *.jpg *.jpeg);;All files (*)",
        )
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> None:
        """Open a case folder (or its case.json) for practice, or any media file for free study.

        Decoding runs off the GUI thread; errors become a visible message."""
        from imgtrainer.media import open_clip

        path = Path(path)
        if path.name == "case.json":
            path = path.parent
        if path.is_dir():
            if (path / "case.json").is_file():
                self.open_case(path)
            else:
                self._open_failed(ValueError(f"{path}: a folder without case.json is not a case"))
            return

        self.statusBar().showMessage(f"Opening {path.name}…")
        run_async(lambda: open_clip(path), lambda clip: self.show_clip(clip, path.name), self._open_failed)

    def _open_failed(self, exc: BaseException) -> None:
        self.viewer_state.set_message(f"Cannot open: {exc}")
        self.statusBar().showMessage(f"Cannot open: {exc}", 10000)
        self.show_case()

    def show_clip(self, clip: Clip, title: str) -> None:
        """Free study of a clip with no questions (a dropped or opened file)."""
        self.ensure_practice()
        self.viewer_state.set_clip(clip)
        self.practice_panel.clear(f"Free study: {title}. No questions for a file outside the library.")
        self.viewer_state.set_assist_domain(None)
        self.viewer_state.set_assist_locked(False)
        self.case_title.setText(title)
        self.case_title.setVisible(True)
        self.statusBar().showMessage(f"{title}: {clip.n_frames} frames, {clip.cols}×{clip.rows}", 5000)
        self.show_case()

    def dragEnterEvent(self, ev) -> None:
        if ev.mimeData().hasUrls():
            ev.acceptProposedAction()

    def dropEvent(self, ev) -> None:
        for url in ev.mimeData().urls():
            if url.isLocalFile():
                self.open_path(Path(url.toLocalFile()))
                break

    # state -> window ---------------------------------------------------------------------------
    def _on_viewer_state(self, topic: str) -> None:
        st = self.viewer_state
        if topic == "fullscreen":
            self.side.setVisible(not st.fullscreen)
            self.tabs.tabBar().setVisible(not st.fullscreen)
            self.menuBar().setVisible(not st.fullscreen)
            self.viewer.tools.setVisible(not st.fullscreen)
            if st.fullscreen:
                self.show_case()
                self.showFullScreen()
            else:
                self.showNormal()
        elif topic == "overlay":
            for action, on in ((self.quality_action, st.show_quality), (self.assist_action, st.show_assist)):
                action.blockSignals(True)
                action.setChecked(on)
                action.blockSignals(False)

    def _update_status(self) -> None:
        who = self.ctx.trainee or "no trainee"
        self.statusBar().showMessage(f"Trainee: {who}   ·   Library: {self.ctx.library_dir}")

    def closeEvent(self, ev) -> None:
        self._busy_timer.stop()
        self.viewer_state.close_clip()
        super().closeEvent(ev)
