"""The proctored exam window: candidate sign-in, proctor start (or resume), the timed exam, the end.

A window of its own, with no menu bar and no overlay, key or feedback control: what a candidate
can reach is exactly the pages below. The exam core (``ExamSession``) does the timing, commits
and the signed results; the window only shows it and polls it with a QTimer (4 times a second),
which also heartbeats the clock and submits automatically at the time limit.

    identify -> gate (proctor starts a new attempt / candidate resumes one) -> exam -> final
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QCheckBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from imgtrainer.errors import ImgTrainerError
from imgtrainer.exams.package import ExamPackage
from imgtrainer.exams.session import ExamSession
from imgtrainer.gui.dialogs import disclaimer_label
from imgtrainer.gui.exam.proctor import ProctorDialog
from imgtrainer.gui.exam.take_pages import Page, esc, settings_summary
from imgtrainer.gui.exam.take_panel import ExamPanel
from imgtrainer.screens.exam.take import ExamTakeState, format_clock

POLL_MS = 250
SCORE_NOW = "Your proctor can show your score now, on this screen."


class ExamTakeWindow(QMainWindow):
    """One exam package on one shared PC. ``home`` (the data dir) and ``clock`` are injectable."""

    def __init__(
        self,
        package: ExamPackage | Path | str,
        home: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.package = package if isinstance(package, ExamPackage) else ExamPackage.open(package)
        self.home, self.clock = home, clock
        self.session: ExamSession | None = None
        self.state: ExamTakeState | None = None
        self.panel: ExamPanel | None = None
        self.on_closed: Callable[[], None] | None = None  # e.g. show the main window again
        self.confirm: Callable[[str, str], bool] = self._ask
        self.inform: Callable[[str, str], None] = self._tell
        title = self.package.settings.get("title", "Exam")
        self.setWindowTitle(f"{title} — imgtrainer exam")
        self.setObjectName("examWindow")
        self.menuBar().setVisible(False)  # nothing to reach from a menu during an exam
        self.pages = QStackedWidget(self)
        self.setCentralWidget(self.pages)
        self.identify_page = self._build_identify()
        self.gate_page = self._build_gate()
        self.final_page = self._build_final()
        for page in (self.identify_page, self.gate_page, self.final_page):
            self.pages.addWidget(page)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)
        self.statusBar().showMessage(f"Exam package: {self.package.path.name}   ·   F11: full screen")
        full = QShortcut(QKeySequence("F11"), self)
        full.activated.connect(lambda: self.showNormal() if self.isFullScreen() else self.showFullScreen())
        add_time = QShortcut(QKeySequence("Ctrl+Shift+T"), self)  # the proctor, at the candidate's desk
        add_time.activated.connect(lambda: self.proctor_add_time())
        self.candidate_edit.setFocus()

    # pages ---------------------------------------------------------------------------------------
    def _build_identify(self) -> Page:
        page = Page(self)
        page.heading.setText(self.package.settings.get("title", "Exam"))
        page.text.setText(settings_summary(self.package))
        page.col.addWidget(QLabel("Your candidate ID (as given by your proctor):", page))
        self.candidate_edit = QLineEdit(page)
        self.candidate_edit.setObjectName("candidateId")
        self.candidate_edit.setPlaceholderText("e.g. cand-017")
        self.candidate_edit.returnPressed.connect(self.identify)
        page.col.addWidget(self.candidate_edit)
        self.continue_button = QPushButton("Continue", page)
        self.continue_button.setObjectName("primary")
        self.continue_button.clicked.connect(self.identify)
        page.col.addWidget(self.continue_button)
        page.col.addWidget(disclaimer_label(page))
        page.finish()
        return page

    def _build_gate(self) -> Page:
        page = Page(self)
        self.gate_button = QPushButton("", page)
        self.gate_button.setObjectName("primary")
        self.gate_button.clicked.connect(self._gate_action)
        self.grant_box = QCheckBox("Proctor: give back the time the app was down", page)
        self.grant_box.setToolTip("Logged in the audit log, the grade file and the report")
        self.grant_box.setVisible(False)
        page.col.addWidget(self.grant_box)
        back = QPushButton("Not you? Change candidate ID", page)
        back.clicked.connect(self.sign_out)
        page.col.addWidget(self.gate_button)
        page.col.addWidget(back)
        page.finish()
        return page

    def _build_final(self) -> Page:
        page = Page(self)
        self.score_button = QPushButton("Proctor: show the score…", page)
        self.score_button.clicked.connect(self.show_score)
        self.score_label = QLabel("", page)
        self.score_label.setTextFormat(Qt.TextFormat.RichText)
        self.score_label.setWordWrap(True)
        self.results_label = QLabel("", page)
        self.results_label.setObjectName("hint")
        self.results_label.setWordWrap(True)
        self.results_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.next_candidate_button = QPushButton("Next candidate", page)
        self.next_candidate_button.setToolTip("Back to the sign-in screen of this exam (shared PC)")
        self.next_candidate_button.clicked.connect(self.sign_out)
        close = QPushButton("Close", page)
        close.clicked.connect(self.close)
        page.col.addWidget(self.score_label)
        page.col.addWidget(self.score_button)
        page.col.addWidget(self.results_label)
        page.col.addWidget(self.next_candidate_button)
        page.col.addWidget(close)
        page.finish()
        return page

    # flow ----------------------------------------------------------------------------------------
    def identify(self) -> None:
        """Open (or find) this candidate's attempt and show what happens next."""
        cand = self.candidate_edit.text().strip()
        self.identify_page.error.setText("")
        try:
            self.session = ExamSession.open(self.package, cand, home=self.home, clock=self.clock)
        except ImgTrainerError as exc:
            self.identify_page.error.setText(str(exc))
            return
        self._show_gate()

    def _show_gate(self) -> None:
        s = self.session
        assert s is not None
        page = self.gate_page
        page.error.setText("")
        if s.state == "submitted":
            self._show_final()
            return
        self.grant_box.setVisible(False)
        self.grant_box.setChecked(False)
        if s.state == "new":
            page.heading.setText(f"Candidate {s.candidate}: ready")
            page.text.setText(
                "Please wait for your proctor. The exam starts, and its clock runs, when the proctor "
                "enters the passphrase.<br><br>" + settings_summary(self.package)
            )
            self.gate_button.setText("Proctor: start the exam…")
        else:
            status = s.status()
            left = status["remaining_s"]
            counts = status["downtime_policy"] == "counts"
            page.heading.setText(f"Candidate {s.candidate}: exam paused")
            page.text.setText(
                f"Your attempt was interrupted after <b>{format_clock(status['elapsed_s'])}</b> of exam "
                "time"
                + ("" if left is None else f" (<b>{format_clock(left)}</b> left before the break)")
                + f". {status['answered_questions']} answers are saved and will be shown again.<br><br>"
                "Please call your proctor: only the proctor can resume the exam. "
                + (
                    "Under this exam's rules the time the app was down counts, unless the proctor "
                    "gives it back."
                    if counts
                    else "Under this exam's rules the clock stopped while the app was down."
                )
            )
            self.grant_box.setVisible(counts)
            self.gate_button.setText("Proctor: resume the exam…")
        self.pages.setCurrentWidget(page)

    def _gate_action(self) -> None:
        s = self.session
        if s is None:
            return
        if s.state == "new":
            dialog = ProctorDialog(
                "Start the exam",
                f"Candidate <b>{esc(s.candidate)}</b> is about to start "
                f"<b>{esc(self.package.settings.get('title', 'the exam'))}</b>.",
                s.start,
                parent=self,
            )
            if not self.run_dialog(dialog):
                return
        else:
            grant = self.grant_box.isVisible() and self.grant_box.isChecked()
            dialog = ProctorDialog(
                "Resume the exam",
                f"Candidate <b>{esc(s.candidate)}</b>'s attempt was interrupted. The proctor resumes it"
                + (" and gives back the time the app was down." if grant else "."),
                lambda credential: s.resume(credential, grant_downtime=grant),
                "Resume exam",
                parent=self,
                label="Proctor passphrase or PIN:" if self.package.exam.get("proctor_pin") else None,
            )
            if not self.run_dialog(dialog):
                return
        self.begin()

    def run_dialog(self, dialog: ProctorDialog) -> bool:
        """Show the proctor dialog modally (tests replace this to type into it)."""
        return bool(dialog.exec())

    def begin(self) -> None:
        """The attempt is running in this process: show the exam and start polling."""
        assert self.session is not None
        self.state = ExamTakeState(self.session)
        self.panel = ExamPanel(self.state, self)
        self.panel.on_submit = self.ask_submit
        self.pages.addWidget(self.panel)
        self.state.changed.connect(self._on_state)
        self.state.begin()
        if self.state.submitted:
            self._show_final()
            return
        self.pages.setCurrentWidget(self.panel)
        self.timer.start()

    def _poll(self) -> None:
        if self.state is not None:
            self.state.tick()

    def _on_state(self, topic: str) -> None:
        if topic == "submitted":
            self._show_final()

    def ask_submit(self) -> None:
        st = self.state
        if st is None or st.submitted:
            return
        st.commit_changes()
        missing = st.unanswered()
        detail = (
            f"{missing} question{'s are' if missing != 1 else ' is'} still unanswered. "
            if missing
            else "Every question has an answer. "
        )
        if self.confirm("Submit the exam?", detail + "After submitting you cannot change any answer."):
            try:
                st.submit()
            except ImgTrainerError as exc:
                self.inform("Could not submit", str(exc))

    def _show_final(self) -> None:
        self.timer.stop()
        s = self.session
        assert s is not None
        if self.panel is not None:
            self.panel.viewer_state.pause()
        page = self.final_page
        reason = s.submit_reason or ""
        if reason in ("time_limit", "case_time_limit"):
            page.heading.setText("Time is up: your answers were submitted")
        else:
            page.heading.setText("Your answers were submitted")
        status = s.status()
        feedback = self.package.settings.get("feedback", "score")
        release = (
            SCORE_NOW
            if feedback == "score"
            else "Your results, with feedback on each question, will be released by your proctor."
        )
        page.text.setText(
            f"Candidate <b>{esc(s.candidate)}</b>: {status['answered_questions']} of "
            f"{status['n_questions']} questions answered in {format_clock(status['elapsed_s'])}."
            f"<br><br>{release}"
        )
        self.results_label.setText(
            f"Signed results file (for the proctor): {status['results'] or '(not written)'}"
        )
        self.score_button.setVisible(feedback == "score")
        self.pages.setCurrentWidget(page)

    def proctor_add_time(self, minutes: int | None = None, reason: str = "added by the proctor") -> bool:
        """Ctrl+Shift+T: the proctor gives this candidate more time (passphrase or PIN; logged in
        the audit log, the grade file and the report)."""
        s = self.session
        if s is None or self.state is None or s.state != "running":
            return False
        if minutes is None:
            from PyQt6.QtWidgets import QInputDialog

            minutes, ok = QInputDialog.getInt(
                self, "Add time", "Minutes to add for this candidate:", 5, 1, 240
            )
            if not ok:
                return False
        dialog = ProctorDialog(
            "Add time",
            f"Give candidate <b>{esc(s.candidate)}</b> {minutes} more minute(s). This is logged.",
            lambda credential: s.add_time(credential, minutes * 60, reason),
            "Add time",
            parent=self,
            label="Proctor passphrase or PIN:" if self.package.exam.get("proctor_pin") else None,
        )
        if not self.run_dialog(dialog):
            return False
        self.state.tick()
        self.statusBar().showMessage(f"{minutes} minute(s) added by the proctor (logged)", 10000)
        return True

    def show_score(self) -> None:
        """Score only, after the proctor's passphrase (the key never reaches this screen)."""
        s = self.session
        if s is None or s.state != "submitted":
            return
        from imgtrainer.exams.grading import grade

        def action(passphrase: str) -> dict[str, Any]:
            graded, failures = grade(self.package, passphrase, [s.write_results()])
            if failures or not graded["candidates"]:
                raise ImgTrainerError(failures[0] if failures else "the results could not be graded")
            return graded["candidates"][0]

        dialog = ProctorDialog("Show the score", "Enter the proctor passphrase.", action, "Show score", self)
        if not self.run_dialog(dialog):
            return
        result = dialog.result_value
        mark = float(self.package.settings.get("pass_mark", 0.7))
        verdict = "passed" if result["passed"] else "not passed"
        self.score_label.setText(
            f"<div style='font-size:20pt; font-weight:600'>Score {result['score'] * 100:.0f}%</div>"
            f"<div>{verdict} (pass mark {mark * 100:.0f}%)</div>"
        )
        self.score_button.setVisible(False)
        self.final_page.text.setText(self.final_page.text.text().replace(f"<br><br>{SCORE_NOW}", ""))

    def sign_out(self) -> None:
        """Back to sign-in (not you / next candidate): the attempt is closed, nothing is lost."""
        if self.state is not None and not self.state.submitted:
            return  # only from the gate or the final page: a running exam ends by submitting
        self.timer.stop()
        if self.panel is not None:
            self.panel.viewer_state.close_clip()
            self.pages.removeWidget(self.panel)
            self.panel.deleteLater()
            self.panel = None
        self.state = None
        if self.session is not None:
            self.session.close()
            self.session = None
        self.score_label.setText("")
        self.candidate_edit.clear()
        self.pages.setCurrentWidget(self.identify_page)
        self.candidate_edit.setFocus()

    # dialogs (replaceable in tests) ----------------------------------------------------------------
    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _tell(self, title: str, text: str) -> None:
        QMessageBox.warning(self, title, text)

    def closeEvent(self, ev) -> None:
        st = self.state
        running = st is not None and not st.submitted
        if running and not self.confirm(
            "Leave the exam?",
            "Your answers are saved. To continue later, open the same exam package with the same "
            "candidate ID and choose Resume.",
        ):
            ev.ignore()
            return
        self.timer.stop()
        if st is not None and running:
            st.commit_changes()
        if self.panel is not None:
            self.panel.viewer_state.close_clip()
        if self.session is not None:
            self.session.close()
            self.session = None
        super().closeEvent(ev)
        if self.on_closed is not None:
            self.on_closed()
