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
from dataclasses import dataclass, field

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
    drifts: list[float] = field(default_factory=list)  # beams moved from ``top`` to ``bottom`` row
    top: int = 0  # grid row where the B-line region starts (below the pleura)
    bottom: int = 0  # grid row where it ends

    def beam_at(self, i: int, row: float) -> float:
        """Grid beam (fractional) of the i-th B-line at grid ``row``: it runs along the tilt found."""
        drift = self.drifts[i] if i < len(self.drifts) else 0.0
        t = (row - self.top) / max(1, self.bottom - self.top)
        return self.beams[i] + drift * t


def _filled(frame: np.ndarray, valid: np.ndarray, r0: int, r1: int) -> np.ndarray:
    """Rows r0..r1 with cells outside the scan area set to their row's median (no false edges)."""
    v = valid[r0:r1]
    rowmed = np.nan_to_num(masked_median(frame[r0:r1], v))
    return np.where(v, frame[r0:r1], rowmed)


def masked_median(values: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Median of ``values`` where ``ok`` along the last axis (kept as length 1; NaN where none).

    The same numbers as ``np.nanmedian`` on the masked array, several times faster on the
    many short rows here (numpy's version goes through masked arrays for 2-D input).
    """
    ordered = np.sort(np.where(ok, values, np.inf), axis=-1)
    n = ok.sum(axis=-1, keepdims=True)
    lo = np.take_along_axis(ordered, np.maximum((n - 1) // 2, 0), axis=-1)
    hi = np.take_along_axis(ordered, np.maximum(n // 2, 0), axis=-1)
    with np.errstate(invalid="ignore"):
        return np.where(n > 0, (lo + hi) / 2.0, np.nan)


def _ridge(prof: np.ndarray, okfrac: np.ndarray, sigma: float) -> np.ndarray:
    """Relative lateral ridge strength of brightness profiles across beams (last axis; NaN where unusable).

    A B-line has aerated lung on both sides: beams beside an acoustic (rib) shadow are not
    judged, and the local brightness the ridge is compared with is taken from lit lung only,
    so a shadow nearby does not inflate it.
    """
    nb = prof.shape[-1]
    g = gaussian_filter1d(prof, sigma, axis=-1)
    k = max(1, round(2 * sigma))
    left = np.concatenate([np.repeat(g[..., :1], k, axis=-1), g[..., :-k]], axis=-1)
    right = np.concatenate([g[..., k:], np.repeat(g[..., -1:], k, axis=-1)], axis=-1)
    ridge = np.minimum(g - left, g - right)  # brighter than both sides: not a shadow edge
    ok = okfrac > 0.8
    typical = masked_median(g, ok)
    shadow = np.nan_to_num(g < _SHADOW_LEVEL * typical)
    lit = (1.0 - shadow) * ok
    local = gaussian_filter1d(prof * lit, 4 * sigma, axis=-1) / np.maximum(
        gaussian_filter1d(lit, 4 * sigma, axis=-1), 1e-3
    )
    ok[..., :k] = False
    ok[..., nb - k :] = False
    ok &= maximum_filter1d(shadow.astype(np.uint8), 2 * k + 1, axis=-1) == 0
    ok &= _lung_both_sides(lit > 0.5, k)
    return np.where(ok, ridge / (local + 5.0), np.nan)


def _lung_both_sides(lit: np.ndarray, k: int) -> np.ndarray:
    """Beams with lit lung over at least half of the 2k beams beyond k on *each* side.

    A bright strip between a rib shadow and the edge of the field has lung on one side only: it is
    the next intercostal space, not a B-line.
    """
    nb = lit.shape[-1]
    c = np.concatenate([np.zeros((*lit.shape[:-1], 1)), np.cumsum(lit, axis=-1)], axis=-1)
    i = np.arange(nb)

    def window(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return c[..., np.clip(b, 0, nb)] - c[..., np.clip(a, 0, nb)]

    return (window(i - 3 * k, i - k) >= k) & (window(i + k + 1, i + 3 * k + 1) >= k)


_SHADOW_LEVEL = 0.5  # beams darker than this share of the band's median brightness are in a shadow


def _is_ridge(prof: np.ndarray, sigma: float) -> np.ndarray:
    """Where a profile (last axis) is brighter than both its neighbours ~2 widths away (float 0/1)."""
    g = gaussian_filter1d(prof, sigma, axis=-1)
    k = max(1, round(2 * sigma))
    out = np.zeros(g.shape, np.float32)
    out[..., k:-k] = (g[..., k:-k] > g[..., : -2 * k]) & (g[..., k:-k] > g[..., 2 * k :])
    return out


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
    """B-lines on one grid frame, and the frame's strongest full-depth ridge (evidence).

    A B-line runs along a beam, so on an exact (depth, beam) grid it is a column. When the
    sector apex is estimated a little off, the grid's beams fan out slightly more or less
    than the real ones, and a B-line becomes a straight line whose tilt grows with its
    distance from the middle beam. Each beam is therefore read along a few tilts (drift from
    the top of the region below the pleura to the bottom); the tilts of the clearly bright
    lines give the frame's fan correction (drift = k * offset from the middle), and every
    beam is then scored along that correction only, so noise gains nothing from the choice
    of tilts. A beam counts when its brightness is a lateral ridge in every depth band and
    in nearly every thin slab of them (``_MIN_CONTINUITY``): the line is unbroken.
    Widths are in beam units: angles on a sector (a B-line fans out with the beams),
    millimetres on a linear probe. The evidence value is the ridge on the grid as given.
    """
    nb = frame.shape[1]
    sigma = max(1.5, nb / 80.0)
    bands = _bands(pleura)
    step = max(1.0, sigma)
    drifts = np.arange(-_MAX_TILT * nb, _MAX_TILT * nb + 1e-6, step)
    drifts = drifts - drifts[np.argmin(np.abs(drifts))]  # include 0 exactly
    scores, steady = _tilted_ridges(frame, valid, bands, drifts, sigma)
    straight = scores[np.argmin(np.abs(drifts))]
    best = float(np.nanmax(straight)) if np.isfinite(straight).any() else 0.0
    scores = np.nan_to_num(scores, nan=-1.0)
    side = (np.arange(nb) - (nb - 1) / 2) / max(1.0, (nb - 1) / 2)  # -1 left edge .. +1 right
    k = _fan_correction(scores, drifts, side, 2.5 * min_ridge, sigma)
    near = np.abs(drifts[:, None] - k * side[None, :]) <= max(step, sigma)
    pick = np.where(near, scores, -np.inf).argmax(axis=0)
    score = scores[pick, np.arange(nb)]
    steady = steady[pick, np.arange(nb)]
    lo, hi = _pleural_span(pleura, sigma)
    inside = np.zeros(nb, bool)
    inside[lo : hi + 1] = True
    peak = (score > np.roll(score, 1)) & (score >= np.roll(score, -1)) & (score > min_ridge) & inside
    peak &= steady >= _MIN_CONTINUITY
    merged: list[int] = []
    for b in sorted(np.flatnonzero(peak), key=lambda j: -score[j]):  # strongest first
        if all(abs(int(b) - m) >= _MERGE_WIDTHS * sigma for m in merged):
            merged.append(int(b))
    merged.sort()
    drift = drifts[pick]
    return (
        FrameBLines(
            merged,
            [round(float(score[b]), 4) for b in merged],
            [float(drift[b]) for b in merged],
            bands[0][0],
            bands[-1][1],
        ),
        best,
    )


_MAX_TILT = 0.12  # largest drift of a B-line across the region, as a share of the grid width
_MERGE_WIDTHS = 3.0  # ridges closer than this many smoothing widths are one B-line
_MIN_CONTINUITY = 0.875
"""Share of the thin depth slabs (pleura to bottom) in which a B-line must be a lateral ridge.

A B-line is unbroken from the pleura to the bottom of the image; a streak of speckle or
the rim of a shadow is a ridge only here and there. On the demo generator's clips B-lines
reach 0.96-1.0 and the false ridges at most 0.83. On the 141 BLUS clips the share of frames
with a counted B-line separates the expert B-line labels with an AUC of 0.69 (0.61 with
the earlier straight, uncontinued count); ``benchmarks/analysis.py synth`` checks the rest."""


def _fan_correction(
    scores: np.ndarray, drifts: np.ndarray, side: np.ndarray, strong: float, sigma: float
) -> float:
    """Drift per unit offset from the middle beam that the clearly bright lines agree on (0 if none)."""
    free = scores.max(axis=0)
    loc = (free > np.roll(free, 1)) & (free >= np.roll(free, -1)) & (free > strong) & (np.abs(side) > 0.15)
    if not loc.any():
        return 0.0
    d = drifts[scores.argmax(axis=0)]
    ks = d[loc] / side[loc]
    return float(np.median(ks))


def _tilted_ridges(
    frame: np.ndarray, valid: np.ndarray, bands: list[tuple[int, int]], drifts: np.ndarray, sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per drift and beam: the weakest band ridge along a line drifting ``drifts`` beams, and
    the share of thin depth slabs in which that line is a ridge (two ``(n_drifts, n_beams)``).

    Each depth band is cut into thin slabs whose mean profiles are shifted by the drift at
    their depth and averaged, which reads the band along the tilted line at the cost of a
    few 1-D interpolations (the slabs are thin enough that the shift within one is < 1 beam).
    """
    top, bottom = bands[0][0], bands[-1][1]
    nb = frame.shape[1]
    filled = _filled(frame, valid, top, bottom)
    vf = valid[top:bottom].astype(np.float32)
    max_drift = float(np.abs(drifts).max(initial=0.0))
    n_slabs = int(min(_SLABS_PER_BAND, max(4, max_drift // len(bands) + 1)))
    beams = np.arange(nb, dtype=np.float64)
    ridges, slab_pos = [], []
    for a, b in bands:
        edges = np.unique(np.linspace(a, b, n_slabs + 1).round().astype(int))
        e0, e1 = edges[:-1], edges[1:]
        prof = np.array([filled[i - top : j - top].mean(axis=0) for i, j in zip(e0, e1, strict=True)])
        okf = np.array([vf[i - top : j - top].mean(axis=0) for i, j in zip(e0, e1, strict=True)])
        t = ((e0 + e1) / 2 - top) / max(1, bottom - top)
        x = beams[None, None, :] + drifts[:, None, None] * t[None, :, None]  # (drift, slab, beam)
        inside = (x >= 0) & (x <= nb - 1)
        xc = np.clip(x, 0, nb - 1)
        i0 = np.minimum(xc.astype(int), nb - 2)
        w = xc - i0
        rows = np.arange(len(t))[None, :, None]
        p = (1 - w) * prof[rows, i0] + w * prof[rows, i0 + 1]
        v = np.where(inside, (1 - w) * okf[rows, i0] + w * okf[rows, i0 + 1], 0.0)
        ridges.append(_ridge(p.mean(axis=1), v.mean(axis=1), sigma))
        slab_pos.append(maximum_filter1d(_is_ridge(p, sigma), 3, axis=2).mean(axis=1))
    r = np.array(ridges)  # (band, drift, beam)
    spread = maximum_filter1d(np.nan_to_num(r, nan=-1.0), 3, axis=2)
    score = np.where(np.isfinite(r).all(axis=0), spread.min(axis=0), np.nan)
    return score, np.mean(slab_pos, axis=0)


_SLABS_PER_BAND = 12


def _pleural_span(pleura: Pleura, sigma: float) -> tuple[int, int]:
    """Beams from the first to the last one that show the pleura (B-lines start at the pleura).

    Beams under a B-line may not show a crisp pleural line (the artefact is as bright as the
    line), so the whole span between the outermost pleural beams counts, not only "on" beams.
    """
    nb = pleura.on.size
    on = np.flatnonzero(pleura.on)
    if on.size == 0:
        return 0, nb - 1
    pad = round(2 * sigma)
    return max(0, int(on[0]) - pad), min(nb - 1, int(on[-1]) + pad)


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
