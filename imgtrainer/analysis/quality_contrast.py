"""Contrast metrics: RMS contrast, CNR and gCNR between tissue bands, and speckle SNR.

The brightest and darkest tissue bands are the pixels whose local mean (a ~10 % window) is in
the top and bottom deciles of the scan area. gCNR (generalised CNR, 0..1) is one minus the
overlap of their grey-level histograms: it does not change with gain and falls with noise
or haze. Speckle SNR is mean/std in small homogeneous patches; fully developed speckle
has 1.91 on the envelope (log compression raises it), and noise or blur move it away.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

FULL_SPECKLE_SNR = 1.91
"""Mean/std of a Rayleigh-distributed envelope (fully developed speckle)."""


@dataclass
class ContrastMetrics:
    rms_contrast: float  # std / mean of the scan area
    cnr: float  # |mean_bright - mean_dark| / sqrt(var_bright + var_dark)
    gcnr: float  # 1 - histogram overlap of the two bands (0 = indistinguishable, 1 = separate)
    speckle_snr: float  # median mean/std over homogeneous patches

    def to_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in asdict(self).items()}


def contrast_metrics(gray: np.ndarray, mask: np.ndarray) -> ContrastMetrics:
    """Contrast of one grayscale frame inside ``mask``."""
    px = gray[mask].astype(np.float64)
    if px.size < 64:
        return ContrastMetrics(0.0, 0.0, 0.0, 0.0)
    mean = float(px.mean())
    rms = float(px.std() / mean) if mean > 0 else 0.0
    k = max(5, (min(gray.shape) // 10) | 1)
    local = cv2.blur(gray.astype(np.float32), (k, k))
    inner = cv2.erode(mask.astype(np.uint8), np.ones((k, k), np.uint8)) > 0
    if inner.sum() < 64:
        inner = mask
    lm = local[inner]
    lo, hi = np.percentile(lm, [10, 90])
    vals = gray[inner]
    bright = vals[lm >= hi].astype(np.float64)
    dark = vals[lm <= lo].astype(np.float64)
    if bright.size == 0 or dark.size == 0:
        return ContrastMetrics(rms, 0.0, 0.0, _speckle_snr(gray, inner))
    cnr = abs(bright.mean() - dark.mean()) / max(1e-6, float(np.sqrt(bright.var() + dark.var())))
    hb = np.bincount(bright.astype(np.int64), minlength=256) / bright.size
    hd = np.bincount(dark.astype(np.int64), minlength=256) / dark.size
    gcnr = 1.0 - float(np.minimum(hb, hd).sum())
    return ContrastMetrics(rms, float(cnr), gcnr, _speckle_snr(gray, inner))


def _speckle_snr(gray: np.ndarray, mask: np.ndarray) -> float:
    """Median mean/std over mid-brightness 8x8-ish patches inside ``mask``."""
    p = max(6, min(gray.shape) // 40)
    h, w = gray.shape
    hh, ww = h // p * p, w // p * p
    if hh == 0 or ww == 0:
        return 0.0
    g = gray[:hh, :ww].astype(np.float32).reshape(hh // p, p, ww // p, p)
    m = mask[:hh, :ww].reshape(hh // p, p, ww // p, p).all(axis=(1, 3))
    mu = g.mean(axis=(1, 3))
    sd = g.std(axis=(1, 3))
    sel = m & (mu > 20) & (mu < 230) & (sd > 0)
    if sel.sum() < 4:
        return 0.0
    snr = mu[sel] / sd[sel]
    return float(np.median(snr))
