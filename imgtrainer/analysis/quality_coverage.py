"""Coverage: how deep the image carries signal, and which beams have lost probe contact.

Both work on the (depth, beam) grid of the scan area (see ``beams``). Depth use is the
deepest grid row whose median brightness is clearly above the black floor, as a fraction
of the imaged depth. Contact loss shows as beams that are dark from the skin down (a rib
shadow, by contrast, has bright tissue above the rib), reported by side and extent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class CoverageMetrics:
    depth_use: float  # 0..1: deepest row with signal / imaged depth
    contact_lost_fraction: float  # 0..1: share of beams with no signal from the skin down (graded)
    contact_lost_left: float  # share of beams lost in one run from the left edge
    contact_lost_right: float  # same from the right edge
    lost_beams: list[int] = field(default_factory=list)  # beam indices (grid columns)

    def to_dict(self) -> dict[str, object]:
        return {
            "depth_use": round(self.depth_use, 4),
            "contact_lost_fraction": round(self.contact_lost_fraction, 4),
            "contact_lost_left": round(self.contact_lost_left, 4),
            "contact_lost_right": round(self.contact_lost_right, 4),
        }

    def contact_text(self) -> str:
        """Plain words for where contact is lost, larger side first ("" when it is not)."""
        frac = self.contact_lost_fraction
        if frac < 0.02:
            return ""
        sides = sorted(((self.contact_lost_left, "left"), (self.contact_lost_right, "right")), reverse=True)
        parts = [f"on the {name} {share:.0%}" for share, name in sides if share >= 0.03]
        if not parts:
            return f"contact lost under {frac:.0%} of the sector (patchy)"
        rest = frac - self.contact_lost_left - self.contact_lost_right
        tail = f", and under {rest:.0%} elsewhere" if rest >= 0.05 else ""
        return "contact lost " + " and ".join(parts) + " of the sector" + tail


def coverage_metrics(polar: np.ndarray, valid: np.ndarray, *, edges_known: bool = True) -> CoverageMetrics:
    """Coverage from a (depth, beam) image ``polar`` (median over frames) and its ``valid`` cells.

    ``edges_known`` says whether the grid spans the whole imaging geometry (the file's
    Regions, or an area the caller knows). An area detected from the pixels themselves
    ends where the lit beams end, and its convex hull often takes in screen background
    at its sides, so then only dark beams between lit ones count as lost contact.
    """
    _nd, nb = polar.shape
    vcount = valid.sum(axis=1)
    rows_ok = vcount >= max(2, 0.2 * nb)
    # the median of each row, so that noise added on black (clipped at 0) is not signal
    prof = np.where(rows_ok, _masked_median(polar.T, valid.T), np.nan)
    depth_use = _depth_use(prof)
    lost, usable = _lost_beams(polar, valid)
    if not edges_known:
        lit = np.flatnonzero(usable & (lost < 0.5))
        inner = np.zeros(nb, bool)
        if lit.size:
            inner[lit[0] : lit[-1] + 1] = True
        lost = np.where(inner, lost, 0.0)
    frac = float(lost.mean()) if lost.size else 0.0
    flags = lost >= 0.5
    left = _edge_run(flags) / max(1, nb)
    right = _edge_run(flags[::-1]) / max(1, nb)
    return CoverageMetrics(depth_use, frac, left, right, [int(i) for i in np.flatnonzero(flags)])


def _depth_use(prof: np.ndarray) -> float:
    ok = np.isfinite(prof)
    if ok.sum() < 4:
        return 0.0
    p = prof.copy()
    p[~ok] = 0.0
    k = max(3, len(p) // 25)
    smooth = np.convolve(p, np.ones(k) / k, mode="same")
    top = float(np.percentile(smooth[ok], 90))
    thr = max(6.0, 0.12 * top)
    first_ok = int(np.flatnonzero(ok)[0])
    last_ok = int(np.flatnonzero(ok)[-1])
    pos = (np.arange(len(p)) - first_ok + 1) / max(1, last_ok - first_ok + 1)
    # how surely each row carries signal: 0 at half the threshold, 1 at 1.5 times it. The
    # deepest row counts by that weight, so a faint row near the threshold moves the result
    # a little instead of switching the whole depth below it on or off
    sure = np.clip((smooth / thr - 0.5), 0.0, 1.0) * ok
    return float(np.clip(np.max(pos * sure), 0.0, 1.0))


def _lost_beams(polar: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How completely each beam has lost contact, 0..1 (and which beams can be judged).

    A beam without skin contact carries no echo anywhere along it, so it is judged by its
    brightest cells (the 90th percentile along the beam) against the tissue as a whole
    (the 75th percentile of the scan area). A rib shadow still has the bright rib near the
    top, a beam through a fluid-filled chamber has bright walls, and the black corner of a
    fan drawn inside a rectangle is lit further down: none of them counts. The verdict is
    graded (a ramp, not a cut), so a beam near the limit moves the measure a little, never
    by a whole beam; grey levels come from a median-filtered frame, so added noise does not
    light a black beam.
    """
    nd, nb = polar.shape
    ccount = valid.sum(axis=0)
    usable = ccount >= max(3, 0.1 * nd)
    if usable.sum() < 4:
        return np.zeros(nb), usable
    v = np.where(valid, polar, np.nan)
    top = np.full(nb, np.nan)
    top[usable] = np.nanpercentile(v[:, usable], 90, axis=0)
    ref = max(float(np.percentile(polar[valid & usable[None, :]], 75)), 4.0)
    lost = _ramp(top / ref, 0.1, 0.25)
    return np.where(usable, lost, 0.0), usable


def _ramp(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """1 at or below ``lo``, 0 at or above ``hi``, linear between (NaN counts as 0)."""
    return np.clip((hi - np.nan_to_num(x, nan=hi)) / (hi - lo), 0.0, 1.0)


def _masked_median(values: np.ndarray, sel: np.ndarray) -> np.ndarray:
    """Median of each column over the cells ``sel`` marks (NaN where it marks none)."""
    v = np.where(sel, values, np.nan)
    out = np.full(values.shape[1], np.nan)
    ok = sel.any(axis=0)
    if ok.any():
        out[ok] = np.nanmedian(v[:, ok], axis=0)
    return out


def _edge_run(flags: np.ndarray) -> int:
    """Length of the run of True at the start of ``flags``, allowing a 2-beam gap at the edge."""
    n = 0
    gap = 0
    for f in flags:
        if f:
            n += 1 + gap
            gap = 0
        elif n == 0 and gap < 2:
            gap += 1
        else:
            break
    return n
