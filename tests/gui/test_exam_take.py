"""The proctored exam window, offscreen: sign in, proctor start, answer (committed at once),
crash and resume, submit, automatic submission at the limit, policies, and that no key, feedback
or assist control is reachable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QLabel

from imgtrainer.exams.build import build_package
from imgtrainer.exams.crypto import MIN_N
from imgtrainer.exams.settings import ExamSettings
from imgtrainer.gui import workers
from imgtrainer.gui.exam.take import ExamTakeWindow
from imgtrainer.screens.exam.take import FORWARD_ONLY, NO_REPLAY
from tests.exams._cases import SECRET_EXPLANATION, SECRET_NOTE, SECRET_TEACHING, SECRET_TITLE, make_library

pytestmark = pytest.mark.gui
PASS = "correct horse battery"


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, dt: float) -> None:
        self.t += dt


@pytest.fixture
def lib(tmp_path: Path) -> list[Path]:
    return make_library(tmp_path / "lib", 3)


def package(lib: list[Path], tmp_path: Path, name: str = "exam", **settings) -> Path:
    out = tmp_path / f"{name}.itexam"
    build_package(lib, out, PASS, ExamSettings(**settings), kdf_n=MIN_N)
    return out


def _type_passphrase(text: str):
    def run(dialog) -> bool:
        dialog.passphrase.setText(text)
        dialog.try_accept()
        return dialog.result() == 1

    return run


def open_window(qtbot, pkg: Path, home: Path, clock=None) -> ExamTakeWindow:
    kwargs = {} if clock is None else {"clock": clock}
    w = ExamTakeWindow(pkg, home=home, **kwargs)
    qtbot.addWidget(w)
    w.confirm = lambda _title, _text: True
    w.inform = lambda title, text: pytest.fail(f"{title}: {text}")
    w.run_dialog = _type_passphrase(PASS)
    w.resize(1400, 860)
    w.show()
    return w


def sign_in(qtbot, w: ExamTakeWindow, candidate: str) -> None:
    w.candidate_edit.setText(candidate)
    qtbot.mouseClick(w.continue_button, Qt.MouseButton.LeftButton)
    assert w.pages.currentWidget() is w.gate_page, w.identify_page.error.text()


def start(qtbot, w: ExamTakeWindow) -> None:
    qtbot.mouseClick(w.gate_button, Qt.MouseButton.LeftButton)
    assert w.panel is not None and w.pages.currentWidget() is w.panel
    qtbot.waitUntil(lambda: w.panel.viewer_state.clip is not None, timeout=10000)


def answer_application(w: ExamTakeWindow) -> None:
    """Question 1 first: until it is answered the other questions are hidden (they name it)."""
    panel = w.panel
    assert not panel.widgets["view"].isVisibleTo(panel) and panel.gate_hint.isVisibleTo(panel)
    q = w.state.qset.question("application")
    panel.widgets["application"].buttons[[o.id for o in q.options].index("lung")].click()
    assert panel.widgets["view"].isVisibleTo(panel) and not panel.widgets["application"].body.isEnabled()


def finish(qtbot, w: ExamTakeWindow) -> None:
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)
    w.close()


def test_take_resume_and_submit(qtbot, lib, tmp_path) -> None:
    pkg = package(lib, tmp_path, time_limit_s=1200, randomise_options=True)
    clock = FakeClock()
    w = open_window(qtbot, pkg, tmp_path / "home", clock)
    w.candidate_edit.setText("bad id!")
    qtbot.mouseClick(w.continue_button, Qt.MouseButton.LeftButton)
    assert "candidate id" in w.identify_page.error.text()
    sign_in(qtbot, w, "cand-1")
    assert "proctor" in w.gate_button.text().lower()
    w.run_dialog = _type_passphrase("wrong passphrase")  # a wrong passphrase starts nothing
    qtbot.mouseClick(w.gate_button, Qt.MouseButton.LeftButton)
    assert w.session.state == "new" and w.panel is None
    w.run_dialog = _type_passphrase(PASS)
    start(qtbot, w)
    panel, s = w.panel, w.session
    assert panel.countdown.text() == "20:00"
    answer_application(w)
    # a click on an option is committed at once (one transaction), shuffled decisions by option id
    panel.widgets["view"].buttons[1].click()
    shown = w.state.qset.question("decision").options
    panel.widgets["decision"].buttons[0].click()
    saved = s.answers()[s.order[0]]
    assert saved["view"] == w.state.qset.question("view").options[1].id
    assert saved["decision"] == {"choice": int(shown[0].id)}
    panel.widgets["findings"].boxes["blines"].click()
    assert s.answers()[s.order[0]]["findings"] == ["blines"]
    # 33 questions: each case also asks the effusion outline/depth (effusion assessed absent) and the
    # pleural line mark (assessed present), so that the question list gives no finding away
    assert "4 of 33" in panel.progress.text()  # the application, view, decision and findings
    clock.advance(90)
    w._poll()
    assert panel.countdown.text() == "18:30"
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert w.state.index == 1 and s.current == 1
    answer_application(w)
    panel.widgets["b_line_count"].spin.setValue(3)
    assert s.answers()[s.order[1]]["b_line_count"] == 3
    used = s.elapsed_s()
    # crash: the process dies without closing anything but the lock
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)
    w.timer.stop()
    s.close()
    w.session = w.state = None
    w.close()

    w2 = open_window(qtbot, pkg, tmp_path / "home", clock)
    sign_in(qtbot, w2, "cand-1")
    assert w2.gate_button.text() == "Proctor: resume the exam…" and "interrupted" in w2.gate_page.text.text()
    assert "only the proctor can resume" in w2.gate_page.text.text()
    start(qtbot, w2)
    p2 = w2.panel
    assert w2.state.index == 1 and p2.widgets["b_line_count"].spin.value() == 3
    assert w2.session.elapsed_s() >= used
    qtbot.mouseClick(p2.case_buttons[0], Qt.MouseButton.LeftButton)  # free navigation: back to case 1
    assert p2.widgets["view"].buttons[1].isChecked() and p2.widgets["decision"].buttons[0].isChecked()
    qtbot.mouseClick(p2.submit_button, Qt.MouseButton.LeftButton)
    assert w2.session.state == "submitted" and w2.session.submit_reason == "candidate"
    assert w2.pages.currentWidget() is w2.final_page
    assert "submitted" in w2.final_page.heading.text()
    results = json.loads(Path(w2.session.status()["results"]).read_text())
    assert results["status"] == "submitted"
    # feedback "score": the proctor can show the score (passphrase), nothing more
    assert w2.score_button.isVisibleTo(w2)
    qtbot.mouseClick(w2.score_button, Qt.MouseButton.LeftButton)
    assert "Score" in w2.score_label.text() and "pass mark 70%" in w2.score_label.text()
    finish(qtbot, w2)


def test_auto_submit_at_the_limit_and_countdown_colours(qtbot, lib, tmp_path) -> None:
    pkg = package(lib, tmp_path, time_limit_s=120, feedback="full")
    clock = FakeClock()
    w = open_window(qtbot, pkg, tmp_path / "home", clock)
    sign_in(qtbot, w, "cand-2")
    start(qtbot, w)
    assert w.timer.isActive()
    cd = w.panel.countdown
    assert cd.property("level") == "normal"
    clock.advance(95)
    w._poll()
    assert cd.text() == "0:25" and cd.property("level") == "amber"
    clock.advance(15)
    w._poll()
    assert cd.property("level") == "red"
    answer_application(w)
    w.panel.widgets["view"].buttons[0].click()
    clock.advance(11)
    qtbot.waitUntil(lambda: w.pages.currentWidget() is w.final_page, timeout=3000)  # the QTimer polls
    assert w.session.state == "submitted" and w.session.submit_reason == "time_limit"
    assert w.final_page.heading.text().startswith("Time is up")
    assert "released by your proctor" in w.final_page.text.text() and not w.score_button.isVisibleTo(w)
    assert w.session.answers()[w.session.order[0]]["view"]
    # shared PC: the next candidate signs in on the same window; the first one stays submitted
    qtbot.mouseClick(w.next_candidate_button, Qt.MouseButton.LeftButton)
    assert w.pages.currentWidget() is w.identify_page and w.panel is None
    sign_in(qtbot, w, "cand-2b")
    start(qtbot, w)
    assert w.state.session.candidate == "cand-2b" and w.panel.countdown.text() == "2:00"
    finish(qtbot, w)
    w3 = open_window(qtbot, pkg, tmp_path / "home", clock)
    w3.candidate_edit.setText("cand-2")
    qtbot.mouseClick(w3.continue_button, Qt.MouseButton.LeftButton)
    assert w3.pages.currentWidget() is w3.final_page  # submitted attempts cannot be reopened
    finish(qtbot, w3)


def test_forward_only_no_replay_and_case_limit(qtbot, lib, tmp_path) -> None:
    pkg = package(lib, tmp_path, navigation="forward", replay_loops=False, case_time_limit_s=60)
    clock = FakeClock()
    w = open_window(qtbot, pkg, tmp_path / "home", clock)
    sign_in(qtbot, w, "cand-3")
    start(qtbot, w)
    p = w.panel
    assert not p.prev_button.isEnabled() and p.prev_button.toolTip() == FORWARD_ONLY
    assert not p.viewer.loop_box.isEnabled()
    vs = p.viewer_state
    assert vs.n_frames == 2  # case 1 is a two-frame DICOM cine: it plays once
    # stepping through the frames by hand before the one play would be an unlimited replay
    assert not p.viewer.next_button.isEnabled() and not p.viewer.timeline.isEnabled()
    qtbot.keyClick(w, Qt.Key.Key_Right)
    assert vs.index == 0 and "only during" in vs.message
    qtbot.mouseClick(p.viewer.play_button, Qt.MouseButton.LeftButton)
    assert vs.playing
    assert p.viewer.next_button.isEnabled()  # during the play (e.g. paused to mark frames) it may
    qtbot.waitUntil(lambda: not vs.playing, timeout=3000)
    assert not p.viewer.play_button.isEnabled() and p.viewer.play_button.toolTip() == NO_REPLAY
    vs.play()  # Space or any other way: refused
    assert not vs.playing
    assert not p.viewer.prev_button.isEnabled() and p.viewer.prev_button.toolTip() == NO_REPLAY
    last = vs.index
    qtbot.keyClick(w, Qt.Key.Key_Left)
    assert vs.index == last  # after the play, no stepping back through the clip
    # per-case limit: the core moves a forward-only exam on; the window follows
    clock.advance(61)
    w._poll()
    assert w.state.index == 1 and w.session.current == 1
    assert not p.case_buttons[0].isEnabled() and p.case_buttons[0].toolTip() == FORWARD_ONLY
    assert "1:00" in p.item_clock.text()
    asked = []
    w.confirm = lambda title, text: asked.append(text) or False  # the candidate says no
    qtbot.mouseClick(p.case_buttons[2], Qt.MouseButton.LeftButton)
    assert w.state.index == 1 and "cannot come back to case 2" in asked[0]
    w.confirm = lambda _title, _text: True
    qtbot.waitUntil(lambda: vs.clip is not None, timeout=10000)
    finish(qtbot, w)


def test_no_key_feedback_or_assist_reachable(qtbot, lib, tmp_path) -> None:
    pkg = package(lib, tmp_path, time_limit_s=600)
    w = open_window(qtbot, pkg, tmp_path / "home")
    sign_in(qtbot, w, "cand-4")
    start(qtbot, w)
    assert not w.menuBar().isVisible() and not w.menuBar().actions()
    texts = [a.text().lower() for a in w.findChildren(QAction)]
    for word in ("assist", "quality", "key", "feedback", "answer", "overlay"):
        assert not any(word in t for t in texts), (word, texts)
    vs = w.panel.viewer_state
    vs.set_show_assist(True)
    assert not vs.show_assist and vs.assist_locked
    qtbot.keyClick(w, Qt.Key.Key_A)
    qtbot.keyClick(w, Qt.Key.Key_Q)
    assert not vs.show_assist and not vs.show_quality
    answer_application(w)
    w.panel.widgets["view"].buttons[0].click()
    qtbot.mouseClick(w.panel.next_button, Qt.MouseButton.LeftButton)
    shown = " ".join(lbl.text() for lbl in w.findChildren(QLabel))
    for secret in (SECRET_EXPLANATION, SECRET_NOTE, SECRET_TEACHING, SECRET_TITLE, "secretname"):
        assert secret not in shown
    assert not any(q.feedback.isVisible() for q in w.panel.widgets.values())
    finish(qtbot, w)


def test_an_answer_that_cannot_be_written_is_shown_and_retried(qtbot, lib, tmp_path, monkeypatch) -> None:
    import sqlite3

    pkg = package(lib, tmp_path, time_limit_s=600)
    w = open_window(qtbot, pkg, tmp_path / "home")
    sign_in(qtbot, w, "cand-5")
    start(qtbot, w)
    s, p = w.session, w.panel
    real = s.answer
    answer_application(w)

    def disk_full(*_a, **_k):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(s, "answer", disk_full)
    p.widgets["view"].buttons[2].click()
    assert "Could not save your answer" in p.notice.text()
    assert s.answers() == {s.order[0]: {"application": "lung"}}
    monkeypatch.setattr(s, "answer", real)
    p.widgets["b_line_count"].spin.setValue(2)  # the next change writes both
    saved = s.answers()[s.order[0]]
    assert saved["b_line_count"] == 2 and saved["view"] == w.state.qset.question("view").options[2].id
    assert p.notice.text() == ""
    finish(qtbot, w)


_CHILD = """
import sys, time
from PyQt6.QtWidgets import QApplication
from imgtrainer.gui.exam.take import ExamTakeWindow
app = QApplication([])
w = ExamTakeWindow(sys.argv[1], home=sys.argv[2])
w.run_dialog = lambda d: (d.passphrase.setText(sys.argv[3]), d.try_accept(), d.result() == 1)[-1]
w.show()
w.candidate_edit.setText("cand-kill")
w.identify()
w._gate_action()
q = w.state.qset.question("application")
w.panel.widgets["application"].buttons[[o.id for o in q.options].index("lung")].click()
w.panel.widgets["view"].buttons[1].click()
print("ACK", w.session.answers()[w.session.order[0]]["view"], flush=True)
end = time.monotonic() + 60
while time.monotonic() < end:
    app.processEvents()
    time.sleep(0.02)
