"""The published line detectors (``lung_detectors``) on synthetic clips with known truth."""

from __future__ import annotations

import pytest

from imgtrainer.analysis.lung import assess_lung
from imgtrainer.analysis.lung_detectors import DETECTOR_FEATURES
from imgtrainer.media.clip import ArrayClip
from tests.analysis._synth import lung_clip


def _scores(blines: tuple[int, ...]) -> dict[str, float]:
    return assess_lung(ArrayClip(lung_clip(n=12, blines=blines), fps=20), all_features=True).features


@pytest.fixture(scope="module")
def scores() -> dict[tuple[int, ...], dict[str, float]]:
    return {b: _scores(b) for b in ((), (60,), (60, 140))}


def test_every_detector_score_is_reported(scores) -> None:
    for f in scores.values():
        assert set(DETECTOR_FEATURES) <= set(f)


def test_moshavegh_counts_the_drawn_b_lines_in_every_frame(scores) -> None:
    for blines, f in scores.items():
        assert f["moshavegh_count"] == len(blines)
        assert f["moshavegh_frames"] == (1.0 if blines else 0.0)
    assert scores[(60,)]["moshavegh_persist"] == 1.0  # the same line again in the next frame
    assert scores[(60, 140)]["moshavegh_cover"] > scores[(60,)]["moshavegh_cover"] > 0


def test_brattain_covers_more_of_the_sector_with_more_b_lines(scores) -> None:
    assert scores[()]["brattain_cover"] == 0.0
    assert 0 < scores[(60,)]["brattain_cover"] < scores[(60, 140)]["brattain_cover"] < 0.2


def test_radon_sees_vertical_lines_with_b_lines_and_horizontal_ones_without(scores) -> None:
    none, one = scores[()], scores[(60,)]
    assert one["radon_vertical"] > 10 * none["radon_vertical"]
    assert none["radon_horizontal"] > none["radon_vertical"] * 10  # A-lines only: horizontal
    assert none["radon_horizontal"] > one["radon_horizontal"]  # a B-line erases part of the A-lines


def test_detectors_are_measured_only_when_asked_or_used() -> None:
    """The assist runs a detector only when its model uses one of that detector's scores."""
    from imgtrainer.analysis.lung_model import default_model

    f = assess_lung(ArrayClip(lung_clip(n=4), fps=20)).features
    used = {k.split("_")[0] for k in (*default_model().b.features, *default_model().a.features)}
    reported = {k.split("_")[0] for k in DETECTOR_FEATURES if k in f}
    assert reported == used & {"brattain", "moshavegh", "radon"}
