"""The lung generator's ground truth matches what is measured in its pixels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import uniform_filter1d
from scipy.signal import find_peaks

from imgtrainer.synth.lung import LungParams, render_lung_clip

LIN = LungParams(probe="linear", depth_cm=5.0, pleura_cm=1.3, n_frames=6, fps=6.0)


@pytest.fixture(scope="module")
def blines_clip():
    return render_lung_clip(
        LungParams(probe="linear", depth_cm=5.0, pleura_cm=1.3, n_frames=1, n_blines=3, a_lines=False), 11
    )


@pytest.fixture(scope="module")
def sliding_clips():
    return {
        s: render_lung_clip(LungParams(**{**LIN.__dict__, "sliding": s}), 5) for s in ("present", "absent")
    }


def _brightest_row(frame: np.ndarray, x_lo: int, x_hi: int, y_lo: int, y_hi: int) -> float:
    prof = frame[y_lo:y_hi, x_lo:x_hi].astype(float).mean(axis=1)
    return y_lo + float(np.argmax(uniform_filter1d(prof, 3)))


def test_pleural_depth_from_brightest_row(sliding_clips):
    frames, truth = sliding_clips["present"]
    pr = truth.probe
    mid = frames.shape[2] // 2
    # the pleura is the brightest row between the skin layer and half the depth
    row = _brightest_row(frames[0], mid - 40, mid + 40, int(0.5 / pr.pixel_cm), int(pr.image_shape[0] / 2))
    depth_cm = (row - pr.origin_px[1]) * pr.pixel_cm
    assert abs(depth_cm - truth.pleura_depth_cm) < 0.2  # within 2 mm
    assert abs(row - truth.pleura_row_px) < 0.2 / pr.pixel_cm


def test_a_lines_at_multiples_of_pleural_depth(sliding_clips):
    frames, truth = sliding_clips["absent"]
    pr = truth.probe
    mid = frames.shape[2] // 2
    prof = uniform_filter1d(frames[:, :, mid - 40 : mid + 40].astype(float).mean(axis=(0, 2)), 3)
    for expected in truth.a_line_rows_px[:2]:
        lo, hi = int(expected - 0.3 / pr.pixel_cm), int(expected + 0.3 / pr.pixel_cm)
        window = prof[lo:hi]
        background = np.median(prof[int(truth.pleura_row_px) + 15 : int(expected) - 15])
        assert window.max() > background + 25, f"no A-line near row {expected:.0f}"
        assert abs(lo + int(np.argmax(window)) - expected) < 0.15 / pr.pixel_cm


def test_b_line_count_from_bright_columns(blines_clip):
    frames, truth = blines_clip
    pr = truth.probe
    below = frames[0, int(truth.pleura_row_px + 0.6 / pr.pixel_cm) : int(pr.image_shape[0] * 0.9)].astype(
        float
    )
    x0, _, x1, _ = pr.field_box
    cols = uniform_filter1d(below.mean(axis=0), 5)[x0:x1]
    peaks, _ = find_peaks(cols, height=np.median(cols) + 25, distance=int(0.3 / pr.pixel_cm))
    assert len(peaks) == len(truth.blines_x_px[0]) == 3
    found = np.sort(peaks + x0)
    assert np.all(np.abs(found - np.sort(truth.blines_x_px[0])) < 6)


def _lateral_shift(a: np.ndarray, b: np.ndarray, max_shift: int = 12) -> int:
    a = (a - a.mean()) / (a.std() + 1e-9)
    b = (b - b.mean()) / (b.std() + 1e-9)
    scores = [
        float((a[:, max_shift:-max_shift] * np.roll(b, -s, axis=1)[:, max_shift:-max_shift]).mean())
        for s in range(-max_shift, max_shift + 1)
    ]
    return int(np.argmax(scores)) - max_shift


def test_sliding_moves_subpleural_speckle_only_when_present(sliding_clips):
    for state, (frames, truth) in sliding_clips.items():
        pr = truth.probe
        p = int(truth.pleura_row_px)
        band = slice(p + 3, p + int(0.5 / pr.pixel_cm))
        wall = slice(int(0.4 / pr.pixel_cm), p - int(0.4 / pr.pixel_cm))
        x0, _, x1, _ = pr.field_box
        cols = slice(x0 + 60, x1 - 60)
        half = len(frames) // 2  # peak excursion of the breath
        lung_shift = _lateral_shift(
            frames[0, band, cols].astype(float), frames[half, band, cols].astype(float)
        )
        wall_shift = _lateral_shift(
            frames[0, wall, cols].astype(float), frames[half, wall, cols].astype(float)
        )
        expected = 0.13 / pr.pixel_cm if state == "present" else 0.0
        assert abs(lung_shift - expected) <= 2, (state, lung_shift, expected)
        assert wall_shift == 0
    assert sliding_clips["present"][1].sliding_frames == list(range(LIN.n_frames))
    assert sliding_clips["absent"][1].no_sliding_ranges == [(0, LIN.n_frames - 1)]


def test_speckle_persists_between_frames(sliding_clips):
    frames, truth = sliding_clips["absent"]
    wall = frames[:, 20 : int(truth.pleura_row_px) - 20].astype(float)
    r = np.corrcoef(wall[0].ravel(), wall[1].ravel())[0, 1]
    assert r > 0.9  # static tissue keeps its speckle: no boiling


def test_z_lines_fade_and_spare_a_lines():
    frames, truth = render_lung_clip(
        LungParams(probe="linear", depth_cm=5.0, pleura_cm=1.3, n_frames=1, n_zlines=2), 8
    )
    pr = truth.probe
    img = frames[0].astype(float)
    p = int(truth.pleura_row_px)
    near = slice(p + 8, p + int(0.5 / pr.pixel_cm))
    deep = slice(int(truth.a_line_rows_px[0]) + 15, int(pr.image_shape[0] * 0.9))
    for x in truth.zlines_x_px:
        col = slice(round(x) - 3, round(x) + 4)
        gap = (
            slice(round(x) + 25, round(x) + 32)
            if x < pr.image_shape[1] / 2
            else slice(round(x) - 32, round(x) - 25)
        )
        assert img[near, col].mean() > img[near, gap].mean() + 15  # visible at the pleura
        assert abs(img[deep, col].mean() - img[deep, gap].mean()) < 8  # gone at depth: not a B-line
    a_row = round(truth.a_line_rows_px[0])
    for x in truth.zlines_x_px:  # the A-line runs through the Z-line
        assert img[a_row - 3 : a_row + 4, round(x) - 2 : round(x) + 3].max() > 120
