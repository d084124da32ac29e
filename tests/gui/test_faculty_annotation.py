"""Annotating a case in the faculty workspace, offscreen: every tool through the real mouse and
keyboard path, undo/redo, autosave to the rater's own key, save-and-next, a second rater."""

# ruff: noqa: F811  (pytest fixtures imported from test_faculty_helpers by name)
from __future__ import annotations

import json

import pytest
from PyQt6.QtCore import Qt

from imgtrainer.library.case_io import key_path, load_case, load_key
from tests.gui.test_faculty_helpers import click, drag, faculty_home, gate, widget_point, workspace  # noqa: F401

pytestmark = pytest.mark.gui


def _open(qtbot, w, folder):
    w.show_tab("annotate")
    w.annotate.open_case(folder)
    qtbot.waitUntil(lambda: w.annotate.viewer_state.clip is not None, timeout=10000)
    return w.annotate.state, w.annotate.viewer_state, w.annotate.viewer.view


def test_annotate_with_each_tool_undo_redo_autosave(qtbot, workspace, library) -> None:
    w = workspace
    folder = library / "lung-test-01"
    st, vs, view = _open(qtbot, w, folder)
    assert "dr_a" in w.annotate.who.text() and "keys/dr_a.json" in w.annotate.who.text()

    # line tool (L) on the pleural line, by mouse drag
    st.select_question("pleural_line_mark")
    qtbot.keyClick(w, Qt.Key.Key_L)
    assert vs.tool == "line"
    drag(view, [widget_point(view, 20, 30), widget_point(view, 80, 31), widget_point(view, 140, 32)])
    marks = st.answer("pleural_line_mark").marks
    assert len(marks) == 1 and marks[0].type == "line" and marks[0].frame == 0
    assert marks[0].points[0] == pytest.approx((20, 30), abs=1.5)
    assert load_key(folder, "dr_a").answers["pleural_line_mark"].marks == marks  # autosaved

    # drag the small handle of the right end: the invisible hit area is larger than the handle
    near = widget_point(view, 140, 32)
    near.setX(near.x() + 4)
    drag(view, [near, widget_point(view, 130, 40)])
    moved = st.answer("pleural_line_mark").marks[0].points[1]
    assert moved == pytest.approx((130, 40), abs=1.5)
    assert len(st.answer("pleural_line_mark").marks) == 1  # moved, not a new line

    # undo / redo from the keyboard
    qtbot.keyClick(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert st.answer("pleural_line_mark").marks[0].points[1] == pytest.approx((140, 32), abs=1.5)
    qtbot.keyClick(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert st.answer("pleural_line_mark").marks[0].points[1] == pytest.approx((130, 40), abs=1.5)

    # copy the selected mark to the neighbouring frames (C): frames 1 and 2 (0 is the source)
    st.select_mark(0)
    qtbot.keyClick(w, Qt.Key.Key_C)
    assert sorted(m.frame for m in st.answer("pleural_line_mark").marks) == [0, 1, 2]
    st.select_mark(2)
    qtbot.keyClick(w, Qt.Key.Key_Delete)
    assert sorted(m.frame for m in st.answer("pleural_line_mark").marks) == [0, 1]

    # polygon tool (G): click corners, double-click closes
    st.select_question("effusion_outline")
    qtbot.keyClick(w, Qt.Key.Key_G)
    vs.set_index(4)
    for xy in ((30, 60), (70, 60), (70, 100)):
        click(view, widget_point(view, *xy))
    click(view, widget_point(view, 30, 100), double=True)
    poly = st.answer("effusion_outline").marks
    assert len(poly) == 1 and poly[0].type == "polygon" and poly[0].frame == 4 and len(poly[0].points) >= 4

    # calibrated distance caliper (D): 40 px at 0.05 cm/px = 2 cm
    st.select_question("effusion_depth")
    qtbot.keyClick(w, Qt.Key.Key_D)
    drag(view, [widget_point(view, 40, 20), widget_point(view, 40, 60)])
    depth = st.answer("effusion_depth")
    assert depth.unit == "cm" and depth.value == pytest.approx(2.0, abs=0.06)
    assert depth.marks[0].type == "line"

    # frame range: [ and ] on the timeline position, R adds it
    st.select_question("lung_point_frames")
    vs.set_index(2)
    qtbot.keyClick(w, Qt.Key.Key_BracketLeft)
    vs.set_index(5)
    qtbot.keyClick(w, Qt.Key.Key_BracketRight)
    qtbot.keyClick(w, Qt.Key.Key_R)
    assert st.answer("lung_point_frames").ranges == [(2, 5)]

    # category by digit key: view option 4 = lateral intercostal; ordinal by digit
    st.select_question("view")
    qtbot.keyClick(w, Qt.Key.Key_4)
    assert st.answer("view").value == "lateral_intercostal"
    st.select_question("lus_score")
    qtbot.keyClick(w, Qt.Key.Key_2)
    assert st.answer("lus_score").value == 1

    # findings through the editor's combos
    st.select_question("findings")
    combo = w.annotate.editor.combos["blines"]
    combo.activated.emit(1)
    w.annotate.editor.combos["a_lines"].activated.emit(2)
    f = st.answer("findings")
    assert f.present == ["blines"] and f.absent == ["a_lines"]

    # the file on disk holds every answer, under this rater only
    data = json.loads(key_path(folder, "dr_a").read_text())
    assert data["rater"] == "dr_a" and data["role"] == "rater"
    for qid in (
        "pleural_line_mark",
        "effusion_outline",
        "effusion_depth",
        "lung_point_frames",
        "view",
        "findings",
    ):
        assert qid in data["answers"]
    assert not (folder / "keys" / "expert.json").exists()


def test_point_tool_after_changing_the_application(qtbot, workspace, library) -> None:
    w = workspace
    st, _vs, view = _open(qtbot, w, library / "lung-test-02")
    st.select_question("application")
    w.annotate.editor.choose(1)  # 1 = airway
    assert load_case(library / "lung-test-02").domain == "airway"
    assert st.question("ctm_mark") is not None  # the airway questions replaced the lung ones
    st.select_question("ctm_mark")
    qtbot.keyClick(w, Qt.Key.Key_P)
    click(view, widget_point(view, 50, 50))
    pts = st.answer("ctm_mark").marks
    assert pts[0].type == "point" and pts[0].points[0] == pytest.approx((50, 50), abs=1.5)
    st.undo()
    st.undo()
    assert load_case(library / "lung-test-02").domain == "lung"  # undo reaches case-level edits too


def test_teaching_decision_save_and_next_and_second_rater(qtbot, workspace, library, gate) -> None:
    from imgtrainer.gui.faculty.annotation_panel import AnnotationPage

    w = workspace
    folder = library / "lung-test-01"
    st, _vs, _view = _open(qtbot, w, folder)
    page = w.annotate
    page.teaching.setPlainText("B-lines erase A-lines.\nCount per intercostal space.")
    page.difficulty.activated.emit(2)
    st.select_question("decision")
    ed = page.editor
    ed.stem.setPlainText("Best next step?")
    ed.options.setPlainText("Diuretic\nChest drain\nObserve")
    ed.correct.setCurrentIndex(2)
    ed.commit()
    qtbot.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # save and next
    qtbot.waitUntil(lambda: st.session.case.id == "lung-test-02", timeout=5000)
    case = load_case(folder)
    assert case.teaching_points == ["B-lines erase A-lines.", "Count per intercostal space."]
    assert case.difficulty == 3
    assert case.decision.options == ["Diuretic", "Chest drain", "Observe"]
    assert load_key(folder, "dr_a").answers["decision"].correct == 1

    # a second rater on the same case writes her own file; dr_a's key is untouched
    before = key_path(folder, "dr_a").read_bytes()
    other = AnnotationPage(library, "dr_b")
    qtbot.addWidget(other)
    other.open_case(folder)
    qtbot.waitUntil(lambda: other.viewer_state.clip is not None, timeout=10000)
    assert "dr_b" in other.who.text()
    assert other.state.answer("decision") is None  # starts from her own (empty) key
    other.state.select_question("lus_score")
    other.answer_digit(3)
    assert load_key(folder, "dr_b").answers["lus_score"].value == 2
    assert key_path(folder, "dr_a").read_bytes() == before
    other.close_clip()
