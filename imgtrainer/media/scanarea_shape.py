"""The shape of a detected scan area: sector or rectangle, its apex, and how far to trust it.

Works on the detector's reduced images and masks (see ``imgtrainer.media.scanarea``).
"""

from __future__ import annotations

import cv2
import numpy as np


def top_arc_apex(small: np.ndarray, hull: np.ndarray) -> tuple[float, float, float] | None:
    """Centre (x, y) of the circular top edge of a convex-probe image, and fit quality.

    Used when the sector's sides are cut off by the frame: the skin line of a convex probe
    is an arc centred on the virtual apex, and the beams radiate from that centre.
    """
    h, w = small.shape[1:]
    mx = cv2.medianBlur(small.max(axis=0), 5).astype(np.float32)
    inside = np.zeros((h, w), np.uint8)
    cv2.fillPoly(inside, [hull.reshape(-1, 1, 2).astype(np.int32)], 1)
    lit = (mx > float(np.percentile(mx, 2)) + 8.0) & (inside > 0)
    cols = np.flatnonzero(lit.any(axis=0))
    if cols.size < 20:
        return None
    top = np.array([np.argmax(lit[:, c]) for c in cols], float)
    run = _central_run(top > 1)  # columns whose top is not cut by the frame edge
    if run is None:
        return None
    xs, ys = cols[run].astype(float), top[run]
    if xs.size < max(12, 0.15 * cols.size) or np.ptp(ys) < 3:
        return None
    # robust-ish Kasa circle fit, one refit without the worst 20 %
    for _ in range(2):
        a = np.column_stack([xs, ys, np.ones_like(xs)])
        b = -(xs**2 + ys**2)
        (d, e, f), *_ = np.linalg.lstsq(a, b, rcond=None)
        cx, cy = -d / 2, -e / 2
        r2 = cx**2 + cy**2 - f
        if r2 <= 0:
            return None
        res = np.abs(np.hypot(xs - cx, ys - cy) - np.sqrt(r2))
        good = res <= np.percentile(res, 80)
        xs, ys = xs[good], ys[good]
    r = float(np.sqrt(r2))
    if not (cy < ys.min() - 2 and 0.1 * h < r < 8.0 * h and 0.3 * w < cx < 0.7 * w):
        return None
    quality = float(np.clip(1.0 - np.median(res) / 2.0, 0.0, 1.0))
    return float(cx), float(cy), quality


def _trim_run(flags: np.ndarray) -> np.ndarray:
    """``flags`` keeping only the middle 80 % of its True rows (drops rounded ends)."""
    idx = np.flatnonzero(flags)
    out = np.zeros_like(flags)
    if idx.size >= 5:
        cut = max(1, idx.size // 10)
        out[idx[cut:-cut]] = True
    return out


def _central_run(flags: np.ndarray) -> slice | None:
    """The run of True values containing (or nearest to) the middle of ``flags``."""
    idx = np.flatnonzero(flags)
    if idx.size == 0:
        return None
    breaks = np.flatnonzero(np.diff(idx) > 1)
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], [idx[-1]]])
    mid = flags.size / 2
    dist = np.where((starts <= mid) & (ends >= mid), 0, np.minimum(abs(starts - mid), abs(ends - mid)))
    k = int(np.argmin(dist - 1e-3 * (ends - starts)))
    return slice(int(starts[k]), int(ends[k]) + 1)


def classify(
    mask: np.ndarray, bbox: tuple[int, int, int, int]
) -> tuple[str, tuple[float, float] | None, float]:
    """ "sector" (with apex) or "rectangle", and how well the shape fits (0..1).

    The sides are fitted only where they do not touch the image border, so a sector whose
    lower part is cut off by the frame (common in cropped exports) is still a sector.
    """
    x0, y0, x1, y1 = bbox
    _rows_img, cols_img = mask.shape
    sub = mask[y0 : y1 + 1, x0 : x1 + 1]
    fill = float(sub.mean())
    ys = np.flatnonzero(sub.any(axis=1))
    if ys.size < 12:
        return "rectangle", None, 0.5 * fill
    left = np.array([np.argmax(sub[y]) for y in ys], float)
    right = np.array([sub.shape[1] - 1 - np.argmax(sub[y][::-1]) for y in ys], float)
    width = right - left
    widest = int(np.argmax(width >= width.max() - 1))
    top = slice(int(0.03 * widest), max(int(0.03 * widest) + 1, int(0.97 * widest)))
    yy = ys[top].astype(float)
    lf, rf = left[top], right[top]
    free_l = _trim_run((lf + x0) > 1)
    free_r = _trim_run((rf + x0) < cols_img - 2)
    min_rows = max(8, int(0.12 * sub.shape[0]))
    if free_l.sum() >= min_rows and free_r.sum() >= min_rows:
        al, bl = np.polyfit(yy[free_l], lf[free_l], 1)
        ar, br = np.polyfit(yy[free_r], rf[free_r], 1)
        res = np.sqrt(
            np.mean((lf[free_l] - (al * yy[free_l] + bl)) ** 2)
            + np.mean((rf[free_r] - (ar * yy[free_r] + br)) ** 2)
        )
        if al < -0.1 and ar > 0.1:
            y_apex = (bl - br) / (ar - al)
            x_apex = al * y_apex + bl
            if -0.25 * sub.shape[1] <= x_apex <= 1.25 * sub.shape[1] and y_apex < 0.5 * sub.shape[0]:
                quality = float(np.clip(1.0 - res / (0.03 * max(sub.shape)), 0.0, 1.0))
                return "sector", (float(x_apex + x0), float(y_apex + y0)), quality
    if fill > 0.93:
        return "rectangle", None, min(1.0, (fill - 0.85) / 0.1)
    return "rectangle", None, float(np.clip(fill, 0.0, 1.0))


def confidence(
    frac: float,
    comp_frac: float,
    solidity: float,
    fit: float,
    n: int,
    dyn: float,
    separation: float = 1.0,
    rival: float = 0.0,
) -> float:
    """Heuristic 0..1 trust in a detected area: plausible size, solid, well-shaped, and set
    apart from its surroundings: by motion on a cine, by the plain ground around it (the
    ``separation``, 0..1) on a still. A ``rival`` candidate (runner-up area / chosen area)
    of comparable size makes the choice doubtful."""
    if frac < 0.04:
        size = 0.0
    elif frac < 0.12:
        size = (frac - 0.04) / 0.08
    elif frac <= 0.97:
        size = 1.0
    else:
        # the whole frame: fine for a frame cropped to the image (tissue everywhere), else doubtful
        size = 0.65 if comp_frac > 0.85 else 0.4
    shape = 0.5 + 0.5 * fit
    solid = float(np.clip((solidity - 0.3) / 0.4, 0.0, 1.0))
    motion = 1.0 if n >= 3 and dyn > 0.03 else 0.7 + 0.3 * float(np.clip(separation, 0.0, 1.0))
    unique = 1.0 - 0.6 * float(np.clip((rival - 0.25) / 0.5, 0.0, 1.0))
    conf = size * (0.55 + 0.25 * solid + 0.2 * shape) * motion * unique
    return float(np.clip(conf, 0.0, 1.0))
