"""Caliper arithmetic for the viewer: distance, ellipse area and traced area (Qt-free).

Points are ``(x, y)`` in stored-frame pixels. Physical units only come from the clip's
ultrasound regions; a measurement whose points fall in different regions is refused with a
``CalibrationError``. A clip without any calibrated region is measured in pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from imgtrainer.errors import CalibrationError
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


def _region_for(points: Sequence[Point], regions: Sequence[Region]) -> Region | None:
    """The one calibrated 2-D region holding every point; None when the clip has none."""
    calibrated = [r for r in regions if r.calibrated_cm]
    if not calibrated:
        return None
    hits = []
    for x, y in points:
        inside = [i for i, r in enumerate(calibrated) if r.contains(x, y)]
        if not inside:
            raise CalibrationError(f"point ({x:.0f}, {y:.0f}) is outside every calibrated ultrasound region")
        hits.append(inside[0])
    if len(set(hits)) > 1:
        raise CalibrationError(
            "measurement spans two ultrasound regions with different calibrations: refused"
        )
    return calibrated[hits[0]]


def _polygon_area(points: Sequence[Point], sx: float, sy: float) -> float:
    area = 0.0
    n = len(points)
    for i in range(n):
        x0, y0 = points[i]
        x1, y1 = points[(i + 1) % n]
        area += (x0 * sx) * (y1 * sy) - (x1 * sx) * (y0 * sy)
    return abs(area) / 2


def measure(kind: str, points: Sequence[Point], regions: Sequence[Region], frame: int = 0) -> Measurement:
    """Measure ``kind`` over ``points``: distance needs 2, ellipse 2 (bounding box corners), trace >= 3."""
    if kind not in KINDS:
        raise CalibrationError(f"unknown caliper kind {kind!r}; expected one of {', '.join(KINDS)}")
    pts = tuple((float(x), float(y)) for x, y in points)
    need = 3 if kind == "trace" else 2
    if len(pts) < need:
        raise CalibrationError(f"{kind} needs at least {need} points, got {len(pts)}")
    region = _region_for(pts, regions)
    sx, sy = (region.delta_x, region.delta_y) if region else (1.0, 1.0)
    unit = "cm" if region else "px"
    if kind == "distance":
        (x0, y0), (x1, y1) = pts[0], pts[-1]
        value = math.hypot((x1 - x0) * sx, (y1 - y0) * sy)
        return Measurement(kind, (pts[0], pts[-1]), value, unit, frame)
    if kind == "ellipse":
        (x0, y0), (x1, y1) = pts[0], pts[-1]
        value = math.pi * abs(x1 - x0) * sx / 2 * abs(y1 - y0) * sy / 2
        return Measurement(kind, (pts[0], pts[-1]), value, unit + "²", frame)
    return Measurement(kind, pts, _polygon_area(pts, sx, sy), unit + "²", frame)
