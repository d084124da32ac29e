"""Cardiac motion and IVC size: measured in the generated pixels."""

from __future__ import annotations

import cv2
import numpy as np

from imgtrainer.synth.heart import HeartParams, render_heart


def _dark_area(frame: np.ndarray, seed_xy: tuple[float, float]) -> int:
    mask = (cv2.GaussianBlur(frame, (0, 0), 2) < 22).astype(np.uint8)
    _, labels = cv2.connectedComponents(mask)
    lab = labels[round(seed_xy[1]), round(seed_xy[0])]
    assert lab != 0, "the LV centre is not blood"
    return int((labels == lab).sum())


def test_lv_cavity_shrinks_by_the_squeeze():
    p = HeartParams("psax", squeeze=0.3, heart_rate=75, fps=10)
    frames, truth = render_heart(p, 2)
    diastole = _dark_area(frames[0], truth.points["lv_centre"])
    systole = _dark_area(frames[3], truth.points["lv_centre"])
    # radial squeeze s shrinks the cavity area to about (1 - s)^2
    assert abs(systole / diastole - (1 - p.squeeze) ** 2) < 0.12


def test_ivc_diameter_and_collapse():
    p = HeartParams("ivc", ivc_cm=2.0, ivc_collapse=0.5, heart_rate=50, fps=5)
    frames, truth = render_heart(p, 4)
    (xa, ya), (_, yb) = truth.lines["ivc_diameter"]
    px = truth.probe.pixel_cm

    def diameter(frame: np.ndarray) -> float:
        col = cv2.GaussianBlur(frame, (0, 0), 1.5)[:, round(xa) - 3 : round(xa) + 4].mean(axis=1)
        mid = round((ya + yb) / 2)
        top, bot = mid, mid
        while col[top] < 25:
            top -= 1
        while col[bot] < 25:
            bot += 1
        return (bot - top) * px

    d_exp = diameter(frames[0])
    d_insp = diameter(frames[len(frames) // 2])
    assert abs(d_exp - p.ivc_cm) / p.ivc_cm < 0.12
    assert abs((1 - d_insp / d_exp) - p.ivc_collapse) < 0.1
