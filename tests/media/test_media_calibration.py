"""Calibration maths checked by hand: distances, polygon and ellipse areas, and refusals."""

from __future__ import annotations

import math

import pytest

from imgtrainer.errors import CalibrationError
from imgtrainer.media import Region
from imgtrainer.media.calibration import distance_cm, ellipse_area_cm2, polygon_area_cm2, region_at

B_MODE = Region(0, 0, 399, 299, "2D", "TISSUE", "cm", "cm", 0.02, 0.05)  # non-square pixels
M_MODE = Region(0, 300, 399, 449, "M-MODE", "TISSUE", "s", "cm", 0.01, 0.05)
REGIONS = [B_MODE, M_MODE]


def test_region_at() -> None:
    assert region_at(REGIONS, 10, 10) is B_MODE
    assert region_at(REGIONS, 10, 350) is M_MODE
    assert region_at(REGIONS, 500, 10) is None
    inner = Region(50, 50, 99, 99, "2D", "TISSUE", "cm", "cm", 0.01, 0.01)
    assert region_at([B_MODE, inner], 60, 60) is inner  # overlapping: the smaller, more specific one


def test_distance_by_hand() -> None:
    # 30 px in x at 0.02 cm = 0.6 cm; 16 px in y at 0.05 cm = 0.8 cm; hypotenuse 1.0 cm
    assert distance_cm(REGIONS, (100, 100), (130, 116)) == pytest.approx(1.0)
    assert distance_cm(REGIONS, (5, 5), (5, 5)) == 0.0


def test_polygon_area_by_hand() -> None:
    # 50 x 20 px rectangle = 1.0 cm x 1.0 cm; orientation does not matter
    square = [(10, 10), (60, 10), (60, 30), (10, 30)]
    assert polygon_area_cm2(REGIONS, square) == pytest.approx(1.0)
    assert polygon_area_cm2(REGIONS, square[::-1]) == pytest.approx(1.0)
    # right triangle with legs 100 px (2 cm) and 40 px (2 cm): 2 cm²
    assert polygon_area_cm2(REGIONS, [(0, 0), (100, 0), (0, 40)]) == pytest.approx(2.0)


def test_ellipse_area_by_hand() -> None:
    # diameters 3 cm (150 px in x) and 2 cm (40 px in y): pi * 3 * 2 / 4
    area = ellipse_area_cm2(REGIONS, ((100, 100), (250, 100)), ((175, 80), (175, 120)))
    assert area == pytest.approx(math.pi * 1.5)


def test_refusals() -> None:
    with pytest.raises(CalibrationError, match="two regions"):
        distance_cm(REGIONS, (10, 290), (10, 310))
    with pytest.raises(CalibrationError, match="not cm"):
        distance_cm(REGIONS, (10, 310), (20, 320))
    with pytest.raises(CalibrationError, match="outside every"):
        distance_cm(REGIONS, (10, 10), (500, 10))
    with pytest.raises(CalibrationError, match="no calibration"):
        distance_cm([], (0, 0), (1, 1))
    with pytest.raises(CalibrationError, match="at least 3"):
        polygon_area_cm2(REGIONS, [(0, 0), (1, 1)])
    uncal = Region(0, 0, 10, 10)
    with pytest.raises(CalibrationError, match="not cm"):
        distance_cm([uncal], (0, 0), (1, 1))
