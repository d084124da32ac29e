"""The review gate in the GUI: the trainee library, "Practise next", opening a case folder and the
exam builder's case list offer only approved, public, keyed cases (the CLI and core paths are in
tests/library/test_gate.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from imgtrainer.exams.crypto import MIN_N
from imgtrainer.gui import workers
from imgtrainer.gui.exam.builder import ExamBuilderDialog
from imgtrainer.gui.main_window import MainWindow
from imgtrainer.library.case_io import load_case, save_case
from imgtrainer.library.gate import CaseNotShareableError
from imgtrainer.screens import services
from imgtrainer.screens.context import AppContext
from tests.gui.conftest import write_case

pytestmark = pytest.mark.gui

GOOD = "lung-good"
BAD = ("lung-pending", "lung-nokey", "lung-private")


def gated_library(root: Path) -> Path:
    for cid in (*BAD, GOOD):
        write_case(root, cid, n_frames=4)
    for cid, update in (
        ("lung-pending", {"status": "pending_review", "public": False}),
        ("lung-private", {"public": False}),
    ):
        save_case(root / cid, load_case(root / cid).model_copy(update=update))
    (root / "lung-nokey" / "key.json").unlink()
    return root


@pytest.fixture
def ctx(tmp_path: Path) -> AppContext:
    lib = gated_library(tmp_path / "lib")
    return AppContext(library_dir=lib, db_url=f"sqlite:///{tmp_path / 'app.sqlite'}", trainee="T")


def test_trainee_library_and_practise_next(qtbot, ctx: AppContext) -> None:
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    lib = w.library_page
    qtbot.waitUntil(lambda: not lib.state.busy and lib.list.count() >= 1, timeout=10000)
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)
    assert [c.id for c in lib.state.cases] == [GOOD] and lib.list.count() == 1
    for _ in range(3):  # "Practise next" always lands on the one shareable case
        w.practise_next()
        qtbot.waitUntil(lambda: w.practice_state.qset is not None and not w.practice.loading, timeout=10000)
        assert w.practice_state.qset.case_id == GOOD
    # a held-back case folder opened directly (drop, recent file) is refused with the reason
    w.open_case(ctx.library_dir / "lung-pending")
    qtbot.waitUntil(lambda: "pending faculty review" in w.viewer_state.message, timeout=10000)
    assert w.practice_state.qset.case_id == GOOD
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)


def test_services_refuse_held_back_cases(ctx: AppContext) -> None:
    services.scan_library(ctx)
    assert [c.id for c in services.search_cases(ctx)] == [GOOD]
    assert len(services.search_cases(ctx, shareable=None)) == 4
    for cid in BAD:
        with pytest.raises(CaseNotShareableError, match=r"trainees|faculty"):
            services.load_bundle(ctx, ctx.library_dir / cid)
    for _ in range(3):
        assert services.next_case_folder(ctx) == ctx.library_dir / GOOD


def test_exam_builder_lists_only_shareable(qtbot, ctx: AppContext) -> None:
    d = ExamBuilderDialog(ctx, kdf_n=MIN_N)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitUntil(lambda: d.case_list.count() >= 1, timeout=10000)
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)
    assert d.case_list.count() == 1
    d.close()
