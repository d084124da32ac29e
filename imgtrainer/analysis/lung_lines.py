"""B-lines and A-lines on the (depth, beam) grid.

B-lines are vertical (along-beam) bright ridges from the pleura to the bottom of the image.
On each frame the region below the pleura is split into three depth bands; a beam is a
B-line when its band brightness is a lateral ridge (brighter than the beams ~2 widths to
either side) in every band, i.e. the artefact reaches the bottom. The orientation of fine
texture below the pleura (lateral vs axial gradient energy) measures the same thing without
counting: vertical streaks raise lateral gradients, horizontal A-line reverberation axial ones.

A-lines are horizontal reverberations of the pleura at multiples of its depth. Each beam's
profile is resampled in units of its own skin-to-pleura distance (u = depth / pleura depth),
so the A-lines sit at u = 2, 3 whatever the probe geometry, and the beams are averaged.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from scipy.ndimage import gaussian_filter1d, maximum_filter1d, median_filter, uniform_filter1d

from imgtrainer.analysis.lung_pleura import Pleura

_U = np.linspace(0.0, 4.5, 181)


@dataclass
class FrameBLines:
    """B-line beams found on one frame (grid beam indices) and their ridge strengths."""

    beams: list[int]
    strengths: list[float]


def _band_ridge(frame: np.ndarray, valid: np.ndarray, r0: int, r1: int, sigma: float) -> np.ndarray:
    """Lateral ridge strength (relative) of the mean brightness of rows r0..r1, per beam."""
    nb = frame.shape[1]
    v = valid[r0:r1]
    band = np.where(v, frame[r0:r1], np.nan)
    with np.errstate(all="ignore"):
        rowmed = np.nanmedian(band, axis=1, keepdims=True)
    rowmed = np.nan_to_num(rowmed)
    filled = np.where(v, frame[r0:r1], rowmed)
    prof = filled.mean(axis=0)
    g = gaussian_filter1d(prof, sigma)
    k = max(1, round(2 * sigma))
    left = np.concatenate([np.full(k, g[0]), g[:-k]])
    right = np.concatenate([g[k:], np.full(k, g[-1])])
    ridge = np.minimum(g - left, g - right)  # brighter than both sides: not a shadow edge
    local = gaussian_filter1d(prof, 4 * sigma)
    ok = v.mean(axis=0) > 0.8
    ok[:k] = False
    ok[nb - k :] = False
    return np.where(ok, ridge / (local + 5.0), np.nan)


def _bands(pleura: Pleura) -> list[tuple[int, int]]:
    d = max(2.0, pleura.depth_rows)
    start = int(np.median(pleura.row[pleura.on])) if pleura.on.any() else int(np.median(pleura.row))
    start = start + max(2, int(0.3 * d))
    stop = pleura.bottom
    if stop - start < 9:
        start = max(0, stop - 9)
    edges = np.linspace(start, stop, 4).round().astype(int)
    return [(int(edges[i]), int(edges[i + 1])) for i in range(3)]


def frame_blines(
    frame: np.ndarray, valid: np.ndarray, pleura: Pleura, *, min_ridge: float = 0.04
) -> tuple[FrameBLines, float]:
    """B-lines on one grid frame, and the frame's strongest full-depth ridge (evidence)."""
    nb = frame.shape[1]
    sigma = max(1.5, nb / 80.0)
    ridges = np.array([_band_ridge(frame, valid, a, b, sigma) for a, b in _bands(pleura)])
    spread = maximum_filter1d(np.nan_to_num(ridges, nan=-1.0), 3, axis=1)
    m = spread.min(axis=0)
    near_pleura = maximum_filter1d(pleura.on.astype(np.uint8), max(3, nb // 20)) > 0
    peak = (m > np.roll(m, 1)) & (m >= np.roll(m, -1)) & (m > min_ridge) & near_pleura
    beams = [int(b) for b in np.flatnonzero(peak)]
    # merge peaks closer than a B-line width
    merged: list[int] = []
    for b in beams:
        if merged and b - merged[-1] < 3 * sigma:
            if m[b] > m[merged[-1]]:
                merged[-1] = b
            continue
        merged.append(b)
    best = float(m.max()) if m.size else 0.0
    return FrameBLines(merged, [round(float(m[b]), 4) for b in merged]), best


def persistent_ridges(series: np.ndarray, valid: np.ndarray, pleura: Pleura) -> np.ndarray:
    """Per frame, how far the brightest beams stay above their lateral background at every depth.

    The region from just below the pleura to the bottom is cut into three depth bands; in each
    band every beam's mean brightness is compared with the median of the beams around it (a
    quarter of the sector wide), as a relative excess. A B-line (a bright column from the
    pleura to the bottom) keeps its excess in all three bands, so the minimum over the bands
    is high on that beam; a bright near-field patch or a deep shadow edge fails one band.
    Returns ``(n_frames, 2)``: per frame the maximum and the 95th percentile over beams of
    that minimum excess (0 when the region below the pleura is too small to measure).
    """
    nd, nb = valid.shape
    skin_ok = pleura.skin < nd
    top = int(np.median(pleura.skin[skin_ok])) if skin_ok.any() else 0
    prow = int(np.median(pleura.row[pleura.on])) if pleura.on.any() else int(np.median(pleura.row))
    bottom = pleura.bottom
    d = max(2.0, prow - top)
    start = max(0, min(bottom - 9, prow + max(2, int(0.3 * d))))
    ok = valid[start:bottom].mean(axis=0) > 0.9
    if ok.sum() < 10:
        ok = valid[start:bottom].mean(axis=0) > 0.5
    if ok.sum() < 5 or bottom - start < 3:
        return np.zeros((len(series), 2))
    edges = np.linspace(start, bottom, 4).round().astype(int)
    sigma = max(1.5, nb / 80.0)
    width = max(5, int(0.25 * nb)) | 1
    s = np.asarray(series, np.float32)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        cols = [
            np.nanmean(np.where(valid[None, a:b], s[:, a:b], np.nan), axis=1)
            for a, b in itertools.pairwise(edges)
        ]
    excess = []
    for band in cols:  # (frame, beam)
        sm = gaussian_filter1d(np.nan_to_num(band)[:, ok], sigma, axis=1)
        bg = median_filter(sm, size=(1, width), mode="nearest")
        excess.append(sm / (bg + 5.0) - 1.0)
    low = np.min(excess, axis=0)
    return np.column_stack([low.max(axis=1), np.percentile(low, 95, axis=1)])


def texture_orientation(
    frame: np.ndarray, valid: np.ndarray, pleura: Pleura, lo: float = 0.4, hi: float = 0.8, sigma: float = 1.0
) -> float:
    """log(lateral / axial fine-gradient energy) in the brighter beams, rows ``lo``-``hi`` of the depth.

    The band 40-80 % of the imaged depth lies below the pleura at usual lung presets and
    above the noisy far field; it was chosen on half of the BLUS patients.
    """
    nd, _nb = frame.shape
    top = int(np.median(pleura.skin[pleura.skin < nd])) if (pleura.skin < nd).any() else 0
    h = max(8, pleura.bottom - top)
    inner = cv2.erode(valid.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    rows = np.zeros(nd, bool)
    rows[top + int(lo * h) : top + int(hi * h)] = True
    reg = inner & rows[:, None]
    if reg.sum() < 50:
        return 0.0
    colmean = np.where(reg, frame, np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        cm = np.nanmean(colmean, axis=0)
    ic = np.isfinite(cm) & (cm >= np.nanmedian(cm))
    mask = reg & ic[None, :]
    if mask.sum() < 50:
        mask = reg
    g = cv2.GaussianBlur(frame.astype(np.float32), (0, 0), sigma)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1)
    return float(np.log(float((gx[mask] ** 2).mean()) + 1e-3) - np.log(float((gy[mask] ** 2).mean()) + 1e-3))


@dataclass
class ALineProfile:
    """Brightness along beams in units of pleural depth (u = 1 is the pleura)."""

    u: np.ndarray
    profile: np.ndarray
    prominence: dict[int, float]  # k -> relative peak height at u = k (k = 2, 3)
    horizontal_texture: float  # std of the detrended profile below the pleura

    @property
    def best(self) -> tuple[int, float]:
        if not self.prominence:
            return 0, 0.0
        k = max(self.prominence, key=lambda j: self.prominence[j])
        return k, self.prominence[k]


def aline_profile(mean_grid: np.ndarray, valid: np.ndarray, pleura: Pleura) -> ALineProfile:
    """Average pleura-normalised beam profile over the beams that show the pleura."""
    nd, _nb = mean_grid.shape
    beams = np.flatnonzero(pleura.on)
    if beams.size == 0:
        return ALineProfile(_U, np.full(_U.size, np.nan), {}, 0.0)
    data = np.where(valid, mean_grid, np.nan)
    prof = []
    for b in beams:
        d = pleura.row[b] - pleura.skin[b]
        if d < 2:
            continue
        rr = pleura.skin[b] + _U * d
        col = np.interp(rr, np.arange(nd), np.nan_to_num(data[:, b]))
        okr = (rr <= pleura.bottom) & np.interp(rr, np.arange(nd), valid[:, b].astype(float)).astype(bool)
        col[~okr] = np.nan
        prof.append(col)
    if not prof:
        return ALineProfile(_U, np.full(_U.size, np.nan), {}, 0.0)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rp = np.nanmean(np.array(prof), axis=0)
    prominence: dict[int, float] = {}
    for k in (2, 3):
        pk = _nanmax(rp, k - 0.15, k + 0.15)
        vl = 0.5 * (_nanmin(rp, k - 0.6, k - 0.25) + _nanmin(rp, k + 0.25, k + 0.6))
        if np.isfinite(pk) and np.isfinite(vl):
            prominence[k] = float((pk - vl) / (vl + 3.0))
    below = rp[(_U > 1.3) & np.isfinite(rp)]
    htex = 0.0
    if below.size > 10:
        trend = uniform_filter1d(below, max(5, below.size // 8) | 1)
        htex = float(np.std((below - trend) / (trend + 3.0)))
    return ALineProfile(_U, rp, prominence, htex)


def _nanmax(rp: np.ndarray, u0: float, u1: float) -> float:
    s = rp[(u0 <= _U) & (u1 >= _U)]
    return float(np.nanmax(s)) if np.isfinite(s).any() else float("nan")


def _nanmin(rp: np.ndarray, u0: float, u1: float) -> float:
    s = rp[(u0 <= _U) & (u1 >= _U)]
    return float(np.nanmin(s)) if np.isfinite(s).any() else float("nan")
