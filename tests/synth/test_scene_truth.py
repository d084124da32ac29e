"""Effusion depth, antral CSA and free fluid: measured in the generated pixels, not re-read."""

from __future__ import annotations

import cv2
import numpy as np

from imgtrainer.synth.abdomen import render_antrum, render_upper_quadrant
from imgtrainer.synth.lung import LungParams, render_lung_clip


def test_effusion_depth_is_the_anechoic_band():
    frames, truth = render_lung_clip(LungParams(depth_cm=14.0, effusion_cm=3.0, n_frames=1), 4)
    pr = truth.probe
    (xa, ya), _ = truth.effusion_caliper_px
    col = frames[0, :, round(xa) - 2 : round(xa) + 3].astype(float).mean(axis=1)
    col = np.convolve(col, np.ones(3) / 3, mode="same")
    dark = col < 20
    start = int(ya) - 5
    while not dark[start]:  # skip the bright parietal pleura
        start += 1
    end = start
    while end < len(col) and dark[end]:
        end += 1
    measured_cm = (end - start) * pr.pixel_cm
    assert abs(measured_cm - truth.effusion_depth_cm) / truth.effusion_depth_cm < 0.12


def _lumen_area_cm2(frame: np.ndarray, centre: tuple[float, float], px_cm: float) -> float:
    """Area inside the outer contour of the anechoic region at the centre (bubbles included)."""
    blur = cv2.GaussianBlur(frame, (0, 0), 1.5)
    mask = (blur < 30).astype(np.uint8)
    _, labels = cv2.connectedComponents(mask)
    lab = labels[round(centre[1]), round(centre[0])]
    assert lab != 0, "antrum centre is not anechoic"
    contours, _ = cv2.findContours((labels == lab).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    return float(cv2.contourArea(max(contours, key=cv2.contourArea))) * px_cm**2


def test_antral_csa_matches_segmented_antrum():
    frames, truth = render_antrum("clear_fluid", 10.0, 7, n_frames=1)
    v = truth.values
    measured = _lumen_area_cm2(frames[0], truth.points["center"], truth.probe.pixel_cm)
    # the anechoic lumen lies inside the 0.3 cm wall (+ mucosa): serosa CSA minus the wall ring
    wall = 0.38
    expected_lumen = np.pi * (v["cc_cm"] / 2 - wall) * (v["ap_cm"] / 2 - wall)
    assert abs(measured - expected_lumen) / expected_lumen < 0.15
    assert abs(v["csa_cm2"] - 10.0) < 1e-6
    # the key's outline encloses the stated CSA (shoelace area in pixels -> cm2)
    pts = np.array(truth.polygons["antrum"])
    area_px = 0.5 * abs(np.dot(pts[:, 0], np.roll(pts[:, 1], 1)) - np.dot(pts[:, 1], np.roll(pts[:, 0], 1)))
    assert abs(area_px * truth.probe.pixel_cm**2 - v["csa_cm2"]) / v["csa_cm2"] < 0.05


def test_free_fluid_outline_is_anechoic_and_absent_without_fluid():
    frames, truth = render_upper_quadrant("right", 0.9, 3, n_frames=1)
    poly = np.int32(np.round(truth.polygons["fluid"]))
    inside = np.zeros(frames.shape[1:], np.uint8)
    cv2.fillPoly(inside, [poly], 1)
    inner = cv2.erode(inside, np.ones((5, 5), np.uint8)).astype(bool)
    ring = cv2.dilate(inside, np.ones((25, 25), np.uint8)).astype(bool) & ~cv2.dilate(
        inside, np.ones((9, 9), np.uint8)
    ).astype(bool)
    assert frames[0][inner].mean() < 20
    assert frames[0][ring & truth.probe.field_mask].mean() > 45
    dry, dry_truth = render_upper_quadrant("right", 0.0, 3, n_frames=1)
    assert "fluid" not in dry_truth.polygons
    assert dry[0][inner].mean() > 35
