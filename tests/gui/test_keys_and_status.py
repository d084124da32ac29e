"""Keyboard paths to findings beyond 9, options numbered once, a status bar that fits the page,
and a library grid that fills its row."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QListWidgetItem

from imgtrainer.gui import workers
from imgtrainer.gui.main_window import MainWindow
from imgtrainer.screens.context import AppContext

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, library):
    w = MainWindow(AppContext(library_dir=library, trainee="Test Trainee"))
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitUntil(lambda: w.library_page.list.count() == 2, timeout=10000)
    w.library_page._activated(w.library_page.list.item(0))
    qtbot.waitUntil(
        lambda: w.practice_state.qset is not None and w.viewer_state.clip is not None, timeout=10000
    )
    yield w
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)


def _option_rows(card) -> list[tuple[str, str]]:
    """(key label, option text) of each option row of a question card, top to bottom."""
    grid = card.body.layout()
    rows = []
    for r in range(grid.rowCount()):
        key, text = grid.itemAtPosition(r, 1), grid.itemAtPosition(r, 2)
        if key is not None and text is not None:
            rows.append((key.widget().text(), text.widget().text()))
    return rows


def test_alt_digits_reach_findings_10_and_beyond(qtbot, window) -> None:
    w, ps = window, window.practice_state
    ps.set_focus(0)
    qtbot.keyClick(w, Qt.Key.Key_2)  # lung: the other questions appear
    ps.focus_id("findings")
    q = ps.current
    assert len(q.findings) >= 14  # the lung list is longer than the nine digit keys
    rows = _option_rows(w.practice_panel.widgets["findings"])
    assert [k for k, _ in rows[:11]] == [*"123456789", "Alt+0", "Alt+1"]
    qtbot.keyClick(w, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)  # Alt adds ten: finding 14
    assert ps.answers["findings"] == [q.findings[13].id]
    qtbot.keyClick(w, Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)  # finding 10
    qtbot.keyClick(w, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)  # 14 again: off
    assert ps.answers["findings"] == [q.findings[9].id]
    assert w.practice_panel.widgets["findings"].boxes[q.findings[9].id].isChecked()


def test_acep_grades_are_numbered_once(qtbot, window) -> None:
    w, ps = window, window.practice_state
    ps.set_focus(0)
    qtbot.keyClick(w, Qt.Key.Key_2)
    rows = _option_rows(w.practice_panel.widgets["acep_quality"])
    assert rows[0] == ("1", "No recognisable structures")
    assert [k for k, _ in rows] == ["1", "2", "3", "4", "5"]
    assert not any(text[:1].isdigit() for _, text in rows)


def test_status_bar_names_the_case_only_on_the_case_page(qtbot, window) -> None:
    w = window
    w.statusBar().showMessage("Case 1a2b3c: 14 questions")
    w.show_progress()
    qtbot.waitUntil(lambda: w.progress_page.logbook is not None, timeout=10000)
    assert "Case" not in w.statusBar().currentMessage()
    assert "Test Trainee" in w.statusBar().currentMessage()
    w.show_library()
    assert "Case" not in w.statusBar().currentMessage()


@pytest.mark.parametrize("width", [1366, 1500, 1920])
def test_library_grid_fills_the_row(qtbot, window, width) -> None:
    w = window
    w.show_library()
    lst = w.library_page.list
    for i in range(14):  # enough cards for a full first row at any of these widths
        lst.addItem(QListWidgetItem(f"Extra card {i}"))
    w.resize(width, 900)
    qtbot.wait(100)
    lst.doItemsLayout()
    qtbot.wait(50)
    viewport = lst.viewport().width()
    rects = [lst.visualItemRect(lst.item(i)) for i in range(lst.count())]
    first_row = [r for r in rects if r.top() == rects[0].top()]
    pitch = first_row[1].left() - first_row[0].left()  # one column of the grid, measured on screen
    cols = len(first_row)
    bar = lst.verticalScrollBar()
    room = viewport - (0 if bar.isVisible() else bar.sizeHint().width())  # as if the bar were shown
    unused = room - cols * pitch
    assert pitch >= 220 and unused < 4 + cols, (width, viewport, pitch, cols, unused)  # was ~150
