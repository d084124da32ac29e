"""GUI fixtures: a synthetic calibrated cine and a guard that fails a test leaking top-level windows."""

from __future__ import annotations

import pytest

from imgtrainer.media.clip import ArrayClip
from tests.screens.cine import make_cine


def visible_windows(qapp) -> set[int]:
    return {id(w) for w in qapp.topLevelWidgets() if w.isVisible()}


def leaked_windows(qapp, before: set[int]) -> list:
    """Top-level windows visible now that were not visible before."""
    qapp.processEvents()
    return [w for w in qapp.topLevelWidgets() if w.isVisible() and id(w) not in before]


@pytest.fixture(autouse=True)
def no_leaked_windows(qapp):
    """Fail the test if it leaves a visible top-level window behind (as napari's viewer fixture)."""
    before = visible_windows(qapp)
    yield
    leaked = leaked_windows(qapp, before)
    for w in leaked:
        w.close()
        w.deleteLater()
    qapp.processEvents()
    assert not leaked, f"test leaked top-level windows: {[type(w).__name__ for w in leaked]}"


@pytest.fixture
def cine() -> ArrayClip:
    return make_cine()


def write_case(root, case_id: str = "lung-test-01", n_frames: int = 12, title: str = "Test lung, B-lines"):
    """A lung case folder with a calibrated DICOM cine and a key answering every question kind."""
    from imgtrainer.library.case_io import save_case, save_key
    from imgtrainer.library.models import (
        AnswerKey,
        Case,
        CategoryAnswer,
        CountAnswer,
        DecisionAnswer,
        DecisionQuestion,
        FindingsAnswer,
        FrameRangesAnswer,
        MarksAnswer,
        MeasurementAnswer,
        MediaRef,
        OrdinalAnswer,
    )
    from imgtrainer.library.models import Mark as KeyMark
    from imgtrainer.media.dicom_writer import write_dicom_cine

    folder = root / case_id
    (folder / "media").mkdir(parents=True)
    clip = make_cine(n=n_frames, rows=120, cols=160, two_regions=False)
    write_dicom_cine(
        folder / "media" / "clip.dcm",
        clip.frames(),
        frame_time_ms=50.0,
        regions=clip.regions,
        uid_seed=case_id,
    )
    case = Case(
        public=True,  # approved and shared: passes the review gate
        id=case_id,
        title=title,
        domain="lung",
        media=[MediaRef(path="media/clip.dcm")],
        probe="convex",
        indication="Breathless after surgery.",
        difficulty=2,
        teaching_points=["Three or more B-lines: interstitial syndrome."],
        decision=DecisionQuestion(
            stem="What next?", options=["Diuretic and reassess", "Chest drain", "Nothing"]
        ),
    )
    key = AnswerKey(
        case_id=case_id,
        rater="expert",
        answers={
            "view": CategoryAnswer(value="lateral_intercostal"),
            "acep_quality": OrdinalAnswer(value=4),
            "findings": FindingsAnswer(present=["pleural_line", "blines"], absent=["a_lines", "lung_point"]),
            "b_line_count": CountAnswer(value=4, tolerance=1),
            "pleural_line_mark": MarksAnswer(
                marks=[KeyMark(type="line", points=[(20, 30), (140, 30)], frame=3)]
            ),
            "lung_point_frames": FrameRangesAnswer(ranges=[(2, 5)]),
            "effusion_depth": MeasurementAnswer(
                value=2.0, unit="cm", marks=[KeyMark(type="line", points=[(40, 20), (40, 60)], frame=3)]
            ),
            "decision": DecisionAnswer(
                correct=0, explanation="Bilateral B-lines with a good heart suggest fluid."
            ),
        },
    )
    save_case(folder, case)
    save_key(folder, key)
    return folder


@pytest.fixture
def library(tmp_path):
    root = tmp_path / "library"
    root.mkdir()
    write_case(root, "lung-test-01")
    write_case(root, "lung-test-02", title="Second lung case")
    return root
