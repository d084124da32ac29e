"""Faculty workflows in one session (issue 21): the trainee library follows approvals and keys at
once; the Annotate screen edits what trainees read (title, context, indication, probe,
difficulty); the findings drop-downs fit a 1,500 px window and their instruction agrees with the
"not assessed" default; the review queue names the original file; raters switch without
logging out; the logbook table shows the CUSUM status."""

# ruff: noqa: F811  (pytest fixtures imported from test_faculty_helpers by name)
from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6.QtCore import QPoint

from imgtrainer.gui import workers
from imgtrainer.library.case_io import load_case, load_key, save_case
from imgtrainer.screens.context import AppContext
from tests.gui.test_faculty_helpers import PASSWORD, faculty_home, gate, workspace  # noqa: F401

pytestmark = pytest.mark.gui


def _open(qtbot, w, folder: Path):
    w.show_tab("annotate")
    w.annotate.open_case(folder)
    qtbot.waitUntil(lambda: w.annotate.viewer_state.clip is not None, timeout=10000)
    return w.annotate


def test_annotate_edits_what_trainees_read(qtbot, workspace, library) -> None:
    page = _open(qtbot, workspace, library / "lung-test-01")
    page.case_title.setText("Breathless after a central line")
    page.context.setPlainText("ICU, day 2; SpO2 falls to 88%.")
    page.indication.setText("Pneumothorax?")
    page.commit_teaching()
    page.probe.setCurrentIndex(page.probe.findData("linear"))
    page.probe.activated.emit(page.probe.currentIndex())
    page.difficulty.setCurrentIndex(2)
    page.difficulty.activated.emit(2)
    page.state.session.save()
    case = load_case(library / "lung-test-01")
    assert case.title == "Breathless after a central line" and case.indication == "Pneumothorax?"
    assert case.patient.clinical_context == "ICU, day 2; SpO2 falls to 88%."
    assert case.probe == "linear" and case.difficulty == 3
    page.state.session.undo()  # each edit is one undo step
    assert page.state.session.case.difficulty == 2


def test_findings_fit_at_1500_px_and_rest_absent(qtbot, workspace, library) -> None:
    workspace.resize(1500, 920)
    page = _open(qtbot, workspace, library / "lung-test-01")
    page.state.select_question("findings")
    qtbot.waitUntil(lambda: hasattr(page.editor, "combos"), timeout=5000)
    editor = page.editor
    qtbot.wait(100)  # let the side panel lay the new editor out
    assert "Trainees are asked" in page.prompt.text()
    scroll = editor.parentWidget()
    while scroll is not None and scroll.metaObject().className() != "QScrollArea":
        scroll = scroll.parentWidget()
    viewport = scroll.viewport()
    for combo in editor.combos.values():  # every drop-down, arrow included, inside the panel
        right = combo.mapTo(viewport, QPoint(combo.width(), 0)).x()
        assert 0 < right <= viewport.width(), (right, viewport.width())
    keyed = load_key(library / "lung-test-01").answers["findings"]
    page.state.set_finding("findings", "blines", "present")
    page.state.set_rest_absent("findings", list(editor.combos))
    ans = page.state.answer("findings")
    assert ans.present == ["blines"] and set(ans.absent) == set(editor.combos) - {"blines"}
    assert keyed is not None  # the consensus key is untouched: the rater's own key changed
    page.state.session.undo()
    assert page.state.answer("findings").absent == []


def test_switch_rater_without_logout(qtbot, workspace, library) -> None:
    page = _open(qtbot, workspace, library / "lung-test-01")
    page.state.set_finding("findings", "blines", "present")
    assert page.state.key_file.name == "dr_a.json"
    workspace.switch_rater("dr_b", PASSWORD)
    assert workspace.gate.unlocked and workspace.gate.rater == "dr_b"
    assert page.state.key_file.name == "dr_b.json" and "dr_b" in page.who.text()
    assert page.state.answer("findings") is None  # dr_b's own (empty) key
    assert workspace.review.reviewer == "dr_b" and workspace.adjudicate.adjudicator == "dr_b"
    assert load_key(library / "lung-test-01", "dr_a").answers["findings"].present == ["blines"]
    with pytest.raises(Exception, match="wrong faculty password"):
        workspace.switch_rater("dr_c", "not the password")
    assert workspace.gate.rater == "dr_b"


def test_review_queue_names_the_original_file(qtbot, tmp_path, faculty_home) -> None:
    from imgtrainer.gui.faculty.import_review import ImportReviewPage
    from tests.gui.test_faculty_review import _dicom_with_text

    lib = tmp_path / "lib"
    lib.mkdir()
    p = ImportReviewPage(lib, "dr_a", faculty_home)
    qtbot.addWidget(p)
    p.show()
    p.domain.setCurrentIndex(p.domain.findData("lung"))
    src = _dicom_with_text(tmp_path / "ward7_scan_0042.dcm", 3)
    done: list = []
    p.import_paths([src], on_done=done.append)
    qtbot.waitUntil(lambda: bool(done) and p.queue.count() == 1, timeout=30000)
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)
    text = p.queue.item(0).text()
    case_id = next(d.name for d in lib.iterdir() if (d / "case.json").is_file())
    assert "ward7_scan_0042.dcm" in text and case_id in text
    assert "ward7" not in (lib / case_id / "case.json").read_text()  # the name stays on this PC


def test_library_refresh_and_cusum_column(qtbot, library, tmp_path, faculty_home) -> None:
    """Faculty approve (or key) a case in the same session: the trainee library shows it at
    once, without a restart; the logbook table has the CUSUM status column."""
    from imgtrainer.gui.main_window import MainWindow

    pending = library / "lung-test-02"
    save_case(pending, load_case(pending).model_copy(update={"status": "pending_review", "public": False}))
    w = MainWindow(AppContext(library_dir=library, trainee="T", db_url=f"sqlite:///{tmp_path / 'a.sqlite'}"))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.library_page.list.count() == 1, timeout=10000)
    w.faculty.gate.unlock("dr_a", PASSWORD, PASSWORD)
    ws = w.faculty.open_workspace()
    ws.show_tab("review")
    qtbot.waitUntil(lambda: ws.review.queue.count() == 1, timeout=10000)
    ws.review.public.setChecked(True)
    ws.review.approve()
    qtbot.waitUntil(lambda: w.library_page.list.count() == 2, timeout=10000)
    assert load_case(pending).status == "approved"
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)
    # the progress screen's logbook: a CUSUM column with each application's status
    from imgtrainer.screens import progress as view

    assert view.LOG_HEADERS[-1] == "CUSUM"
    ws.close()
