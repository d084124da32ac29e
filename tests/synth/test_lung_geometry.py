"""Lung geometry a clinician checks first, measured from the rendered pixels (not from the truth):
the pleural line lies below the rib surfaces, the ribs cast shadows beneath them (bat sign),
B-lines reach the bottom of the fan, and the field only widens with depth (no "top hat")."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from scipy.ndimage import uniform_filter1d

from imgtrainer.synth.lung import LungParams, render_lung_clip

PROBES = {
    "linear": LungParams(probe="linear", depth_cm=5.0, pleura_cm=1.2, n_frames=1),
    "convex": LungParams(n_frames=1),
}


@pytest.fixture(scope="module", params=sorted(PROBES))
def clip(request):
    frames, truth = render_lung_clip(PROBES[request.param], 7)
    return request.param, frames[0].astype(float), truth


def _bright_row(img: np.ndarray, col: int, lo: int, hi: int) -> int:
    prof = uniform_filter1d(img[lo:hi, col - 3 : col + 4].mean(axis=1), 3)
    return lo + int(np.argmax(prof))


def test_pleural_line_lies_below_the_rib_surfaces(clip):
    _, img, truth = clip
    pr = truth.probe
    mid = int(pr.origin_px[0])
    top = int(0.3 / pr.pixel_cm)
    half = int(pr.image_shape[0] * 0.45)
    pleura = _bright_row(img, mid, top, half)  # the brightest row in the middle of the space
    for rx, _ in truth.rib_top_px:
        rib = _bright_row(img, round(rx), top, half)  # the rib's outer cortex over its centre
        assert pleura - rib > 0.3 / pr.pixel_cm, (pleura, rib)  # at least 3 mm deeper


def _along_beam(img: np.ndarray, pr, col: float, row: float, r0: float, r1: float) -> float:
    """Mean brightness along the beam through pixel (col, row), from range r0 to r1 (cm)."""
    _, b = pr.to_beams(*pr.from_pixels(col, row))
    pos = pr.beam_pos[0] + float(b) * pr.beam_step
    rs = np.linspace(r0, r1, 80)
    c, r = pr.to_pixels(*pr.to_tissue(rs, np.full_like(rs, pos)))
    return float(np.mean([img[int(y), int(x) - 2 : int(x) + 3].mean() for x, y in zip(c, r, strict=True)]))


def test_ribs_cast_shadows_below_them(clip):
    _, img, truth = clip
    pr = truth.probe
    r0, r1 = truth.pleura_depth_cm + 0.8, pr.depth_cm * 0.95
    space = _along_beam(img, pr, pr.origin_px[0], truth.pleura_row_px, r0, r1)
    for rx, ry in truth.rib_top_px:
        shadow = _along_beam(img, pr, rx, ry, r0, r1)
        above = img[int(ry) - int(0.35 / pr.pixel_cm) : int(ry) - 2, round(rx) - 3 : round(rx) + 4].mean()
        assert shadow < 0.5 * space, (shadow, space)  # dark under the rib, not under the space
        assert above > 2 * shadow  # the wall above the rib is ordinary tissue


def test_b_lines_reach_the_bottom_of_the_fan():
    for name, p in PROBES.items():
        frames, truth = render_lung_clip(LungParams(**{**p.__dict__, "n_blines": 3, "a_lines": False}), 9)
        img = frames[0].astype(float)
        pr = truth.probe
        for (tx, _), (bx, by) in truth.blines_marks_px:
            # walk down the B-line (straight in the image) and find the deepest bright row
            rows = np.arange(int(truth.pleura_row_px) + 5, pr.image_shape[0])
            cols = np.round(tx + (bx - tx) * (rows - rows[0]) / max(by - rows[0], 1)).astype(int)
            inside = pr.field_mask[rows, np.clip(cols, 0, pr.image_shape[1] - 1)]
            rows, cols = rows[inside], cols[inside]
            on = np.array([img[r, c - 2 : c + 3].mean() for r, c in zip(rows, cols, strict=True)])
            bottom = rows[-1]
            lit = rows[uniform_filter1d(on, 5) > 90]
            assert lit.size and bottom - lit.max() <= 0.05 * (bottom - truth.pleura_row_px), (
                name,
                lit.max(),
                bottom,
            )
            assert abs(by - bottom) <= 0.05 * (bottom - truth.pleura_row_px), (
                name,
                by,
                bottom,
            )  # the mark too


def test_the_fan_only_widens_with_depth(clip):
    _, img, truth = clip
    pr = truth.probe
    field = pr.field_mask
    fw = np.array([np.ptp(np.nonzero(row)[0]) if row.any() else -1 for row in field])
    corner = int(np.argmax(fw))  # below the fan's lower corners a convex far arc shortens the rows
    first = int(np.argmax(fw >= 0))
    assert np.all(np.diff(fw[first : corner + 1]) >= 0), "the probe's field narrows with depth"
    # what is visible (smoothed grey above the noise floor) from the skin to 2 cm below the pleura:
    # the chest wall must not be wider than the lung below it, nor the lung wider than the wall
    lit = cv2.blur(img.astype(np.float32), (7, 7)) > 6
    last = min(corner, int(truth.pleura_row_px + 2.0 / pr.pixel_cm))
    rows = [r for r in range(last + 1) if lit[r].any()]
    widths = np.array([np.ptp(np.nonzero(lit[r])[0]) for r in rows])
    # a dark speckle at the very edge may drop a few pixels (under 3% of the width); a "top hat"
    # (a near field wider than the image below it) drops by a fifth or more
    shrink = np.maximum.accumulate(widths) - widths
    assert shrink.max() <= 0.03 * widths.max(), f"the field narrows by {shrink.max()} px below a wider row"
    assert widths[-1] >= widths[0]
