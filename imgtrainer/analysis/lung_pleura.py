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
    def centre_depth_rows(self) -> float:
        """Skin-to-pleura distance in grid rows under the middle of the probe (0 when absent).

        On a convex probe the beams reach a curved pleura at longer ranges towards the sides,
        so the median over all beams overstates the depth; the usual measurement is taken at
        the image centre. Falls back to ``depth_rows`` when the centre shows no pleura.
        """
        return _central_median(self.row - self.skin, self.on) or self.depth_rows

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
    # the pleura lies below the chest-wall fascia: the deepest local peak nearly as strong as
    # the strongest one on the beam, once A-lines (fainter copies of a shallower line at 2-4x
    # its depth) are set aside
    peak = (cand >= np.roll(cand, 1, axis=0)) & (cand >= np.roll(cand, -1, axis=0))
    loose = peak & np.isfinite(cand) & (cand >= 0.3 * pstr[None, :]) & (cand > 0)
    prow = np.array(
        [
            _pick(np.flatnonzero(loose[:, b]), cand[:, b], smooth[:, b], skin[b], int(cand[:, b].argmax()))
            for b in range(nb)
        ]
    )
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


def _pick(rows: np.ndarray, line: np.ndarray, bright: np.ndarray, skin: int, fallback: int) -> int:
    """Deepest strong line-like peak that is not an A-line of a shallower one.

    A-lines are fainter copies of the pleura at whole multiples of its skin distance; in a
    dark (aerated) lung they can stand out from their surroundings more than the pleura does
    from the bright chest wall. They are set aside first (see ``_is_reverberation``); among
    the remaining peaks the deepest one within 70 % of the strongest is the pleura (the
    chest-wall fascia above it is shallower), unless it lies at twice the depth of another.
    """
    if rows.size == 0:
        return fallback
    keep = [r for r in rows if not _is_reverberation(r, rows, line, bright, skin)]
    if not keep:
        return int(rows[0])
    top = max(line[r] for r in keep)
    good = [r for r in keep if line[r] >= 0.7 * top]
    for r in good[::-1]:  # deepest first; skip one about twice as deep as another strong peak
        d = r - skin
        if not any(abs(d - 2 * (q - skin)) <= 0.15 * d for q in good if q < r):
            return int(r)
    return int(good[0])


def _is_reverberation(r: int, rows: np.ndarray, line: np.ndarray, bright: np.ndarray, skin: int) -> bool:
    """Is the peak at ``r`` the k-th copy (k = 2-4) of a shallower line seen through air?

    Only when the shallower line is at least as bright and at least half as line-like, the
    gap between the two is dark against the tissue above the shallower line (a reverberation
    is seen through aerated lung, while fascia and pleura have muscle between them), and
    every lower copy (2x .. (k-1)x) is also there: a real reverberation series.
    """
    d = r - skin
    for q in rows[rows < r]:
        dq = q - skin
        if dq < 4 or bright[q] < bright[r] or line[q] < 0.3 * line[r]:
            continue
        ks = [k for k in (2, 3, 4) if abs(d - k * dq) <= 0.12 * d]
        if not ks:  # cheap test first: the medians below are the costly part
            continue
        m = max(2, int(0.15 * dq))
        wall = float(np.median(bright[skin + 1 : q - m])) if q - m > skin + 1 else 0.0
        gap = float(np.median(bright[q + m : r - m])) if r - m > q + m else wall
        if gap > 0.6 * wall:
            continue
        for k in ks:
            if all(np.any(np.abs(rows - skin - j * dq) <= 0.12 * j * dq) for j in range(2, k)):
                return True
    return False


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
    depth = prow - pleura.skin
    return _central_median(depth, seen) or float(np.median(depth[seen])), float(seen.mean())


def _central_median(depth: np.ndarray, on: np.ndarray) -> float:
    """Median of ``depth`` over the ``on`` beams in the middle fifth of the beams (0 if none)."""
    nb = on.size
    mid = np.zeros(nb, bool)
    mid[int(0.4 * nb) : max(int(0.4 * nb) + 1, int(0.6 * nb))] = True
    sel = on & mid
    return float(np.median(depth[sel])) if sel.sum() >= 2 else 0.0
