"""Coverage: how deep the image carries signal, and which beams have lost probe contact.

Both work on the (depth, beam) grid of the scan area (see ``beams``). Depth use is the
deepest grid row whose mean brightness is clearly above the black floor, as a fraction of
the imaged depth. Contact loss shows as beams that are dark from the skin down (a rib
shadow, by contrast, has bright tissue above the rib), reported by side and extent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class CoverageMetrics:
    depth_use: float  # 0..1: deepest row with signal / imaged depth
    contact_lost_fraction: float  # 0..1 of beams with no signal from the skin down
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
        """Plain words for where contact is lost ("" when it is not)."""
        if self.contact_lost_fraction < 0.02:
            return ""
        left, right = self.contact_lost_left, self.contact_lost_right
        if left >= right and left >= 0.5 * self.contact_lost_fraction:
            return f"contact lost on the left {left:.0%} of the sector"
        if right > left and right >= 0.5 * self.contact_lost_fraction:
            return f"contact lost on the right {right:.0%} of the sector"
        return f"no signal under {self.contact_lost_fraction:.0%} of the sector (patchy contact)"


def coverage_metrics(polar: np.ndarray, valid: np.ndarray) -> CoverageMetrics:
    """Coverage from a time-averaged (depth, beam) image ``polar`` and its ``valid`` cells."""
    _nd, nb = polar.shape
    vcount = valid.sum(axis=1)
    rows_ok = vcount >= max(2, 0.2 * nb)
    prof = np.where(rows_ok, (polar * valid).sum(axis=1) / np.maximum(vcount, 1), np.nan)
    depth_use = _depth_use(prof)
    lost = _lost_beams(polar, valid)
    frac = float(lost.mean()) if lost.size else 0.0
    left = _edge_run(lost) / max(1, nb)
    right = _edge_run(lost[::-1]) / max(1, nb)
    return CoverageMetrics(depth_use, frac, left, right, [int(i) for i in np.flatnonzero(lost)])


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
    rows = np.flatnonzero((smooth > thr) & ok)
    if rows.size == 0:
        return 0.0
    first_ok = int(np.flatnonzero(ok)[0])
    last_ok = int(np.flatnonzero(ok)[-1])
    return float(np.clip((rows[-1] - first_ok + 1) / max(1, last_ok - first_ok + 1), 0.0, 1.0))


def _lost_beams(polar: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Beams dark both near the skin and deep, relative to the typical beam.

    Looking at the deep half as well keeps the black corners of a fan drawn inside a
    rectangle (dark near the top, lit below) from counting as lost contact.
    """
    nd, nb = polar.shape
    ccount = valid.sum(axis=0)
    rank = np.cumsum(valid, axis=0)
    near_sel = valid & (rank <= np.maximum(2, 0.2 * ccount)[None, :])
    far_sel = valid & (rank > 0.5 * ccount[None, :])
    near_mean = _masked_mean(polar, near_sel)
    far_mean = _masked_mean(polar, far_sel)
    usable = np.isfinite(near_mean) & np.isfinite(far_mean) & (ccount >= max(3, 0.1 * nd))
    if usable.sum() < 4:
        return np.zeros(nb, bool)
    ref_near = float(np.percentile(near_mean[usable], 75))
    ref_far = float(np.percentile(far_mean[usable], 75))
    return usable & (near_mean < 0.25 * ref_near) & (far_mean < 0.3 * ref_far)


def _masked_mean(values: np.ndarray, sel: np.ndarray) -> np.ndarray:
    n = sel.sum(axis=0)
    return np.where(n > 0, (values * sel).sum(axis=0) / np.maximum(n, 1), np.nan)


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
