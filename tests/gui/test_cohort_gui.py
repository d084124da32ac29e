"""Cohort window: only behind faculty login; the table shows the state's rows with colour
only on meaningful cells; a header click sorts; a double-click opens that trainee's progress."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PyQt6")

from PyQt6.QtCore import Qt

from imgtrainer.gui.cohort.entry import CohortEntry
from imgtrainer.gui.cohort.table import CohortWindow
from imgtrainer.screens.cohort import COLUMNS, CohortState
from imgtrainer.screens.signal import Signal
from tests.progress.test_cohort import NOW, build


class Gate:
    def __init__(self) -> None:
        self.unlocked = False
        self.changed = Signal()


def test_cohort_window_table_sort_and_drill_down(qtbot, tmp_path: Path) -> None:
    engine, _ = build(f"sqlite:///{tmp_path / 's.sqlite'}")
    state = CohortState(lambda: engine, clock=lambda: NOW)
    win = CohortWindow(state)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.table.rowCount() == 5, timeout=20000)
    names = [win.table.item(r, 0).text() for r in range(5)]
    assert names == ["Ana Ruiz", "Ana Ruiz", "Ben Cho", "Cara Diaz", "Dev Patel"]
    col = {c.key: i for i, c in enumerate(COLUMNS)}
    ben = names.index("Ben Cho")
    assert win.table.item(ben, col["fast"]).background().style() != Qt.BrushStyle.NoBrush  # at risk: coloured
    assert (
        win.table.item(ben, col["airway"]).background().style() == Qt.BrushStyle.NoBrush
    )  # not started: no colour
    win.table.horizontalHeader().sectionClicked.emit(col["attempts"])
    assert [win.table.item(r, col["attempts"]).text() for r in range(5)] == ["0", "3", "6", "12", "24"]
    opened = []
    state.open_trainee.connect(lambda uid, name: opened.append(name))
    win.table.cellDoubleClicked.emit(4, 0)
    assert opened == ["Dev Patel"]
    done = []
    win.export("csv", tmp_path / "c.csv", on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    assert (tmp_path / "c.csv").is_file()


def test_menu_entry_is_locked_until_faculty_login(qtbot, tmp_path: Path) -> None:
    from PyQt6.QtWidgets import QMainWindow

    from imgtrainer.screens.context import AppContext

    engine, _ = build(f"sqlite:///{tmp_path / 's.sqlite'}")
    main = QMainWindow()
    qtbot.addWidget(main)
    main.ctx = AppContext(db_url=f"sqlite:///{tmp_path / 's.sqlite'}")
    gate = Gate()
    menu = main.menuBar().addMenu("Faculty")
    entry = CohortEntry(main, menu, gate, lambda uid, name: None)
    assert not entry.action.isEnabled()
    with pytest.raises(Exception, match="faculty login"):
        entry.open()
    gate.unlocked = True
    gate.changed.emit("unlocked")
    assert entry.action.isEnabled()
    win = entry.open()
    qtbot.waitUntil(lambda: win.table.rowCount() == 5, timeout=20000)
    gate.unlocked = False
    gate.changed.emit("locked")  # logging out closes the cohort
    assert entry.cohort is None and not win.isVisible()
    engine.dispose()
