"""Where the A-lines lie: replicas of the pleural line at multiples of the probe-pleura distance.

An A-line is the pleura's echo bounced once more between the pleura and the probe face, so
the k-th lies at ``face + k * (pleura - face)`` on every beam, tilted and curved like the
pleura itself. The probe face is often above the top of the stored image (zoomed or cropped
views), so it is not taken from the image: the face offset is searched for as the one that
puts the replicas on the brightest lines of the time-averaged grid. The result places the
A-line evidence for the GUI; the present/absent decision is made elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d, map_coordinates, uniform_filter1d

from imgtrainer.analysis.lung_pleura import Pleura


@dataclass
class ALinePlacement:
    """Probe-face row (grid rows, may be negative) and the replica contrast it gives."""

    face_row: float
    contrast: float  # mean line contrast of the replicas, in standard deviations of the image

    def rows(self, pleura_row: np.ndarray, k: int) -> np.ndarray:
        """Grid rows of the k-th reverberation (k = 2 is the first A-line) on each beam."""
        return self.face_row + k * (np.asarray(pleura_row, float) - self.face_row)


def place_alines(mean_grid: np.ndarray, valid: np.ndarray, pleura: Pleura, steps: int = 27) -> ALinePlacement:
    """Search the probe-face row that puts A-line replicas on the brightest lines."""
    on = np.flatnonzero(pleura.on)
    skin = float(np.median(pleura.skin[on])) if on.size else 0.0
    d = float(np.median(pleura.row[on] - skin)) if on.size else 0.0
    if on.size < 5 or d < 3:
        return ALinePlacement(skin, 0.0)
    log = np.log1p(np.maximum(np.where(valid, mean_grid, 0.0), 0.0))
    hp = log - gaussian_filter1d(log, max(2.0, d / 4), axis=0)  # lines, not the depth trend
    sd = float(hp[valid].std()) + 1e-6
    p = pleura.row[on].astype(float)
    best = ALinePlacement(skin, 0.0)
    for face in np.linspace(skin - d, skin + 0.3 * d, steps):
        gaps = p - face
        if np.median(gaps) < 3:
            continue
        contrasts = []
        for k in (2, 3):
            r = face + k * gaps
            inside = r < pleura.bottom - 2
            if inside.sum() < 0.5 * on.size:
                continue
            line = _at(hp, r, on)
            between = 0.5 * (_at(hp, r - 0.4 * gaps, on) + _at(hp, r + 0.4 * gaps, on))
            contrasts.append(float(np.mean((line - between)[inside])) / sd)
        if contrasts and np.mean(contrasts) > best.contrast:
            best = ALinePlacement(float(face), float(np.mean(contrasts)))
    return best


def _at(img: np.ndarray, rows: np.ndarray, beams: np.ndarray) -> np.ndarray:
    return map_coordinates(img, [np.clip(rows, 0, img.shape[0] - 1), beams.astype(float)], order=1)


def replica_curve(
    pleura: Pleura, place: ALinePlacement, k: int, n_points: int = 24
) -> tuple[np.ndarray, np.ndarray]:
    """Grid (rows, beams) of the k-th reverberation across the pleural span, for drawing.

    The pleura's per-beam rows are noisy (and the noise is multiplied by k in a replica), while
    a real pleura and its A-lines are smooth arcs: the rows are smoothed by a quadratic fit
    (refitted once without the worst fifth) before being replicated.
    """
    on = np.flatnonzero(pleura.on)
    if on.size < 3:
        return np.zeros(0), np.zeros(0)
    x, y = on.astype(float), pleura.row[on].astype(float)
    coef = np.polyfit(x, y, 2)
    res = np.abs(np.polyval(coef, x) - y)
    keep = res <= np.percentile(res, 80)
    if keep.sum() >= 3:
        coef = np.polyfit(x[keep], y[keep], 2)
    lo, hi = np.percentile(on, [5, 95])  # a stray pleural beam far out does not stretch the arc
    beams = np.linspace(lo, hi, n_points)
    rows = place.rows(np.polyval(coef, beams), k)
    inside = rows <= pleura.bottom
    return rows[inside], beams[inside]


def reverberation_periodicity(
    series: np.ndarray, valid: np.ndarray, top: int, bottom: int, *, detrend_rows: int = 9
) -> tuple[float, float]:
    """How strongly each beam repeats itself along depth, as A-lines do, and at what spacing.

    A-lines repeat the probe-pleura distance down every beam, so a beam's depth profile (the
    slow depth trend removed over ``detrend_rows``) correlates with itself shifted by that
    distance. Per frame: the autocorrelation of every fully imaged beam from ``top`` to
    ``bottom``, averaged over beams; its highest local peak at lags of 6-40% of the imaged
    height (where the pleura can lie; speckle decorrelates within a few rows; never below 1.5x
    ``detrend_rows``), 0 without one. Needs neither the
    pleura nor the probe face, so it does not inherit their errors. Returns (mean peak
    correlation over frames, 0-1; median lag in grid rows).
    """
    height = bottom - top
    # below 1.5x the detrending window the high-pass leaves its own ripple (a small frame's grid
    # has few rows, and 6% of its height would reach into it)
    lo, hi = max(int(1.5 * detrend_rows), int(0.06 * height)), int(0.4 * height)
    cols = valid[top:bottom].mean(axis=0) > 0.95
    if height < 30 or hi <= lo or cols.sum() < 10 or len(series) == 0:
        return 0.0, 0.0
    x = np.asarray(series, np.float32)[:, top:bottom][:, :, cols]
    x = x - uniform_filter1d(x, detrend_rows, axis=1)
    x = x - x.mean(axis=1, keepdims=True)
    x /= x.std(axis=1, keepdims=True) + 1e-6
    spec = np.fft.rfft(x, 2 * height, axis=1)
    ac = np.fft.irfft(spec * np.conj(spec), axis=1)[:, :height].mean(axis=2) / height
    mid = ac[:, lo:hi]
    local = (mid >= ac[:, lo - 1 : hi - 1]) & (mid >= ac[:, lo + 1 : hi + 1])
    window = np.where(local, mid, -np.inf)  # a true peak, not the edge of a decaying curve
    found = np.isfinite(window).any(axis=1)
    peaks = np.where(found, window.max(axis=1), 0.0)
    if not found.any():
        return 0.0, 0.0
    lags = lo + window[found].argmax(axis=1)
    return float(np.mean(np.maximum(peaks, 0.0))), float(np.median(lags))
