"""First-run profile screen, About and keyboard help; the gui CLI command wiring."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel

from imgtrainer import DISCLAIMER
from imgtrainer.gui.dialogs import AboutDialog, ProfileDialog, ShortcutsDialog
from imgtrainer.screens.shortcuts import SHORTCUTS

pytestmark = pytest.mark.gui


def test_first_run_creates_profile_and_shows_disclaimer(qtbot) -> None:
    dlg = ProfileDialog([])
    qtbot.addWidget(dlg)
    dlg.show()
    texts = " ".join(lbl.text() for lbl in dlg.findChildren(QLabel))
    assert "Educational use, not for diagnosis" in texts and DISCLAIMER in texts
    qtbot.mouseClick(dlg.create_button, Qt.MouseButton.LeftButton)
    assert dlg.chosen is None and "Type a name" in dlg.error.text()
    qtbot.keyClicks(dlg.name_edit, "  Dr   New  Trainee ")
    qtbot.mouseClick(dlg.create_button, Qt.MouseButton.LeftButton)
    assert dlg.chosen == "Dr New Trainee" and dlg.result() == 1


def test_pick_existing_profile(qtbot) -> None:
    dlg = ProfileDialog(["Alice", "Bob"])
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.list.setCurrentRow(1)
    dlg.buttons.accepted.emit()
    assert dlg.chosen == "Bob"


def test_about_and_shortcut_help_are_complete(qtbot) -> None:
    about = AboutDialog()
    qtbot.addWidget(about)
    labels = [w.text() for w in about.findChildren(QLabel)]
    assert any("Educational use, not for diagnosis" in t for t in labels)
    help_dialog = ShortcutsDialog()
    qtbot.addWidget(help_dialog)
    keys = {help_dialog.table.item(r, 0).text() for r in range(help_dialog.table.rowCount())}
    for required in (
        "Space",
        "Left",
        "Right",
        "Up",
        "Down",
        "F",
        "1 … 9",
        "Alt+0 … Alt+9",
        "Return / Enter",
        "N",
    ):
        assert required in keys
    assert help_dialog.table.rowCount() >= len(SHORTCUTS)


def test_every_shortcut_is_bound_to_a_window_action(qtbot) -> None:
    from imgtrainer.gui.main_window import MainWindow
    from imgtrainer.screens.context import AppContext

    for sc in SHORTCUTS:
        if sc.action not in ("answer_digit", "answer_digit_ten"):  # both call answer_digit(n)
            assert callable(getattr(MainWindow, sc.action)), sc.action
    w = MainWindow(AppContext(library_dir=Path("/nonexistent-library"), trainee="x"))
    qtbot.addWidget(w)
    bound = {seq.toString() for act in w.actions() for seq in act.shortcuts()}
    assert {"Space", "Left", "Right", "Up", "Down", "F", "1", "9", "Return", "N", "Q", "A"} <= bound
    assert {"Alt+0", "Alt+4", "Alt+9"} <= bound  # answers 10, 14, 19
    qtbot.waitUntil(lambda: "Cannot read the library" in w.library_page.status.text(), timeout=10000)


def test_gui_command_is_registered_without_importing_qt() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from imgtrainer.cli import build_parser; p = build_parser();"
        "a = p.parse_args(['gui', '--library', '.', '--trainee', 'T']); print(a.handler.__module__, a.trainee);"
        "print(any(m.startswith('PyQt6') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["imgtrainer.cli.gui", "T", "False"]


def test_gui_command_rejects_missing_library(tmp_path) -> None:
    from imgtrainer.cli import main

    assert main(["gui", "--library", str(tmp_path / "missing")]) == 1


def test_imgtrainer_gui_starts_and_quits(library, tmp_path) -> None:
    """The real entry point: `imgtrainer gui` paints its window and exits cleanly (offscreen)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "IMGTRAINER_HOME": str(tmp_path / "home")}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "imgtrainer",
            "gui",
            "--library",
            str(library),
            "--trainee",
            "Smoke",
            "--quit-after",
            "2",
            "--startup-report",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert r.returncode == 0, r.stderr[-500:]
    assert "main window on screen" in r.stderr and "Traceback" not in r.stderr


def test_last_trainee_is_remembered_in_the_imgtrainer_home(_isolated_home) -> None:
    from imgtrainer.gui.settings import last_trainee, remember_trainee

    assert last_trainee("sqlite:///a.db") is None
    remember_trainee("sqlite:///a.db", "Dr Who")
    assert last_trainee("sqlite:///a.db") == "Dr Who" and last_trainee("sqlite:///b.db") is None
    assert (_isolated_home / "gui.ini").is_file()


def test_leak_guard_sees_a_window_left_open(qapp) -> None:
    from PyQt6.QtWidgets import QWidget

    from tests.gui.conftest import leaked_windows, visible_windows

    before = visible_windows(qapp)
    w = QWidget()
    w.show()
    assert leaked_windows(qapp, before) == [w]
    w.close()
    assert leaked_windows(qapp, before) == []


def test_quit_after_also_ends_the_first_run_screen(tmp_path) -> None:
    """A fresh home opens the modal first-run screen; --quit-after must still end the app (a CI
    smoke test on a fresh machine hung here)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "IMGTRAINER_HOME": str(tmp_path / "fresh")}
    r = subprocess.run(
        [sys.executable, "-m", "imgtrainer", "gui", "--quit-after", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-500:]
