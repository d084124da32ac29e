"""Lung sliding: motion at and just below the pleura compared with the chest wall above it.

With the probe held still the chest wall is static, while the visceral pleura glides along
the beams' lateral direction with breathing. Lateral optical flow (Farneback, on the
(depth, beam) grid) is measured in a band just below the pleura and a band in the chest
wall; their ratio is the sliding index. The M-mode check takes the beams through the
pleura over time: "seashore" (granular, changing below the pleura) versus "barcode" (lines
everywhere); its index is the temporal variability below the pleura over that above.
"""

from __future__ import annotations

from dataclasses import dataclass

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

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "present": self.status == "present" if self.status in ("present", "absent") else None,
            "index": round(self.index, 3),
            "mmode_index": round(self.mmode_index, 3),
            "below_pleura_speed": round(self.below_speed, 3),
            "chest_wall_speed": round(self.above_speed, 3),
            "reason": self.reason,
        }


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
    if index >= 1.6 and mm >= 1.15:
        return Sliding(
            "present", index, mm, bs, as_, "tissue below the pleura moves against a still chest wall"
        )
    if index < 1.2 and mm < 1.1:
        return Sliding(
            "absent",
            index,
            mm,
            bs,
            as_,
            "no more motion below the pleura than in the chest wall (check for pneumothorax)",
        )
    return Sliding("uncertain", index, mm, bs, as_, "motion signals disagree or the probe moved")


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
