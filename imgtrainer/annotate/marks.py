"""Mark-level agreement between two sets of marks (two raters, or trainee vs key).

Marks are matched one to one (Hungarian assignment, scipy ``linear_sum_assignment``) when
they are the same type, on the same frame (or either is frame-free) and within tolerance:
points by distance in pixels, lines by midpoint distance and angle in degrees, polygons and
ellipses by centroid distance. F1 = 2 * matched / (n_a + n_b).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from imgtrainer.library.models import Mark

_INF = 1e9


def _centre(mark: Mark) -> tuple[float, float]:
    pts = np.asarray(mark.points, dtype=float)
    return float(pts[:, 0].mean()), float(pts[:, 1].mean())


def _line_angle_deg(mark: Mark) -> float:
    (x0, y0), (x1, y1) = mark.points[0], mark.points[-1]
    return math.degrees(math.atan2(y1 - y0, x1 - x0)) % 180.0


def mark_cost(a: Mark, b: Mark, tolerance_px: float, tolerance_deg: float) -> float:
    """Distance-like cost in pixels, or infinity when the marks cannot be a match."""
    if a.type != b.type:
        return _INF
    if a.frame is not None and b.frame is not None and a.frame != b.frame:
        return _INF
    ca, cb = _centre(a), _centre(b)
    dist = math.hypot(ca[0] - cb[0], ca[1] - cb[1])
    if dist > tolerance_px:
        return _INF
    if a.type == "line":
        diff = abs(_line_angle_deg(a) - _line_angle_deg(b))
        diff = min(diff, 180.0 - diff)
        if diff > tolerance_deg:
            return _INF
        dist += diff * tolerance_px / tolerance_deg * 0.5
    return dist


def match_marks(
    a: Sequence[Mark], b: Sequence[Mark], tolerance_px: float, tolerance_deg: float = 15.0
) -> list[tuple[int, int]]:
    """Index pairs (i in a, j in b) of the optimal one-to-one matching within tolerance."""
    if not a or not b:
        return []
    cost = np.array([[mark_cost(x, y, tolerance_px, tolerance_deg) for y in b] for x in a])
    rows, cols = linear_sum_assignment(cost)
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True) if cost[i, j] < _INF]


def marks_f1(a: Sequence[Mark], b: Sequence[Mark], tolerance_px: float, tolerance_deg: float = 15.0) -> float:
    """F1 of the one-to-one matching; 1.0 when both sets are empty."""
    if not a and not b:
        return 1.0
    matched = len(match_marks(a, b, tolerance_px, tolerance_deg))
    return 2.0 * matched / (len(a) + len(b))


def frame_ranges_iou(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> float:
    """Temporal IoU of two sets of inclusive frame ranges; 1.0 when both are empty."""
    fa = {f for s, e in a for f in range(s, e + 1)}
    fb = {f for s, e in b for f in range(s, e + 1)}
    if not fa and not fb:
        return 1.0
    return len(fa & fb) / len(fa | fb)
