"""Lung sliding: motion at and just below the pleura compared with the chest wall above it.

With the probe held still the chest wall is static, while the visceral pleura glides along
the beams' lateral direction with breathing. Lateral optical flow (Farneback, on the
(depth, beam) grid) is measured in a band just below the pleura and a band in the chest
wall; their ratio is the sliding index. The M-mode check takes the beams through the
pleura over time: "seashore" (granular, changing below the pleura) versus "barcode" (lines
everywhere); its index is the temporal variability below the pleura over that above.

"Absent" is an explicit decision, not the lack of "present": the lung must move no faster
than the chest wall AND the M-mode below the pleura must be a barcode, i.e. its change over
time must be small against the contrast of its own time-averaged lines (``BARCODE_MAX``) and
no larger, in those terms, than the chest wall's. A still probe over a lung that does not
slide gives about 0.01-0.02 on the demo generator's clips, sliding lung 0.16-0.4; on 128
assessable real handheld clips (BLUS, nearly all with sliding) the lowest value is 0.16 and
the 5th percentile 0.35, so a moving probe or patient leaves the answer "uncertain" rather
than "absent" (``benchmarks/analysis.py synth --blus``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import cv2
import numpy as np

from imgtrainer.analysis.lung_pleura import Pleura


@dataclass
class Sliding:
    status: str  # "present" | "absent" | "uncertain" | "not assessable"
    index: float  # lateral flow below the pleura / in the chest wall
    mmode_index: float  # temporal variability below / above the pleura along the beams
    below_speed: float  # median lateral speed below the pleura, beams per second
    above_speed: float
    reason: str
    mmode_change: float = float("nan")  # below the pleura: temporal std / contrast of the mean M-mode lines
    wall_change: float = float("nan")  # the same in the chest wall

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "present": self.status == "present" if self.status in ("present", "absent") else None,
            "index": round(self.index, 3),
            "mmode_index": round(self.mmode_index, 3),
            "below_pleura_speed": round(self.below_speed, 3),
            "chest_wall_speed": round(self.above_speed, 3),
            "mmode_change": _finite(self.mmode_change),
            "chest_wall_mmode_change": _finite(self.wall_change),
            "reason": self.reason,
        }


def _finite(x: float) -> float | None:
    return round(float(x), 4) if np.isfinite(x) else None


def _bands(pleura: Pleura, nd: int) -> tuple[slice, slice]:
    d = max(4.0, pleura.depth_rows)
    prow = int(np.median(pleura.row[pleura.on])) if pleura.on.any() else int(np.median(pleura.row))
    below = slice(min(nd - 2, prow + 1), min(nd - 1, prow + 1 + max(4, int(0.6 * d))))
    skin = int(np.median(pleura.skin[pleura.on])) if pleura.on.any() else 0
    above = slice(max(0, skin + int(0.25 * d)), max(skin + int(0.25 * d) + 2, prow - max(2, int(0.2 * d))))
    return below, above


def assess_sliding(
    pairs: list[tuple[np.ndarray, np.ndarray, float]],
    series: np.ndarray,
    valid: np.ndarray,
    pleura: Pleura,
) -> Sliding:
    """Sliding from grid frame ``pairs`` (a, b, dt) and a time ``series`` of grid frames."""
    if not pleura.present:
        return Sliding("not assessable", 0.0, 0.0, 0.0, 0.0, "no pleural line found")
    if not pairs:
        return Sliding("not assessable", 0.0, 0.0, 0.0, 0.0, "a still image shows no sliding")
    nd, nb = valid.shape
    below, above = _bands(pleura, nd)
    pleura = replace(pleura, on=_unshadowed(series, valid, pleura, below, above))
    cols = pleura.on
    below_v, above_v = [], []
    for a, b, dt in pairs:
        ua = _to_u8(a)
        ub = _to_u8(b)
        flow = cv2.calcOpticalFlowFarneback(ua, ub, None, 0.5, 2, 9, 3, 5, 1.1, 0)
        fx = np.abs(flow[..., 0]) / max(dt, 1e-3)
        mb = valid[below][:, cols]
        ma = valid[above][:, cols]
        if mb.sum() < 10 or ma.sum() < 10:
            continue
        below_v.append(float(np.median(fx[below][:, cols][mb])))
        above_v.append(float(np.median(fx[above][:, cols][ma])))
    mm = _mmode_index(series, valid, pleura, below, above)
    if not below_v:
        return Sliding("uncertain", 0.0, mm, 0.0, 0.0, "pleural region too small to measure motion")
    bs, as_ = float(np.median(below_v)), float(np.median(above_v))
    index = bs / (as_ + 0.05 * nb / 10.0)
    change, wall = _mmode_change(series, valid, pleura, below), _mmode_change(series, valid, pleura, above)
    args = (index, mm, bs, as_)
    if index >= 1.6 and mm >= 1.15:
        return Sliding(
            "present", *args, "tissue below the pleura moves against a still chest wall", change, wall
        )
    barcode = change < BARCODE_MAX and change <= 1.5 * wall + 0.01
    if index < 1.2 and barcode:
        return Sliding(
            "absent",
            *args,
            "the lung moves no more than the chest wall and the M-mode below the pleura is a barcode "
            "(check for pneumothorax)",
            change,
            wall,
        )
    return Sliding("uncertain", *args, "motion signals disagree or the probe moved", change, wall)


BARCODE_MAX = 0.08
"""Largest M-mode change below the pleura (temporal std over the contrast of the mean lines) for a barcode."""


def _mmode_change(series: np.ndarray, valid: np.ndarray, pleura: Pleura, rows: slice) -> float:
    """Median temporal std of the M-mode pixels in ``rows`` over the median depth contrast of their time mean.

    A barcode (nothing slides) keeps fixed horizontal lines: only noise changes, so this is
    small; a seashore renews its granular pattern, so the change is comparable to the contrast.
    Returns ``inf`` when there are too few frames or pixels to tell.
    """
    cols = np.flatnonzero(pleura.on)
    if series.shape[0] < 3 or cols.size == 0:
        return float("inf")
    s = series[:, rows][:, :, cols]
    v = valid[rows][:, cols]
    keep = v.sum(axis=0) >= 3
    if keep.sum() < 3:
        return float("inf")
    s, v = s[:, :, keep], v[:, keep]
    temporal = float(np.median(s.std(axis=0)[v]))
    mean = np.where(v, s.mean(axis=0), np.nan)
    with np.errstate(all="ignore"):
        contrast = float(np.nanmedian(np.nanstd(mean, axis=0)))
    return temporal / (contrast + 1e-3)


def _unshadowed(
    series: np.ndarray, valid: np.ndarray, pleura: Pleura, below: slice, above: slice
) -> np.ndarray:
    """Pleural beams with echoes below the line: a rib's surface looks like pleura but casts a shadow.

    Motion cannot be measured in a shadow, so beams whose region below the line is darker
    than a fifth of the chest wall's typical brightness are left out (all pleural beams are
    kept if fewer than three would remain).
    """
    on = pleura.on.copy()
    if series.size == 0 or not on.any():
        return on
    mean = series.mean(axis=0)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lung = np.nanmean(np.where(valid[below], mean[below], np.nan), axis=0)
        wall = float(np.nanmedian(np.where(valid[above][:, on], mean[above][:, on], np.nan)))
    if not np.isfinite(wall) or wall <= 0:
        return on
    lit = on & np.nan_to_num(lung > 0.2 * wall)
    return lit if lit.sum() >= 3 else on


def _to_u8(a: np.ndarray) -> np.ndarray:
    return np.clip(a, 0, 255).astype(np.uint8)


def _mmode_index(series: np.ndarray, valid: np.ndarray, pleura: Pleura, below: slice, above: slice) -> float:
    if series.shape[0] < 3:
        return 0.0
    cols = np.flatnonzero(pleura.on)
    if cols.size == 0:
        return 0.0
    sb = series[:, below][:, :, cols]
    sa = series[:, above][:, :, cols]
    vb = valid[below][:, cols]
    va = valid[above][:, cols]
    if vb.sum() < 5 or va.sum() < 5:
        return 0.0
    tb = (sb.std(axis=0) / (sb.mean(axis=0) + 5.0))[vb]
    ta = (sa.std(axis=0) / (sa.mean(axis=0) + 5.0))[va]
    return float(np.median(tb) / (np.median(ta) + 1e-3))
