"""Calipers for the viewer: distance, ellipse area and traced area (Qt-free).

Points are ``(x, y)`` in stored-frame pixels. Physical units come only through
``imgtrainer.media.calibration`` (one cm-calibrated ultrasound region per measurement; across
regions it raises ``CalibrationError``). A clip without any cm calibration is measured in pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from imgtrainer.errors import CalibrationError
from imgtrainer.media import calibration
from imgtrainer.media.clip import Region

Point = tuple[float, float]
KINDS = ("distance", "ellipse", "trace")


@dataclass(frozen=True)
class Measurement:
    """One caliper result: ``value`` in ``unit`` (cm, cm², px or px²) on frame ``frame``."""

    kind: str
    points: tuple[Point, ...]
    value: float
    unit: str
    frame: int

    @property
    def label(self) -> str:
        name = {"distance": "Distance", "ellipse": "Ellipse area", "trace": "Trace area"}[self.kind]
        return f"{name}: {self.value:.2f} {self.unit}"


def measure(kind: str, points: Sequence[Point], regions: Sequence[Region], frame: int = 0) -> Measurement:
    """Measure ``kind`` over ``points``: distance needs 2, ellipse 2 (bounding box corners), trace >= 3."""
    if kind not in KINDS:
        raise CalibrationError(f"unknown caliper kind {kind!r}; expected one of {', '.join(KINDS)}")
    pts = tuple((float(x), float(y)) for x, y in points)
    need = 3 if kind == "trace" else 2
    if len(pts) < need:
        raise CalibrationError(f"{kind} needs at least {need} points, got {len(pts)}")
    if not any(r.calibrated_cm for r in regions):
        return _measure_px(kind, pts, frame)
    (x0, y0), (x1, y1) = pts[0], pts[-1]
    if kind == "distance":
        return Measurement(
            kind, (pts[0], pts[-1]), calibration.distance_cm(regions, pts[0], pts[-1]), "cm", frame
        )
    if kind == "ellipse":  # the drag is the bounding box: its two diameters through the centre
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        area = calibration.ellipse_area_cm2(regions, ((x0, cy), (x1, cy)), ((cx, y0), (cx, y1)))
        return Measurement(kind, (pts[0], pts[-1]), area, "cm²", frame)
    return Measurement(kind, pts, calibration.polygon_area_cm2(regions, pts), "cm²", frame)


def _measure_px(kind: str, pts: tuple[Point, ...], frame: int) -> Measurement:
    """A clip without any cm calibration is measured in pixels (and says so)."""
    (x0, y0), (x1, y1) = pts[0], pts[-1]
    if kind == "distance":
        return Measurement(kind, (pts[0], pts[-1]), math.hypot(x1 - x0, y1 - y0), "px", frame)
    if kind == "ellipse":
        return Measurement(kind, (pts[0], pts[-1]), math.pi * abs(x1 - x0) * abs(y1 - y0) / 4, "px²", frame)
    return Measurement(kind, pts, _polygon_area(pts), "px²", frame)


def _polygon_area(points: Sequence[Point]) -> float:
    """Shoelace area in square pixels."""
    twice = 0.0
    for (x0, y0), (x1, y1) in zip(points, [*points[1:], points[0]], strict=True):
        twice += x0 * y1 - x1 * y0
    return abs(twice) / 2