"""


def test_gui_killed_mid_exam_resumes_the_same_attempt(qtbot, lib, tmp_path) -> None:
    """A real SIGKILL of the exam window's process: the reopened window resumes the attempt,
    with the committed answer shown and the time used kept."""
    import os
    import signal
    import subprocess
    import sys
    import time

    pkg = package(lib, tmp_path, time_limit_s=600)
    home = tmp_path / "home"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(pkg), str(home), PASS],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        line = child.stdout.readline().split()
        assert line[:1] == ["ACK"], line
        time.sleep(1.2)  # let the exam clock run (heartbeats persist it)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    w = open_window(qtbot, pkg, home)
    sign_in(qtbot, w, "cand-kill")
    assert w.gate_button.text() == "Proctor: resume the exam…"
    used = w.session.status()["elapsed_s"]
    assert used > 0.2  # the window's poll persisted the running clock before the kill
    start(qtbot, w)
    assert w.session.elapsed_s() >= used + 0.99  # resume adds a heartbeat: a crash gains no time
    view = w.panel.widgets["view"]
    assert view.buttons[1].isChecked() and w.state.qset.question("view").options[1].id == line[1]
    finish(qtbot, w)


def test_proctor_adds_time_and_extra_time_shows(qtbot, lib, tmp_path) -> None:
    """A candidate with build-time extra time sees it on the countdown; the proctor adds 5
    minutes (Ctrl+Shift+T) with the passphrase; both are in the audit log."""
    pkg = package(lib, tmp_path, time_limit_s=600, extra_time_s={"cand-x": 120})
    clock = FakeClock()
    w = open_window(qtbot, pkg, tmp_path / "home", clock)
    sign_in(qtbot, w, "cand-x")
    start(qtbot, w)
    assert w.panel.countdown.text() == "12:00"
    w.run_dialog = _type_passphrase("wrong passphrase")
    assert not w.proctor_add_time(5)
    w.run_dialog = _type_passphrase(PASS)
    assert w.proctor_add_time(5)
    w._poll()
    assert w.panel.countdown.text() == "17:00"
    assert [r["event"] for r in w.session.audit()][-1] == "add_time"
    finish(qtbot, w)
