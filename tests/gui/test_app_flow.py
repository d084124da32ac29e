"""End-to-end flows in the real main window, offscreen: library -> case -> play, step, mark,
answer, submit, feedback, next -> progress; and the state <-> view loop both ways."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PyQt6.QtGui import QDropEvent

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
    yield w
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)


def _open_first_case(qtbot, w) -> None:
    w.library_page._activated(w.library_page.list.item(0))
    qtbot.waitUntil(
        lambda: w.practice_state.qset is not None and w.viewer_state.clip is not None, timeout=10000
    )


def _widget_point(w, ix: float, iy: float) -> QPoint:
    g = w.viewer.view.geometry_now()
    x, y = g.to_widget(ix, iy)
    return QPoint(round(x), round(y))


def test_full_practice_flow(qtbot, window, tmp_path) -> None:
    w = window
    _open_first_case(qtbot, w)
    st, ps = w.viewer_state, w.practice_state
    assert w.tabs.currentIndex() == 1 and st.assist_locked
    # play at real frame timing (50 ms frames): the index advances, Space pauses
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert st.playing
    qtbot.waitUntil(lambda: st.index >= 3, timeout=3000)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert not st.playing
    st.set_index(2)
    qtbot.keyClick(w, Qt.Key.Key_Right)
    assert st.index == 3
    qtbot.keyClick(w, Qt.Key.Key_Up)
    assert st.speed == 1.5
    # answer with digit keys: application (lung = 2), view (lateral intercostal = 4)
    ps.set_focus(0)
    qtbot.keyClick(w, Qt.Key.Key_2)
    assert ps.focus == 1  # a single-choice digit answer moves to the next question
    qtbot.keyClick(w, Qt.Key.Key_PageDown)
    qtbot.keyClick(w, Qt.Key.Key_PageUp)
    assert ps.focus == 1
    qtbot.keyClick(w, Qt.Key.Key_4)
    assert ps.answers["application"] == "lung" and ps.answers["view"] == "lateral_intercostal"
    # a misclick is taken back with Backspace before submitting, and answered again
    ps.focus_id("view")
    qtbot.keyClick(w, Qt.Key.Key_Backspace)
    assert "view" not in ps.answers
    assert not any(b.isChecked() for b in w.practice_panel.widgets["view"].buttons)
    qtbot.keyClick(w, Qt.Key.Key_4)
    assert ps.answers["view"] == "lateral_intercostal"
    ps.focus_id("findings")  # multiple choice: digits toggle findings 1 (pleural line) and 6 (B-lines)
    qtbot.keyClick(w, Qt.Key.Key_1)
    qtbot.keyClick(w, Qt.Key.Key_6)
    assert sorted(ps.answers["findings"]) == ["blines", "pleural_line"]
    # draw the pleural line with the mouse on the image
    ps.focus_id("pleural_line_mark")
    assert st.tool == "line"
    view = w.viewer.view
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=_widget_point(w, 20, 31))
    qtbot.mouseMove(view, _widget_point(w, 80, 31))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=_widget_point(w, 140, 30))
    marks = ps.answers["pleural_line_mark"]
    assert len(marks) == 1 and marks[0]["frame"] == 3 and abs(marks[0]["points"][1][0] - 140) < 2
    # a frame range on the timeline, then the decision by keyboard
    st.set_index(2)
    qtbot.keyClick(w, Qt.Key.Key_BracketLeft)
    st.set_index(5)
    qtbot.keyClick(w, Qt.Key.Key_BracketRight)
    ps.take_range("lung_point_frames", st)
    assert ps.answers["lung_point_frames"] == [[2, 5]]
    ps.focus_id("decision")
    qtbot.keyClick(w, Qt.Key.Key_1)
    # lung assist stays hidden until submission
    qtbot.keyClick(w, Qt.Key.Key_A)
    assert not st.show_assist and "submit" in st.message
    # Enter once warns about unanswered questions, twice submits
    qtbot.keyClick(w, Qt.Key.Key_Return)
    assert not ps.submitted and "unanswered" in w.practice_panel.error.text()
    qtbot.keyClick(w, Qt.Key.Key_Return)
    assert ps.submitted
    result = ps.result
    by_id = {q.question_id: q for q in result.questions}
    assert by_id["pleural_line_mark"].score == 1.0 and by_id["lung_point_frames"].score == 1.0
    assert by_id["findings"].score == 1.0 and not by_id["b_line_count"].answered
    fb = w.practice_panel.widgets["pleural_line_mark"].feedback
    assert fb.isVisibleTo(w) and "100%" in fb.text() and "expert" in fb.text()
    assert (
        "Overall" in w.practice_panel.summary.text() and "Teaching points" in w.practice_panel.summary.text()
    )
    assert st.expert_marks and st.index == 3  # expert marks over the trainee's, on the key frame
    assert st.answer_ranges == [(2, 5)] and st.expert_ranges == [(2, 5)]  # both drawn on the timeline
    assert not st.assist_locked
    # the attempt is stored; N opens the next case from the adaptive queue
    first = ps.qset.case_id
    qtbot.keyClick(w, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: ps.qset.case_id != first and not ps.submitted, timeout=10000)
    assert st.assist_locked and not st.expert_marks
    # progress shows the finished case
    qtbot.keyClick(w, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.progress_page.logbook is not None, timeout=10000)
    lung = w.progress_page.logbook.domain("lung")
    assert lung.attempts == 1 and lung.interpret_studies == 1
    assert (
        w.progress_page.findings.rowCount() == 4
    )  # pleural line, B-lines present; A-lines, lung point absent
    pdf = tmp_path / "portfolio.pdf"
    w.progress_page.export_pdf(pdf)
    qtbot.waitUntil(lambda: "Portfolio written" in w.progress_page.status.text(), timeout=30000)
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_state_drives_view_and_view_drives_state(qtbot, window) -> None:
    w = window
    _open_first_case(qtbot, w)
    st, v = w.viewer_state, w.viewer
    # core -> view
    st.set_index(7)
    assert v.frame_label.text().startswith("8 / 12")
    painted: list[int] = []
    v.view.painted.connect(lambda i, _t: painted.append(i))
    st.set_index(4)
    qtbot.waitUntil(lambda: 4 in painted, timeout=2000)
    st.set_speed(0.5)
    assert v.speed_box.currentText() == "0.5×"
    st.set_tool("ellipse")
    assert v.tool_actions["ellipse"].isChecked()
    # view -> core
    tl = v.timeline
    qtbot.mouseClick(tl, Qt.MouseButton.LeftButton, pos=QPoint(tl.width() - 10, tl.height() // 2))
    assert st.index == st.n_frames - 1
    v.speed_box.setCurrentIndex(v.speed_box.findData(2.0))
    v.speed_box.activated.emit(v.speed_box.currentIndex())
    assert st.speed == 2.0
    v.tool_actions["distance"].trigger()
    assert st.tool == "distance"
    qtbot.mouseClick(v.play_button, Qt.MouseButton.LeftButton)
    assert st.playing
    qtbot.mouseClick(v.play_button, Qt.MouseButton.LeftButton)
    assert not st.playing
    # wheel zoom and right-drag window/level change the state
    view = v.view
    centre = QPoint(view.width() // 2, view.height() // 2)
    qtbot.mousePress(view, Qt.MouseButton.RightButton, pos=centre)
    qtbot.mouseMove(view, centre + QPoint(-60, 40))
    qtbot.mouseRelease(view, Qt.MouseButton.RightButton, pos=centre + QPoint(-60, 40))
    assert st.window < 256 and st.level > 127.5
    # distance caliper in cm through the image
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=_widget_point(w, 10, 10))
    qtbot.mouseMove(view, _widget_point(w, 10, 40))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=_widget_point(w, 10, 70))
    assert st.measurements and st.measurements[-1].unit == "cm"
    assert st.measurements[-1].value == pytest.approx(3.0, abs=0.06)  # 60 px x 0.05 cm/px
    # fullscreen hides the side panel and comes back with Esc
    qtbot.keyClick(w, Qt.Key.Key_F)
    assert st.fullscreen and not w.side.isVisible()
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert not st.fullscreen and w.side.isVisible()


def test_answers_survive_a_crash(qtbot, library) -> None:
    ctx = AppContext(library_dir=library, trainee="Crashy")
    w1 = MainWindow(ctx)
    qtbot.addWidget(w1)
    w1.show()
    qtbot.waitUntil(lambda: w1.library_page.list.count() == 2, timeout=10000)
    _open_first_case(qtbot, w1)
    case_id = w1.practice_state.qset.case_id
    w1.practice_state.answer_digit(2)  # the application first: the other questions open after it
    w1.practice_state.set_focus(1)
    w1.practice_state.answer_digit(4)
    w1.practice_state.focus_id("b_line_count")
    w1.practice_state.answer_digit(3)
    w1.practice_state.focus_id("pleural_line_mark")
    st = w1.viewer_state
    st.press((20, 30))
    st.release((140, 30))
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)
    w1.hide()  # "crash": nothing else is saved
    w2 = MainWindow(AppContext(library_dir=library, trainee="Crashy"))
    qtbot.addWidget(w2)
    w2.show()
    qtbot.waitUntil(lambda: w2.library_page.list.count() == 2, timeout=10000)
    w2.library_page.open_case_id(case_id)
    qtbot.waitUntil(lambda: w2.practice_state.qset is not None, timeout=10000)
    answers = w2.practice_state.answers
    assert answers["view"] == "lateral_intercostal" and answers["b_line_count"] == 3
    assert answers["pleural_line_mark"][0]["points"] == [[20.0, 30.0], [140.0, 30.0]]
    assert [m.tag for m in w2.viewer_state.marks] == ["pleural_line_mark"]  # drawn again
    assert w2.practice.attempt_id == w1.practice.attempt_id
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)


def test_library_filters_and_drop(qtbot, window, tmp_path) -> None:
    w = window
    lib = w.library_page
    lib.search.setText("second")
    qtbot.waitUntil(lambda: lib.list.count() == 1, timeout=5000)
    assert lib.list.item(0).data(lib_id_role()) == "lung-test-02"  # found by its title, which stays hidden
    lib.search.setText("")
    qtbot.waitUntil(lambda: lib.list.count() == 2, timeout=5000)
    lib.state.set_filter("domain", "cardiac")
    qtbot.waitUntil(lambda: lib.list.count() == 0, timeout=5000)
    lib.state.set_filter("domain", None)
    lib.state.set_filter("status", "done")
    qtbot.waitUntil(lambda: lib.list.count() == 0, timeout=5000)
    lib.state.set_filter("status", "all")
    qtbot.waitUntil(lambda: lib.list.count() == 2, timeout=5000)
    qtbot.waitUntil(lambda: len(lib._thumbs) == 2, timeout=10000)  # thumbnails rendered off-thread
    # dropping a file on the window opens it for free study; a broken one shows a message, no crash
    _drop(w, tmp_path / "nothing.dcm")
    qtbot.waitUntil(lambda: "Cannot open" in w.viewer_state.message, timeout=5000)
    media = next(w.ctx.library_dir.glob("*/media/clip.dcm"))
    _drop(w, media)
    qtbot.waitUntil(lambda: w.viewer_state.clip is not None and w.case_title.isVisibleTo(w), timeout=5000)
    assert w.practice_state.qset is None and "Free study" in w.practice_panel.header.text()
    # dropping a case folder opens it for practice
    _drop(w, media.parent.parent)
    qtbot.waitUntil(lambda: w.practice_state.qset is not None, timeout=5000)


def _drop(w, path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    ev = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    w.dropEvent(ev)


def test_quality_panel_toggle(qtbot, window) -> None:
    w = window
    _open_first_case(qtbot, w)
    assert not w.quality_panel.isVisible()
    qtbot.keyClick(w, Qt.Key.Key_Q)
    assert w.viewer_state.show_quality and w.quality_panel.isVisible() and w.quality_action.isChecked()
    qtbot.waitUntil(lambda: w.quality_panel.report is not None, timeout=20000)
    report = w.quality_panel.report
    assert 0 <= report.score <= 100 and 1 <= report.acep <= 5
    assert "/100" in w.quality_panel.headline.text() and "Why" in w.quality_panel.reasons.text()
    qtbot.keyClick(w, Qt.Key.Key_Q)
    assert not w.quality_panel.isVisible()


def test_mmode_line_shows_strip(qtbot, window) -> None:
    w = window
    _open_first_case(qtbot, w)
    st = w.viewer_state
    strip = w.viewer.mmode_strip
    assert not strip.isVisible()
    w.viewer.tool_actions["mmode"].trigger()
    view = w.viewer.view
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=_widget_point(w, 30, 5))
    qtbot.mouseMove(view, _widget_point(w, 30, 60))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=_widget_point(w, 30, 110))
    assert st.mmode_line is not None and strip.isVisible()
    qtbot.waitUntil(lambda: strip.mmode is not None, timeout=10000)
    assert strip.mmode.image.shape[1] >= st.n_frames - 1  # one column per frame at least
    assert strip.mmode.cm_per_row is not None  # the line lies in the calibrated region


def test_hover_preview_animates_and_wrong_last_time_filter(qtbot, window) -> None:
    w = window
    lib = w.library_page
    qtbot.waitUntil(lambda: len(lib._thumbs) == 2, timeout=10000)
    item = lib.list.item(0)
    lib.list.itemEntered.emit(item)
    cid = item.data(lib_id_role())
    qtbot.waitUntil(lambda: cid in lib._previews and lib._hover_timer.isActive(), timeout=10000)
    frames, _step = lib._previews[cid]
    assert len(frames) > 1
    qtbot.waitUntil(lambda: lib._hover_step > 0, timeout=3000)  # the icon cycles through the preview
    lib._stop_hover()
    assert not lib._hover_timer.isActive()
    # answer a case badly: it shows up under "Wrong last time"
    _open_first_case(qtbot, w)
    ps = w.practice_state
    ps.focus_id("decision")
    ps.answer_digit(3)
    w.practice_panel.submit()
    w.practice_panel.submit()
    assert ps.submitted and not ps.result.correct
    lib.state.set_filter("status", "wrong")
    qtbot.waitUntil(lambda: lib.list.count() == 1, timeout=10000)
    assert lib.list.item(0).text().startswith("✘") and lib.list.item(0).data(lib_id_role()) == ps.qset.case_id
    lib.state.set_filter("status", "undone")
    qtbot.waitUntil(
        lambda: lib.list.count() == 1 and lib.list.item(0).data(lib_id_role()) != ps.qset.case_id,
        timeout=10000,
    )


def lib_id_role() -> int:
    from imgtrainer.gui.library.browser import _ID_ROLE

    return _ID_ROLE


def test_lung_assist_hidden_until_submitted_then_drawn(qtbot, window) -> None:
    w = window
    _open_first_case(qtbot, w)
    st = w.viewer_state
    qtbot.keyClick(w, Qt.Key.Key_A)
    assert not st.show_assist and w.viewer.assist.report is None
    w.practice_panel.submit()
    w.practice_panel.submit()
    assert w.practice_state.submitted and not st.assist_locked
    qtbot.keyClick(w, Qt.Key.Key_A)
    assert st.show_assist and w.assist_action.isChecked()
    qtbot.waitUntil(
        lambda: w.viewer.assist.report is not None or w.viewer.assist.error.startswith("Lung assist not"),
        timeout=20000,
    )
    report = w.viewer.assist.report
    assert report is not None and "lus_score" in report
    img = w.viewer.view.grab().toImage()  # the summary box is painted in the top-right corner
    assert img.pixelColor(img.width() - 20, 40).red() < 60


def test_switching_trainee_resets_the_case_and_progress(qtbot, window) -> None:
    w = window
    _open_first_case(qtbot, w)
    w.practice_panel.submit()
    w.practice_panel.submit()
    w.set_trainee("Second Trainee")
    assert w.viewer_state.clip is None and w.practice_state.qset is None
    w.show_progress()
    qtbot.waitUntil(
        lambda: w.progress_page.logbook is not None and w.progress_page.logbook.trainee == "Second Trainee",
        timeout=10000,
    )
    assert w.progress_page.logbook.attempts == 0


def test_lung_assist_only_on_lung_clips(qtbot, window) -> None:
    w = window
    _open_first_case(qtbot, w)
    st = w.viewer_state
    w.practice_panel.submit()
    w.practice_panel.submit()
    assert st.assist_domain == w.practice_state.qset.domain == "lung"
    st.set_assist_domain("cardiac")  # as after submitting a FoCUS case
    st.set_show_assist(True)
    assert w.viewer.assist.report is None and "for lung clips" in w.viewer.assist.error
    assert "Cardiac" in w.viewer.assist.error
    st.set_assist_domain(None)  # a file opened for free study: unknown application, so it runs
    qtbot.waitUntil(lambda: w.viewer.assist.report is not None, timeout=20000)
