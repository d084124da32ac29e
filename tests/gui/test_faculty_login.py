"""The faculty gate: a trainee cannot reach keys or annotation tools without the password."""

# ruff: noqa: F811  (pytest fixtures imported from test_faculty_helpers by name)
from __future__ import annotations

import pytest

from imgtrainer.annotate.auth import AuthError
from tests.gui.test_faculty_helpers import PASSWORD, faculty_home  # noqa: F401

pytestmark = pytest.mark.gui


@pytest.fixture
def main_window(qtbot, library, faculty_home):
    from imgtrainer.gui import workers
    from imgtrainer.gui.main_window import MainWindow
    from imgtrainer.screens.context import AppContext

    w = MainWindow(AppContext(library_dir=library, trainee="Trainee T"))
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: hasattr(w, "faculty"), timeout=10000)  # built after the first paint
    yield w
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)
    if w.faculty.workspace is not None:
        w.faculty.workspace.close()


def test_trainee_cannot_open_faculty_tools(qtbot, main_window, faculty_home, library) -> None:
    from imgtrainer.gui.faculty.login import FacultyLoginDialog
    from imgtrainer.gui.faculty.workspace import FacultyWindow

    fm = main_window.faculty
    assert not fm.open_action.isEnabled() and fm.login_action.isEnabled()
    with pytest.raises(AuthError):
        FacultyWindow(library, fm.gate, faculty_home)  # locked gate: no workspace, no keys
    # first use: the two passwords must match, then the password is set
    dialog = FacultyLoginDialog(fm.gate, main_window)
    qtbot.addWidget(dialog)
    dialog.name.setText("Dr Ada")
    dialog.password.setText(PASSWORD)
    dialog.confirm.setText("something else")
    dialog.try_login()
    assert not fm.gate.unlocked and "differ" in dialog.error.text()
    dialog.confirm.setText(PASSWORD)
    dialog.try_login()
    assert fm.gate.unlocked and fm.gate.rater == "Dr Ada"
    assert fm.open_action.isEnabled() and not fm.login_action.isEnabled()
    ws = fm.open_workspace()
    assert "Dr Ada" in ws.windowTitle()
    fm.logout()
    assert not fm.gate.unlocked and not fm.open_action.isEnabled() and fm.workspace is None
    # later logins need the right password
    dialog2 = FacultyLoginDialog(fm.gate, main_window)
    qtbot.addWidget(dialog2)
    assert not dialog2.confirm.isVisible()
    dialog2.name.setText("Dr Ada")
    dialog2.password.setText("wrong password")
    dialog2.try_login()
    assert not fm.gate.unlocked and "wrong" in dialog2.error.text()
    with pytest.raises(AuthError):
        FacultyWindow(library, fm.gate, faculty_home)
    dialog2.password.setText(PASSWORD)
    dialog2.try_login()
    assert fm.gate.unlocked
    # closing the workspace window logs out too (a trainee at the same PC cannot reopen it)
    ws2 = fm.open_workspace()
    ws2.close()
    assert not fm.gate.unlocked and not fm.open_action.isEnabled()
