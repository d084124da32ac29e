"""The exam builder (faculty), offscreen: choose cases by filter and by hand, set the rules and the
passphrase twice, build off the GUI thread, and open the package it wrote. Plus the Qt-free rules
of the builder and exam states, and the main window's Exam menu."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6.QtCore import Qt

from imgtrainer.exams.crypto import MIN_N
from imgtrainer.exams.package import ExamPackage
from imgtrainer.gui import workers
from imgtrainer.gui.exam.builder import ExamBuilderDialog
from imgtrainer.screens.context import AppContext
from tests.exams._cases import make_library

pytestmark = pytest.mark.gui


@pytest.fixture
def ctx(tmp_path: Path) -> AppContext:
    make_library(tmp_path / "lib", 4)
    return AppContext(library_dir=tmp_path / "lib", db_url=f"sqlite:///{tmp_path / 'app.sqlite'}")


def test_build_exam_in_the_gui(qtbot, ctx, tmp_path) -> None:
    d = ExamBuilderDialog(ctx, kdf_n=MIN_N)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitUntil(lambda: d.case_list.count() == 4, timeout=10000)
    assert not d.build_button.isEnabled() and "Choose at least one case" in d.problems_label.text()
    # by filter: difficulty 2 is case 01 only; then one more by hand
    d.difficulty_box.setCurrentIndex(2)
    qtbot.waitUntil(lambda: d.case_list.count() == 1, timeout=10000)
    d.state.choose_shown()
    d.difficulty_box.setCurrentIndex(0)
    qtbot.waitUntil(lambda: d.case_list.count() == 4, timeout=10000)
    d.case_list.item(3).setCheckState(Qt.CheckState.Checked)
    assert list(d.state.chosen) == ["lung-secretname-01", "lung-secretname-03"]
    table = d.chosen_cases
    table.table.selectRow(1)
    table.move(-1)
    assert list(d.state.chosen) == ["lung-secretname-03", "lung-secretname-01"]
    assert table.table.item(0, 0).text() == "lung-secretname-03"
    # per case: case 03 asks every keyed question ("default" set), the other the exam's "quick" set
    box = table.set_combo(0)
    box.setCurrentIndex(box.findData("default"))
    assert d.state.case_sets == {"lung-secretname-03": "default"}
    # rules
    d.title_edit.setText("Lung final")
    d.time_spin.setValue(15)
    d.case_spin.setValue(90)
    d.order_box.setCurrentIndex(1)
    d.options_box.setChecked(True)
    d.replay_box.setChecked(False)
    d.nav_box.setCurrentIndex(1)
    d.pass_spin.setValue(60)
    d.feedback_box.setCurrentIndex(1)
    d.set_box.setCurrentIndex(d.set_box.findData("quick"))
    d.pass1.setText("proctor-secret")
    d.pass2.setText("proctor-secreT")
    d.output_edit.setText(str(tmp_path / "out" / "final"))
    assert "differ" in d.problems_label.text() and not d.build_button.isEnabled()
    d.pass2.setText("proctor-secret")
    assert d.problems_label.text() == "" and d.build_button.isEnabled()
    qtbot.mouseClick(d.build_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: d.report is not None, timeout=20000)
    assert d.progress.value() == d.progress.maximum() and "Built" in d.status.text()
    pkg = ExamPackage.open(tmp_path / "out" / "final.itexam")
    s = pkg.settings
    assert s["title"] == "Lung final" and s["time_limit_s"] == 900 and s["case_time_limit_s"] == 90
    assert s["randomise_cases"] and s["randomise_options"] and not s["replay_loops"]
    assert s["navigation"] == "forward" and s["pass_mark"] == 0.6 and s["feedback"] == "full"
    assert len(pkg.items) == 2
    sealed = pkg.unseal_key("proctor-secret")
    by_case = {
        sealed[it["item_id"]]["case"]["id"]: [q["id"] for q in it["question_set"]["questions"]]
        for it in pkg.items
    }
    quick = {"view", "findings", "b_line_count", "lung_sliding", "decision"}
    assert set(by_case["lung-secretname-01"]) <= quick
    assert {"lus_score", "b_line_marks", "application"} <= set(by_case["lung-secretname-03"])
    pkg.check_passphrase("proctor-secret")
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)
    d.close()


def test_main_window_exam_menu_opens_the_exam_window(qtbot, ctx, tmp_path, monkeypatch) -> None:
    from imgtrainer.exams.build import build_package
    from imgtrainer.exams.settings import ExamSettings
    from imgtrainer.gui.exam import entry as exam_entry
    from imgtrainer.gui.main_window import MainWindow

    monkeypatch.setenv("IMGTRAINER_HOME", str(tmp_path / "home"))
    w = MainWindow(AppContext(library_dir=ctx.library_dir, db_url=ctx.db_url, trainee="T"))
    qtbot.addWidget(w)
    w.show()
    titles = [a.text() for a in w.exam_menu.actions()]
    assert titles == ["Build exam… (faculty)", "Take exam…"]
    out = tmp_path / "e.itexam"
    build_package(sorted((tmp_path / "lib").iterdir())[:1], out, "12345678", ExamSettings(), kdf_n=MIN_N)
    exam_entry.take_exam(w, out)
    exam = w.exam_window
    assert exam.isVisible() and exam.pages.currentWidget() is exam.identify_page
    assert not w.isVisible()  # the trainer (practice feedback, assist) is out of reach meanwhile
    exam.close()
    assert w.isVisible()
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)
    w.close()
