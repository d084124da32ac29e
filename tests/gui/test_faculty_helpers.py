"""Helpers for the faculty GUI tests: an unlocked gate, mouse drags through the real widgets."""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QPoint, QPointF, Qt
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QApplication

PASSWORD = "correct horse"


def widget_point(view, ix: float, iy: float) -> QPointF:
    x, y = view.geometry_now().to_widget(ix + 0.5, iy + 0.5)
    return QPointF(x, y)


def _send(widget, kind: QEvent.Type, pos: QPointF, buttons) -> None:
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    glob = QPointF(widget.mapToGlobal(pos.toPoint()))
    ev = QMouseEvent(kind, pos, glob, button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)


def drag(widget, points: list[QPointF]) -> None:
    """Left-button press at the first point, moves through the rest, release at the last."""
    left = Qt.MouseButton.LeftButton
    _send(widget, QEvent.Type.MouseButtonPress, points[0], left)
    for p in points[1:]:
        _send(widget, QEvent.Type.MouseMove, p, left)
    _send(widget, QEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.NoButton)


def click(widget, p: QPointF, double: bool = False) -> None:
    _send(widget, QEvent.Type.MouseButtonPress, p, Qt.MouseButton.LeftButton)
    _send(widget, QEvent.Type.MouseButtonRelease, p, Qt.MouseButton.NoButton)
    if double:
        _send(widget, QEvent.Type.MouseButtonDblClick, p, Qt.MouseButton.LeftButton)


def image_to_preview(view, x: float, y: float) -> QPointF:
    """Stored-frame pixel -> widget point on the left panel of a PreviewView."""
    s, ox, oy = view._scale_origin()
    return QPointF(ox + x * s + s / 2, oy + y * s + s / 2)


__all__ = ["PASSWORD", "QPoint", "click", "drag", "image_to_preview", "widget_point"]


# fixtures shared by the test_faculty_* modules (imported there by name) -----------------------
import pytest  # noqa: E402


@pytest.fixture
def faculty_home(tmp_path, monkeypatch):
    """A private data dir: password, import sources, database."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("IMGTRAINER_HOME", str(home))
    return home


@pytest.fixture
def gate(faculty_home):
    from imgtrainer.gui.faculty.login import FacultyGate

    g = FacultyGate(faculty_home)
    g.unlock("dr_a", PASSWORD, PASSWORD)  # first use sets the password
    return g


@pytest.fixture
def workspace(qtbot, library, gate, faculty_home):
    from imgtrainer.gui import workers
    from imgtrainer.gui.faculty.workspace import FacultyWindow

    w = FacultyWindow(library, gate, faculty_home)
    qtbot.addWidget(w)
    w.resize(1400, 860)
    w.show()
    yield w
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)
    w.close()
