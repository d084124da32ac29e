"""The practice screen is blind until submission (no title, id, tags, application), cleared answers
stay cleared after a restart, and trainee profiles are created through the attempt store."""

from __future__ import annotations

import pytest
from PyQt6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QTabWidget,
    QWidget,
)

from imgtrainer.gui import workers
from imgtrainer.gui.main_window import MainWindow
from imgtrainer.screens.context import AppContext
from imgtrainer.screens.labels import case_label
from tests.gui.conftest import write_case

pytestmark = pytest.mark.gui

SECRET_ID = "lung-zebra-42"
SECRET_TITLE = "Quokka pattern everywhere"
SECRET_TAGS = ["wombat-tag", "platypus-tag"]
SECRET_TEACHING = "Numbat teaching point"
SECRET_INDICATION = "Lung ultrasound for a wallaby question."


@pytest.fixture
def secret_library(tmp_path):
    from imgtrainer.library.case_io import load_case, save_case

    root = tmp_path / "library"
    root.mkdir()
    folder = write_case(root, SECRET_ID, title=SECRET_TITLE)
    case = load_case(folder)
    media = [case.media[0].model_copy(update={"label": SECRET_TITLE})]
    patient = case.patient.model_copy(update={"age_years": 71.0, "clinical_context": "Short of breath."})
    case = case.model_copy(
        update={
            "tags": SECRET_TAGS,
            "teaching_points": [SECRET_TEACHING],
            "indication": SECRET_INDICATION,
            "media": media,
            "patient": patient,
        }
    )
    save_case(folder, case)
    return root


def visible_texts(w: MainWindow) -> list[str]:
    """Every text a trainee can read in the window: labels, buttons, tabs, lists, combos, tooltips,
    window title, status bar and the message painted on the image."""
    out = [w.windowTitle(), w.statusBar().currentMessage(), w.viewer_state.message]
    for child in [w, *w.findChildren(QWidget)]:
        out += [child.toolTip(), child.windowTitle(), child.accessibleName(), child.statusTip()]
        if isinstance(child, (QLabel, QAbstractButton)):
            out.append(child.text())
        elif isinstance(child, QLineEdit):
            out += [child.text(), child.placeholderText()]
        elif isinstance(child, QGroupBox):
            out.append(child.title())
        elif isinstance(child, QComboBox):
            out += [child.itemText(i) for i in range(child.count())]
        if isinstance(child, QListWidget):
            for i in range(child.count()):
                out += [child.item(i).text(), child.item(i).toolTip()]
        if isinstance(child, QTabWidget):
            out += [child.tabText(i) for i in range(child.count())]
            out += [child.tabToolTip(i) for i in range(child.count())]
    for action in w.findChildren(type(w.quality_action)):
        out += [action.text(), action.toolTip()]
    return [t for t in out if t]


def _open(qtbot, ctx: AppContext) -> MainWindow:
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitUntil(lambda: w.library_page.list.count() == 1, timeout=10000)
    w.library_page.open_case_id(SECRET_ID)
    qtbot.waitUntil(
        lambda: w.practice_state.qset is not None and w.viewer_state.clip is not None, timeout=10000
    )
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)
    return w


def test_practice_screen_is_blind_until_submitted(qtbot, secret_library) -> None:
    w = _open(qtbot, AppContext(library_dir=secret_library, trainee="Blind Trainee"))
    texts = visible_texts(w)
    blob = "\n".join(texts).lower()
    for secret in [SECRET_ID, SECRET_TITLE, *SECRET_TAGS, SECRET_TEACHING, "wallaby"]:
        assert secret.lower() not in blob, f"{secret!r} is visible before submission"
    # the application is the first question's answer: not in the header, status bar or window title
    header = w.practice_panel.header.text()
    for surface in (header, w.statusBar().currentMessage(), w.windowTitle()):
        assert "lung" not in surface.lower(), surface
    # what the trainee does see: a neutral label, difficulty, probe, age and clinical context
    assert case_label(SECRET_ID) in header and "●●○" in header and "convex" in header
    assert "71 y" in header and "Short of breath." in header
    assert any(case_label(SECRET_ID) in t for t in texts)  # the library card, neutral too

    w.practice_panel.submit()
    w.practice_panel.submit()  # the second press submits with questions unanswered
    assert w.practice_state.submitted
    header = w.practice_panel.header.text()
    assert SECRET_TITLE in header and SECRET_ID in header and "Lung" in header
    assert SECRET_TEACHING in w.practice_panel.summary.text()
    # the finished case shows its title in the library
    qtbot.waitUntil(lambda: SECRET_TITLE in w.library_page.list.item(0).text(), timeout=10000)
    assert SECRET_ID in w.library_page.list.item(0).toolTip()
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)


