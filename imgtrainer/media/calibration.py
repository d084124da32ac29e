"""Pixel measurements -> cm and cm², only ever within ONE region calibrated in cm.

A DICOM ultrasound frame can hold several regions (a 2D image, an M-mode strip, a Doppler
trace), each with its own scale and units. A line from the 2D image into the M-mode strip has no
physical length, so every function here checks that all points fall in the same region and that
the region's X and Y units are both cm; otherwise it raises ``CalibrationError`` saying why.
Pixel coordinates are ``(x, y)`` in the stored frame; ``Region.delta_x``/``delta_y`` are cm/pixel.

>>> r = Region(0, 0, 99, 99, units_x="cm", units_y="cm", delta_x=0.1, delta_y=0.1)
>>> distance_cm([r], (0, 0), (30, 40))
5.0
>>> round(polygon_area_cm2([r], [(0, 0), (10, 0), (10, 10), (0, 10)]), 6)
1.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from imgtrainer.errors import CalibrationError
from imgtrainer.media.clip import Region

Point = tuple[float, float]


def region_at(regions: Sequence[Region], x: float, y: float) -> Region | None:
    """The region containing pixel ``(x, y)``; the smallest one when regions overlap; else None."""
    hits = [r for r in regions if r.contains(x, y)]
    if not hits:
        return None
    return min(hits, key=lambda r: r.width * r.height)


def _region_of(regions: Sequence[Region], points: Sequence[Point]) -> Region:
    """The one cm-calibrated region holding every point, or CalibrationError naming the problem."""
    if not regions:
        raise CalibrationError("no calibration: the image has no Sequence of Ultrasound Regions")
    if not points:
        raise CalibrationError("no points to measure")
    found: list[Region] = []
    for x, y in points:
        if not (math.isfinite(x) and math.isfinite(y)):
            raise CalibrationError(f"point ({x}, {y}) is not a finite pixel coordinate")
        r = region_at(regions, x, y)
        if r is None:
            raise CalibrationError(f"point ({x:g}, {y:g}) lies outside every calibrated region")
        found.append(r)
    first = found[0]
    for (x, y), r in zip(points, found, strict=True):
        if r is not first:
            raise CalibrationError(
                f"points span two regions ({first.spatial_format} box {(first.x0, first.y0, first.x1, first.y1)} "
                f"and {r.spatial_format} box {(r.x0, r.y0, r.x1, r.y1)} at ({x:g}, {y:g})); "
                "a measurement must stay within one region"
            )
    if not first.calibrated_cm:
        raise CalibrationError(
            f"the {first.spatial_format} region {(first.x0, first.y0, first.x1, first.y1)} is calibrated in "
            f"{first.units_x} x {first.units_y} (delta {first.delta_x}, {first.delta_y}), not cm x cm"
        )
    return first


def distance_cm(regions: Sequence[Region], p0: Point, p1: Point) -> float:
    """Length in cm of the segment p0-p1 (pixel (x, y) coordinates), pixels may be non-square."""
    r = _region_of(regions, [p0, p1])
    dx = (p1[0] - p0[0]) * float(r.delta_x)  # type: ignore[arg-type]
    dy = (p1[1] - p0[1]) * float(r.delta_y)  # type: ignore[arg-type]
    return math.hypot(dx, dy)


def polygon_area_cm2(regions: Sequence[Region], points: Sequence[Point]) -> float:
    """Area in cm² of a simple polygon (vertices in order, not closed) by the shoelace formula."""
    if len(points) < 3:
        raise CalibrationError(f"a polygon needs at least 3 points, got {len(points)}")
    r = _region_of(regions, points)
    twice = 0.0
    for (x0, y0), (x1, y1) in zip(points, [*points[1:], points[0]], strict=True):
        twice += x0 * y1 - x1 * y0
    return abs(twice) / 2.0 * float(r.delta_x) * float(r.delta_y)  # type: ignore[arg-type]


def ellipse_area_cm2(
    regions: Sequence[Region], axis1: tuple[Point, Point], axis2: tuple[Point, Point]
) -> float:
    """Area in cm² of an ellipse given its two diameters as end-point pairs: π·d1·d2/4.

    This is the two-diameter method used for the gastric antrum cross-section. Both diameters
    are measured in cm first, so non-square pixels are handled.
    """
    r = _region_of(regions, [*axis1, *axis2])
    d1 = distance_cm([r], *axis1)
    d2 = distance_cm([r], *axis2)
    return math.pi * d1 * d2 / 4.0
