"""The learned-model row of the lung protocol: a class-balanced L2 logistic model on a compact
image descriptor, everything (penalty, weights, calibration) fitted on the training patients."""

from __future__ import annotations

import numpy as np
from lung_cache import CachedClip
from lung_protocol import summarise

from imgtrainer.analysis.lung_fit import balanced_accuracy
from imgtrainer.analysis.lung_pleura import find_pleura


def descriptor(c: CachedClip) -> np.ndarray:
    """A compact learned-model input: below the pleura, the mean image, its temporal spread and
    its lateral gradient, each 8 x 6 (depth x beams), relative to the pleura's brightness."""
    import cv2

    pleura = find_pleura(c.series.mean(axis=0), c.valid)
    from imgtrainer.analysis.lung_detectors import roi_below_pleura

    roi = roi_below_pleura(c.valid, pleura)
    if roi is None:
        return np.zeros(144)
    sub = c.series[:, roi.start : roi.bottom][:, :, roi.ok]
    band = c.series[:, max(0, roi.pleura_row - 2) : roi.pleura_row + 3][:, :, roi.ok]
    level = float(np.median(band.max(axis=1))) + 5.0
    mean = sub.mean(axis=0)
    parts = (mean, sub.std(axis=0), np.abs(np.diff(mean, axis=1)))
    return np.concatenate(
        [
            cv2.resize(np.ascontiguousarray(p, np.float32), (6, 8), interpolation=cv2.INTER_AREA).ravel()
            / level
            for p in parts
        ]
    )


def learned(clips: list[CachedClip], y: np.ndarray, groups: np.ndarray) -> dict[str, object]:
    """A learned model (class-balanced L2 logistic on ``descriptor``), left one patient out, its
    penalty chosen by grouped CV and its Platt calibration fitted on the other patients."""
    from imgtrainer.analysis.lung_fit import fit_logistic, fit_platt, group_folds, robust_scale

    x = np.array([descriptor(c) for c in clips])
    p = np.zeros(len(y))
    for g in sorted(set(groups.tolist())):
        te = groups == g
        tr = ~te
        mu, sd = robust_scale(x[tr])
        xs = np.clip((x - mu) / sd, -3, 3)
        best = None
        for l2 in (1.0, 10.0, 100.0, 1000.0):
            z = np.zeros(int(tr.sum()))
            for f in group_folds(groups[tr], 5):
                w, b = fit_logistic(xs[tr][~f], y[tr][~f], l2)
                z[f] = xs[tr][f] @ w + b
            ba = balanced_accuracy(y[tr], z > 0)
            if best is None or ba > best[0]:
                best = (ba, l2, z)
        w, b = fit_logistic(xs[tr], y[tr], best[1])
        a, c0 = fit_platt(best[2], y[tr])
        p[te] = 1.0 / (1.0 + np.exp(-np.clip(a * (xs[te] @ w + b) + c0, -30, 30)))
    return summarise(y, p, np.ones(len(y), bool), groups)
