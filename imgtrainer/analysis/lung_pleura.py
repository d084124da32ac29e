"""The skin line and the pleural line on the (depth, beam) grid of a lung clip.

The pleura is the first bright, thin, roughly skin-parallel line below the chest wall. On
each beam it is the strongest "line-ness" peak (brightness above its ±k-row surroundings) in
the upper part of the image, measured on the time-averaged grid (speckle averages out, the
pleura and rib surfaces stay). Beams whose peak is weak, or far from the common depth, are
rib shadows or off the pleura: the remaining beams give the pleural extent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter, uniform_filter1d


@dataclass
class Pleura:
    """Per-beam skin and pleura rows on the grid, and which beams show the pleura."""

    skin: np.ndarray  # (n_beams,) int row of the first tissue echo (the probe face)
    row: np.ndarray  # (n_beams,) float row of the pleural line (smoothed)
    strength: np.ndarray  # (n_beams,) line-ness of the pleural peak (relative brightness)
    on: np.ndarray  # (n_beams,) bool: the pleura is seen on this beam
    bottom: int  # last usable grid row
    present: bool

    @property
    def depth_rows(self) -> float:
        """Median skin-to-pleura distance in grid rows (0 when absent)."""
        if not self.on.any():
            return 0.0
        return float(np.median(self.row[self.on] - self.skin[self.on]))

    @property
    def extent(self) -> float:
        """Share of beams on which the pleura is seen."""
        return float(self.on.mean()) if self.on.size else 0.0


def find_pleura(mean_grid: np.ndarray, valid: np.ndarray) -> Pleura:
    """Find skin and pleura on a time-averaged (depth, beam) image."""
    nd, nb = mean_grid.shape
    vals = mean_grid[valid]
    ref = float(np.median(vals)) if vals.size else 0.0
    lit = (mean_grid > 0.3 * ref) & valid
    skin = np.where(lit.any(axis=0), lit.argmax(axis=0), nd)
    skin = median_filter(skin, size=9, mode="nearest").astype(int)
    vcount = valid.sum(axis=1)
    rows_ok = np.flatnonzero(vcount > 0.4 * nb)
    bottom = int(rows_ok[-1]) if rows_ok.size else nd - 1
    top = int(np.median(skin[skin < nd])) if (skin < nd).any() else 0
    height = max(8, bottom - top)
    smooth = uniform_filter1d(np.where(valid, mean_grid, 0.0), 5, axis=1)
    k = max(3, height // 30)
    bg = uniform_filter1d(smooth, 4 * k + 1, axis=0)
    line = (smooth - bg) / (bg + 5.0)
    rows = np.arange(nd)[:, None]
    lo = skin[None, :] + max(2, int(0.04 * height))
    hi = top + int(0.5 * height)
    cand = np.where((rows >= lo) & (rows < hi) & valid, line, -np.inf)
    pstr = cand.max(axis=0)
    # the pleura lies below the chest-wall fascia: take the deepest local peak that is nearly
    # as strong as the strongest one on the beam
    peak = (cand >= np.roll(cand, 1, axis=0)) & (cand >= np.roll(cand, -1, axis=0))
    good = peak & np.isfinite(cand) & (cand >= 0.7 * pstr[None, :]) & (cand > 0)
    prow = np.array([_pick(np.flatnonzero(good[:, b]), skin[b], int(cand[:, b].argmax())) for b in range(nb)])
    pstr = np.take_along_axis(cand, prow[None, :], axis=0)[0]
    usable = np.isfinite(pstr) & (skin < nd)
    if usable.sum() < max(5, 0.15 * nb):
        return Pleura(skin, prow.astype(float), np.zeros(nb), np.zeros(nb, bool), bottom, False)
    pstr = np.where(usable, pstr, 0.0)
    strong = usable & (pstr >= max(0.15, 0.5 * float(np.percentile(pstr[usable], 75))))
    if strong.sum() < 5:
        strong = usable
    depth = prow - skin
    med = float(np.median(depth[strong]))
    on = strong & (np.abs(depth - med) <= max(3.0, 0.2 * med))
    filled = np.where(on, prow, np.nan)
    idx = np.arange(nb)
    if on.sum() >= 2:
        filled = np.interp(idx, idx[on], prow[on].astype(float))
    else:
        filled = np.full(nb, med + float(np.median(skin[usable])))
    row = median_filter(filled, size=7, mode="nearest")
    present = bool(on.mean() >= 0.12 and np.median(pstr[on]) >= 0.15) if on.any() else False
    return Pleura(skin, row, pstr, on, bottom, present)


def _pick(rows: np.ndarray, skin: int, fallback: int) -> int:
    """Deepest strong peak that is not an A-line (about twice as deep) of a shallower one."""
    if rows.size == 0:
        return fallback
    for r in rows[::-1]:
        d = r - skin
        if not any(abs(d - 2 * (q - skin)) <= 0.15 * d for q in rows if q < r):
            return int(r)
    return int(rows[0])


def frame_pleura(frame: np.ndarray, valid: np.ndarray, pleura: Pleura) -> tuple[float, float]:
    """Pleural depth (grid rows from the skin) and extent (share of beams) on one frame.

    The line is looked for within ±25 % of the clip's pleural depth on each beam, so the
    per-frame values follow breathing and probe motion without jumping to other lines.
    """
    nd = frame.shape[0]
    if not pleura.present:
        return 0.0, 0.0
    d = max(3.0, pleura.depth_rows)
    smooth = uniform_filter1d(np.where(valid, frame, 0.0), 5, axis=1)
    k = max(3, int(d // 6))
    bg = uniform_filter1d(smooth, 4 * k + 1, axis=0)
    line = (smooth - bg) / (bg + 5.0)
    rows = np.arange(nd)[:, None]
    near = np.abs(rows - pleura.row[None, :]) <= 0.25 * d
    cand = np.where(near & valid, line, -np.inf)
    prow = cand.argmax(axis=0)
    pstr = cand.max(axis=0)
    seen = np.isfinite(pstr) & (pstr >= 0.15) & (pleura.skin < nd)
    if not seen.any():
        return 0.0, 0.0
    return float(np.median(prow[seen] - pleura.skin[seen])), float(seen.mean())
