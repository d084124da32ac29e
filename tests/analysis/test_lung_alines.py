"""A-line placement: replicas of the pleura found even when the probe face is cropped off."""

from __future__ import annotations

import numpy as np

from imgtrainer.analysis.lung_alines import ALinePlacement, place_alines, replica_curve
from imgtrainer.analysis.lung_pleura import Pleura, find_pleura


def _grid_with_alines(face: float, pleura_row: float, tilt: float, seed: int = 0) -> np.ndarray:
    """Time-averaged grid (rows, beams): speckle, a tilted pleura and its 2nd/3rd replicas."""
    rng = np.random.default_rng(seed)
    nd, nb = 256, 160
    img = rng.rayleigh(18.0, (nd, nb)) * np.linspace(1.6, 0.5, nd)[:, None]
    beams = np.arange(nb)
    p = pleura_row + tilt * (beams - nb / 2)
    rows = np.arange(nd)[:, None]
    for k, gain in ((1, 160.0), (2, 90.0), (3, 60.0)):
        r = face + k * (p - face)
        img += gain * np.exp(-0.5 * ((rows - r[None, :]) / 1.5) ** 2)
    return img.astype(np.float32)


def test_alines_placed_with_probe_face_above_the_image() -> None:
    # the stored image starts 12 rows below the probe face: multiples of the visible depth
    # (pleura row 36 -> 72, 108) would miss the true A-lines at 84 and 132
    face, pleura_row = -12.0, 36.0
    grid = _grid_with_alines(face, pleura_row, tilt=0.08)
    valid = np.ones(grid.shape, bool)
    nd, nb = grid.shape
    row = pleura_row + 0.08 * (np.arange(nb) - nb / 2)
    pleura = Pleura(np.zeros(nb, int), row, np.ones(nb), np.ones(nb, bool), nd - 1, True)
    place = place_alines(grid, valid, pleura)
    assert abs(place.face_row - face) <= 4.0, place
    mid = grid.shape[1] // 2
    assert abs(place.rows(pleura.row[mid : mid + 1], 2)[0] - 84.0) <= 3.0
    assert abs(place.rows(pleura.row[mid : mid + 1], 3)[0] - 132.0) <= 4.0
    assert place.contrast > 1.0


def test_no_alines_gives_low_contrast() -> None:
    rng = np.random.default_rng(3)
    nd, nb = 256, 160
    grid = (rng.rayleigh(18.0, (nd, nb)) * np.linspace(1.6, 0.5, nd)[:, None]).astype(np.float32)
    grid[40:43] += 160.0  # a pleura with nothing repeating below it
    valid = np.ones(grid.shape, bool)
    pleura = find_pleura(grid, valid)
    place = place_alines(grid, valid, pleura)
    with_lines = place_alines(
        _grid_with_alines(0.0, 41.0, 0.0, seed=3),
        valid,
        find_pleura(_grid_with_alines(0.0, 41.0, 0.0, seed=3), valid),
    )
    assert place.contrast < 0.5 * with_lines.contrast


def test_replica_curve_is_smooth_and_deeper_for_each_multiple() -> None:
    rng = np.random.default_rng(5)
    nb = 160
    row = 40.0 + 0.05 * (np.arange(nb) - 80) + rng.normal(0, 2.0, nb)  # a noisy, tilted pleura
    on = np.ones(nb, bool)
    on[:4] = False
    pleura = Pleura(np.zeros(nb, int), row, np.ones(nb), on, 255, True)
    place = ALinePlacement(face_row=-10.0, contrast=1.0)
    r2, b2 = replica_curve(pleura, place, 2)
    r3, _ = replica_curve(pleura, place, 3)
    assert r2.size >= 20 and b2.min() >= 4
    assert np.all(r3 > r2)
    assert np.abs(np.diff(r2, 2)).max() < 0.5  # a smooth arc, not the pleura's jitter times two
    truth = -10.0 + 2 * (40.0 + 0.05 * (b2 - 80) + 10.0)
    assert np.abs(r2 - truth).max() < 3.0


def _speckle_series(n: int, seed: int, nd: int = 256, nb: int = 120) -> np.ndarray:
    """Frames of fresh speckle over a depth-attenuation trend (no line anywhere)."""
    rng = np.random.default_rng(seed)
    trend = np.linspace(1.6, 0.4, nd)[:, None]
    return np.stack([rng.rayleigh(18.0, (nd, nb)) * trend for _ in range(n)]).astype(np.float32)


def test_reverberation_periodicity_finds_the_a_line_spacing_without_pleura_or_face() -> None:
    """Horizontal lines every 48 rows (a pleura and its reverberations, face cropped off) give a
    strong depth self-similarity at a 48-row lag; speckle and a depth trend alone do not."""
    from imgtrainer.analysis.lung_alines import reverberation_periodicity

    nd, nb, spacing = 256, 120, 48
    speckle = _speckle_series(6, seed=3)
    lines = speckle.copy()
    rows = np.arange(nd)[:, None]
    for k, gain in ((1, 120.0), (2, 80.0), (3, 55.0), (4, 40.0)):
        jitter = np.random.default_rng(k).normal(0, 0.7, nb)  # lines are not perfectly flat
        lines += (gain * np.exp(-0.5 * ((rows - (10 + k * spacing) - jitter[None, :]) / 1.5) ** 2))[None]
    valid = np.ones((nd, nb), bool)
    strength, lag = reverberation_periodicity(lines, valid, 4, nd - 1)
    base, _ = reverberation_periodicity(speckle, valid, 4, nd - 1)
    assert abs(lag - spacing) <= 2, lag
    assert strength > 0.15 and base < 0.05, (strength, base)
    # brighter A-lines repeat more strongly; a clip with no usable beams reports nothing
    brighter, _ = reverberation_periodicity(speckle + 2.0 * (lines - speckle), valid, 4, nd - 1)
    assert brighter > strength
    assert reverberation_periodicity(lines, np.zeros((nd, nb), bool), 4, nd - 1) == (0.0, 0.0)
    assert reverberation_periodicity(lines[:0], valid, 4, nd - 1) == (0.0, 0.0)


def test_reverberation_periodicity_ignores_the_detrending_ripple_on_small_frames() -> None:
    """A small frame's grid has few rows; coarse speckle there must not read as A-lines (the
    high-pass leaves a ripple near its own width, which 6% of a short height would reach)."""
    from scipy.ndimage import gaussian_filter

    from imgtrainer.analysis.lung_alines import reverberation_periodicity

    coarse = np.stack([gaussian_filter(f, (1.5, 1.0)) for f in _speckle_series(6, seed=5, nd=112, nb=90)])
    strength, lag = reverberation_periodicity(coarse, np.ones((112, 90), bool), 2, 111)
    assert lag >= 13, lag  # never inside the ripple of the 9-row detrending
    # what is left is the noise floor of a maximum over lags, higher on few rows and beams
    # (about 0.02 on a 250-row grid): below the built-in model's mean, 0.052
    assert strength < 0.05, strength