def test_cleared_answer_stays_cleared_after_restart(qtbot, secret_library) -> None:
    from imgtrainer.progress.attempts import AttemptStore
    from imgtrainer.store.engine import make_engine

    ctx = AppContext(library_dir=secret_library, trainee="Clearing Trainee")
    w1 = _open(qtbot, ctx)
    ps = w1.practice_state
    ps.answer_digit(2)  # application: lung (the other questions open after it)
    ps.focus_id("view")
    ps.answer_digit(4)
    ps.focus_id("b_line_count")
    ps.answer_digit(3)
    attempt_id = w1.practice.attempt_id
    assert AttemptStore(make_engine(ctx.db_url)).answers(attempt_id)["b_line_count"].value == 3
    w1.practice_panel.widgets["b_line_count"].spin.setValue(-1)  # the trainee clears the count
    assert "b_line_count" not in ps.answers
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)
    w1.hide()  # "crash"
    # a new engine on the same database: the count stays cleared, the other answer is kept
    stored = AttemptStore(make_engine(ctx.db_url)).answers(attempt_id)
    assert "b_line_count" not in stored and stored["view"].value == "lateral_intercostal"
    # and the reopened case shows it unanswered
    w2 = _open(qtbot, AppContext(library_dir=secret_library, trainee="Clearing Trainee"))
    assert w2.practice.attempt_id == attempt_id
    assert "b_line_count" not in w2.practice_state.answers
    assert w2.practice_state.answers["view"] == "lateral_intercostal"
    assert w2.practice_panel.widgets["b_line_count"].spin.value() == -1
    # answering it again after the clear is saved as usual
    w2.practice_state.focus_id("b_line_count")
    w2.practice_state.answer_digit(5)
    assert AttemptStore(make_engine(ctx.db_url)).answers(attempt_id)["b_line_count"].value == 5


def test_trainee_profiles_go_through_the_attempt_store(tmp_path) -> None:
    from imgtrainer.errors import ImgTrainerError
    from imgtrainer.screens import services

    ctx = AppContext(library_dir=tmp_path, db_url=f"sqlite:///{tmp_path / 't.sqlite'}")
    assert services.ensure_trainee(ctx, "  Dr   Ada  Lovelace ") == "Dr Ada Lovelace"
    assert services.ensure_trainee(ctx, "Dr Ada Lovelace") == "Dr Ada Lovelace"
    assert services.list_trainees(ctx) == ["Dr Ada Lovelace"]
    with pytest.raises(ImgTrainerError, match="empty"):
        services.ensure_trainee(ctx, "   ")


def test_exam_header_does_not_name_the_application() -> None:
    from imgtrainer.gui.exam.take_panel import context_html

    case = {"indication": "Lung ultrasound at the bedside.", "patient": {"age_years": 60}, "probe": "convex"}
    text = context_html({"case": case}, 0, 3)
    assert "Case 1 of 3" in text and "60 y" in text and "lung" not in text.lower()


def test_questions_after_the_application_stay_hidden_until_it_is_answered(qtbot, secret_library) -> None:
    from imgtrainer.gui.practice.panel import GATE_HINT
    from imgtrainer.screens.practice import LOCKED_MESSAGE

    w = _open(qtbot, AppContext(library_dir=secret_library, trainee="Gated Trainee"))
    ps, panel = w.practice_state, w.practice_panel
    app_widget = panel.widgets["application"]
    assert ps.gated and app_widget.isVisibleTo(w) and panel.gate_hint.text() == GATE_HINT
    assert not any(wd.isVisibleTo(w) for qid, wd in panel.widgets.items() if qid != "application")
    # nothing the trainee can see names the application, except the options of question 1
    shown = [w.windowTitle(), w.statusBar().currentMessage(), w.viewer_state.message]
    for child in w.findChildren(QLabel):
        if child.isVisibleTo(w) and not app_widget.isAncestorOf(child):
            shown.append(child.text())
    assert not [t for t in shown if "lung" in t.lower()]
    # keys cannot reach the hidden questions
    w.next_question()
    assert ps.focus == 0
    ps.focus_id("decision")
    assert ps.current.id == "application"
    assert not ps.set_answer("b_line_count", 3) and "application" in ps.error
    # answering it opens the rest and locks it
    ps.answer_digit(2)
    assert ps.answers["application"] == "lung" and not ps.gated and ps.current.id != "application"
    assert all(wd.isVisibleTo(w) for wd in panel.widgets.values()) and not panel.gate_hint.isVisibleTo(w)
    assert not app_widget.body.isEnabled()
    assert not ps.set_answer("application", "gastric") and ps.error == LOCKED_MESSAGE
    assert ps.answers["application"] == "lung"
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)
