"""Matching a trainee's marks to the expert's: one-to-one Hungarian assignment, then F1 / Dice.

Marks are compared in stored-frame pixels, whatever frame they were drawn on (the frame is kept
to draw the feedback). Only marks of the same family are paired: points with points, lines with
lines, polylines with polylines, regions (polygon/ellipse) with regions.

- point: matched when the distance is <= ``tol_px``.
- line: matched when the midpoint distance is <= ``tol_px`` and the undirected angle between
  the lines is <= ``tol_deg`` (a B-line drawn shorter or longer still matches).
- polyline: matched when the symmetric mean distance between the curves (each resampled to
  64 points) is <= ``tol_px``.
- region: rasterised with ``cv2.fillPoly`` / ``cv2.ellipse`` on a canvas covering both marks
  (Dice is translation invariant, so the frame size is not needed); the pair's credit is Dice.

Score = 2 * sum(credit of matched pairs) / (n_expert + n_trainee): F1 when the credits are 0/1,
a soft F1 (mean Dice for one region each) for regions. No marks expected and none drawn: 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from imgtrainer.library.models import Mark

_FAMILY = {"point": "point", "line": "line", "polyline": "polyline", "polygon": "region", "ellipse": "region"}
_UNMATCHED = 1e9
_MAX_CANVAS = 2048


@dataclass
class MarkMatch:
    """Result of matching: pairs of (expert index, trainee index, credit 0-1, distance px)."""

    score: float
    pairs: list[tuple[int, int, float, float]] = field(default_factory=list)
    n_expert: int = 0
    n_trainee: int = 0

    @property
    def matched(self) -> int:
        return sum(1 for p in self.pairs if p[2] > 0)


def match_marks(expert: list[Mark], trainee: list[Mark], tol_px: float, tol_deg: float) -> MarkMatch:
    """One-to-one assignment of trainee marks to expert marks and the (soft) F1 score."""
    n_e, n_t = len(expert), len(trainee)
    if n_e == 0 and n_t == 0:
        return MarkMatch(1.0, [], 0, 0)
    if n_e == 0 or n_t == 0:
        return MarkMatch(0.0, [], n_e, n_t)
    from scipy.optimize import linear_sum_assignment  # lazy: scipy.optimize costs ~1 s to import

    credit = np.zeros((n_e, n_t))
    dist = np.full((n_e, n_t), math.inf)
    for i, em in enumerate(expert):
        for j, tm in enumerate(trainee):
            if _FAMILY[em.type] != _FAMILY[tm.type]:
                continue
            credit[i, j], dist[i, j] = _pair(em, tm, tol_px, tol_deg)
    # maximise total credit; among equal credit prefer the closer pair
    finite = np.where(np.isfinite(dist), dist, 0.0)
    scale = float(finite.max()) + 1.0
    cost = -credit + 1e-3 * np.where(np.isfinite(dist), dist / scale, 1.0)
    rows, cols = linear_sum_assignment(cost)
    pairs = [
        (int(i), int(j), float(credit[i, j]), float(dist[i, j])) for i, j in zip(rows, cols, strict=True)
    ]
    pairs = [p for p in pairs if p[2] > 0]
    total = sum(p[2] for p in pairs)
    return MarkMatch(float(min(1.0, 2.0 * total / (n_e + n_t))), pairs, n_e, n_t)


def _pair(em: Mark, tm: Mark, tol_px: float, tol_deg: float) -> tuple[float, float]:
    """(credit, distance in px) of one expert/trainee pair of the same family."""
    fam = _FAMILY[em.type]
    e = np.asarray(em.points, dtype=float)
    t = np.asarray(tm.points, dtype=float)
    if fam == "point":
        d = float(np.hypot(*(e[0] - t[0])))
        return (1.0 if d <= tol_px else 0.0), d
    if fam == "line":
        d = float(np.hypot(*(e.mean(axis=0) - t.mean(axis=0))))
        ang = line_angle_diff_deg(e, t)
        return (1.0 if d <= tol_px and ang <= tol_deg else 0.0), d
    if fam == "polyline":
        d = curve_distance(e, t)
        return (1.0 if d <= tol_px else 0.0), d
    d = float(np.hypot(*(_centroid(em) - _centroid(tm))))
    return region_dice(em, tm), d


def line_angle_diff_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Undirected angle between two segments, 0-90 degrees (a zero-length segment: 90)."""
    va, vb = a[1] - a[0], b[1] - b[0]
    na, nb = float(np.hypot(*va)), float(np.hypot(*vb))
    if na == 0 or nb == 0:
        return 90.0
    cos = abs(float(np.dot(va, vb))) / (na * nb)
    return math.degrees(math.acos(min(1.0, cos)))


def curve_distance(a: np.ndarray, b: np.ndarray, n: int = 64) -> float:
    """Symmetric mean closest-point distance between two polylines resampled to ``n`` points."""
    ra, rb = _resample(a, n), _resample(b, n)
    d = np.hypot(ra[:, None, 0] - rb[None, :, 0], ra[:, None, 1] - rb[None, :, 1])
    return float(0.5 * (d.min(axis=1).mean() + d.min(axis=0).mean()))


def _resample(p: np.ndarray, n: int) -> np.ndarray:
    seg = np.hypot(*np.diff(p, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    if s[-1] == 0:
        return np.repeat(p[:1], n, axis=0)
    u = np.linspace(0.0, s[-1], n)
    return np.stack([np.interp(u, s, p[:, 0]), np.interp(u, s, p[:, 1])], axis=1)


def _centroid(m: Mark) -> np.ndarray:
    return np.asarray(m.points, dtype=float).mean(axis=0)


def region_dice(a: Mark, b: Mark) -> float:
    """Dice overlap of two regions (polygon or ellipse given by its bounding box corners)."""
    pts = np.asarray(list(a.points) + list(b.points), dtype=float)
    lo = pts.min(axis=0) - 2
    span = float((pts.max(axis=0) - lo).max()) + 2
    scale = min(1.0, _MAX_CANVAS / span) if span > 0 else 1.0
    size = math.ceil(span * scale) + 3
    ma, mb = _raster(a, lo, scale, size), _raster(b, lo, scale, size)
    total = int(ma.sum()) + int(mb.sum())
    if total == 0:
        return 0.0
    return 2.0 * int(np.logical_and(ma, mb).sum()) / total


def _raster(m: Mark, origin: np.ndarray, scale: float, size: int) -> np.ndarray:
    import cv2  # lazy: only regions need it

    canvas = np.zeros((size, size), np.uint8)
    shift = 4  # sub-pixel precision for cv2 drawing
    pts = np.round((np.asarray(m.points, dtype=float) - origin) * scale * (1 << shift)).astype(np.int32)
    if m.type == "ellipse":
        (x0, y0), (x1, y1) = pts[0], pts[1]
        center = (int((x0 + x1) // 2), int((y0 + y1) // 2))
        axes = (int(abs(x1 - x0) // 2), int(abs(y1 - y0) // 2))
        cv2.ellipse(canvas, center, axes, 0, 0, 360, 1, thickness=-1, lineType=cv2.LINE_8, shift=shift)
    else:
        cv2.fillPoly(canvas, [pts.reshape(-1, 1, 2)], 1, lineType=cv2.LINE_8, shift=shift)
    return canvas.astype(bool)
