"""QA review window: behind faculty login; the reviewer grades with the keyboard, every change
is autosaved, and the final review puts a reviewed performed entry in the trainee's logbook."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

pytest.importorskip("PyQt6")

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QMainWindow

from imgtrainer.gui.qa.entry import QaEntry
from imgtrainer.gui.qa.review import QaWindow
from imgtrainer.progress.attempts import AttemptStore
from imgtrainer.qa.review import load_review
from imgtrainer.qa.submission import new_submission, submit_case
from imgtrainer.resources import demo_library_dir
from imgtrainer.screens.qa import QaState
from imgtrainer.screens.signal import Signal
from imgtrainer.store.engine import make_engine


class Gate:
    def __init__(self) -> None:
        self.unlocked, self.rater = False, "Dr Lee"
        self.changed = Signal()


def _submission(qa: Path, trainee: str = "Ana") -> str:
    reading = {"indication_lung": "pneumothorax", "view": "anterior_upper_blue", "acep_quality": 3}
    sub = new_submission(trainee, "lung", date(2026, 12, 1), [trainee], reading=reading, supervision="direct")
    submit_case(demo_library_dir() / "lung-01", qa, sub)
    return sub.id


def test_review_by_keyboard_to_logbook(qtbot, tmp_path: Path) -> None:
    qa = tmp_path / "qa"
    sid = _submission(qa)
    store = AttemptStore(make_engine(f"sqlite:///{tmp_path / 's.sqlite'}"))
    win = QaWindow(QaState(qa, "Dr Lee", lambda: store))
    qtbot.addWidget(win)
    win.resize(1620, 900)
    with qtbot.waitActive(win, timeout=5000):  # window shortcuts need the active window
        win.show()
        win.activateWindow()
    qtbot.waitUntil(lambda: win.queue.rowCount() == 1, timeout=10000)
    win.queue.selectRow(0)
    assert win.state.submission is not None and win.state.submission.id == sid
    assert win.reading.rowCount() == 4  # application (implied by submitting), indication, view, ACEP
    keys = 0
    qtbot.keyClick(win, Qt.Key.Key_4)  # ACEP 4 for view 1
    keys += 1
    for row in range(win.reading.rowCount()):  # agree with every answer: select, G
        win.reading.setCurrentCell(row, 0)
        qtbot.keyClick(win, Qt.Key.Key_G)
        keys += 2
    assert win.state.grade(0).acep == 4 and win.acep_buttons[3].isChecked()
    draft = load_review(qa / sid, "Dr Lee")
    assert draft is not None and not draft.final and draft.views[0].acep == 4  # autosaved
    win.verdict.setCurrentIndex(win.verdict.findData("counts"))
    win.verdict.activated.emit(win.verdict.currentIndex())
    keys += 2
    qtbot.keyClick(win, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    keys += 1
    final = load_review(qa / sid, "Dr Lee")
    assert final is not None and final.final and final.interpretation["score"] == pytest.approx(1.0)
    (scan,) = store.scans("Ana")
    assert (scan.source, scan.qa_submission, scan.acep_grade, scan.counts) == ("qa", sid, 4.0, True)
    assert not win.final_button.isEnabled()
    assert keys <= 12  # the reviewer's keystrokes for a one-view study with a 4-answer reading


def test_menu_entry_is_locked_until_faculty_login(qtbot, tmp_path: Path) -> None:
    from imgtrainer.screens.context import AppContext

    _submission(tmp_path / "qa")
    main = QMainWindow()
    qtbot.addWidget(main)
    main.ctx = AppContext(db_url=f"sqlite:///{tmp_path / 's.sqlite'}")
    gate = Gate()
    entry = QaEntry(main, main.menuBar().addMenu("Faculty"), gate)
    assert not entry.action.isEnabled()
    with pytest.raises(Exception, match="faculty login"):
        entry.open(tmp_path / "qa")
    gate.unlocked = True
    gate.changed.emit("unlocked")
    win = entry.open(tmp_path / "qa")
    qtbot.waitUntil(lambda: win.queue.rowCount() == 1, timeout=10000)
    gate.unlocked = False
    gate.changed.emit("locked")  # logging out closes the review screen
    assert entry.qa is None and not win.isVisible()
