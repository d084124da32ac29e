"""Lung assist against the demo generator's clips, whose truth is known (issue 6 targets).

Each clip is wrapped with the generator's calibrated Ultrasound Region, so depths are real
millimetres: the pleura must be within 2 mm, the per-frame B-line count exact in at least
90 % of the analysed frames, and sliding "present" or "absent" exactly as drawn.
The full grid runs in ``python3 benchmarks/analysis.py synth``.
"""

from __future__ import annotations

import numpy as np
import pytest

from imgtrainer.analysis.lung import assess_lung
from imgtrainer.media.clip import ArrayClip, Region
from imgtrainer.synth.lung import LungParams, lung_probe, render_lung_clip

CASES = [
    # probe, pleura cm, B-lines, sliding, seed
    ("convex", 2.2, 0, "present", 101),
    ("convex", 1.6, 3, "absent", 102),
    ("convex", 3.0, 2, "present", 103),
    ("linear", 1.2, 1, "absent", 104),
    ("linear", 0.8, 2, "present", 105),
    ("linear", 1.6, 3, "present", 106),
]


@pytest.mark.parametrize(("probe", "pleura_cm", "n_blines", "sliding", "seed"), CASES)
def test_generator_truth(probe: str, pleura_cm: float, n_blines: int, sliding: str, seed: int) -> None:
    params = LungParams(
        probe=probe,
        depth_cm=12.0 if probe == "convex" else 5.0,
        pleura_cm=pleura_cm,
        n_blines=n_blines,
        sliding=sliding,
        n_frames=12,
    )
    frames, truth = render_lung_clip(params, seed)
    pr = lung_probe(params)
    x0, y0, x1, y1 = pr.field_box
    region = Region(x0, y0, x1, y1, "2D", "TISSUE", "cm", "cm", pr.pixel_cm, pr.pixel_cm)
    rep = assess_lung(ArrayClip(frames, fps=params.fps, regions=[region])).to_dict()

    assert rep["pleura"]["present"]
    depth_mm = rep["pleura"]["depth_px"] * pr.pixel_cm * 10.0
    assert abs(depth_mm - 10.0 * truth.pleura_depth_cm) <= 2.0, depth_mm

    per_frame = {int(i): c for i, c in rep["b_lines"]["per_frame"].items()}
    exact = [c == len(truth.blines_x_px[i]) for i, c in per_frame.items()]
    assert np.mean(exact) >= 0.9, per_frame

    assert rep["sliding"]["status"] == sliding, rep["sliding"]


def test_moving_probe_is_not_called_absent() -> None:
    """A clip whose whole field moves together (probe motion) must not read as absent sliding."""
    params = LungParams(probe="linear", depth_cm=5.0, pleura_cm=1.2, sliding="absent", n_frames=12)
    frames, _ = render_lung_clip(params, 7)
    shifted = np.stack([np.roll(f, 2 * i, axis=1) for i, f in enumerate(frames)])  # lateral drift
    rep = assess_lung(ArrayClip(shifted, fps=params.fps)).to_dict()
    assert rep["sliding"]["status"] != "absent", rep["sliding"]


def _grid_frame(seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Speckle on a (depth, beam) grid: bright chest wall above row 40, pleura at 40, dark lung."""
    rng = np.random.default_rng(seed)
    f = rng.rayleigh(12.0, size=(200, 160)).astype(np.float32)
    f[:40] += 50.0
    f[39:42] += 140.0
    return f, np.ones(f.shape, bool)


def test_tilted_b_lines_are_followed() -> None:
    """Lines that fan out a little more than the grid's beams (apex estimated off) still count."""
    from imgtrainer.analysis.lung_lines import frame_blines
    from imgtrainer.analysis.lung_pleura import find_pleura

    f, valid = _grid_frame()
    rows = np.arange(45, 200)
    for b0 in (40, 120):  # drift outwards with depth, as with an apex estimated too far away
        drift = 0.3 * (b0 - 79.5) * (rows - 45) / 155
        for r, d in zip(rows, drift, strict=True):
            c = round(b0 + d)
            f[r, c - 2 : c + 3] += 70.0
    pleura = find_pleura(f, valid)
    fb, _ = frame_blines(f, valid, pleura)
    assert len(fb.beams) == 2, fb
    assert abs(fb.beams[0] - 40) <= 4 and abs(fb.beams[1] - 120) <= 4


def test_bright_a_lines_do_not_replace_the_pleura() -> None:
    """A-lines (copies at 2x, 3x the pleural depth through dark lung) stay A-lines even when sharper."""
    from imgtrainer.analysis.lung_pleura import find_pleura

    f, valid = _grid_frame()
    f[79:81] += 160.0  # thin, very contrasted copies in the dark lung
    f[119:121] += 140.0
    pleura = find_pleura(f, valid)
    assert pleura.present
    assert abs(float(np.median(pleura.row)) - 40) <= 2, np.median(pleura.row)


def test_b_line_evidence_is_drawn_along_the_b_lines() -> None:
    """The drawn B-lines follow the generator's B-lines from the pleura down, fanning out with
    the convex beams, even though the detected apex is not exact."""
    params = LungParams(
        probe="convex", depth_cm=12.0, pleura_cm=1.6, n_blines=3, sliding="present", n_frames=12
    )
    frames, truth = render_lung_clip(params, 102)
    pr = lung_probe(params)
    x0, y0, x1, y1 = pr.field_box
    region = Region(x0, y0, x1, y1, "2D", "TISSUE", "cm", "cm", pr.pixel_cm, pr.pixel_cm)
    rep = assess_lung(ArrayClip(frames, fps=params.fps, regions=[region])).to_dict()
    drawn = rep["b_lines"]["positions"]
    assert drawn
    for (ax, ay), (bx, by) in truth.blines_marks_px:
        length = float(np.hypot(bx - ax, by - ay))

        def off_line(x: float, y: float, ax=ax, ay=ay, bx=bx, by=by, length=length) -> float:
            return abs((bx - ax) * (ay - y) - (ax - x) * (by - ay)) / length

        near = [p for p in drawn if off_line(p["x0"], p["y0"]) <= 6 and off_line(p["x1"], p["y1"]) <= 10]
        assert near, ((ax, ay), (bx, by))
