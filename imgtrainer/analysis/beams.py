"""Beam geometry: resample the scan area onto a (depth, beam) grid.

In a convex or phased sector the beams fan out from an apex; lung artefacts follow them
(B-lines run along a beam, A-lines and the pleura lie at constant range). Resampling the
sector to polar coordinates makes B-lines straight columns and A-lines straight rows. For a
rectangle (linear probe) the grid is the bounding box itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from imgtrainer.media.scanarea import ScanArea


@dataclass
class BeamGrid:
    """Maps from a (depth, beam) grid to stored-frame pixels.

    ``map_x``/``map_y`` are float32 ``(n_depth, n_beams)`` pixel coordinates for ``cv2.remap``;
    ``valid`` marks grid cells inside the scan area. ``depth_px`` is the length in stored
    pixels of one grid row (so depth in pixels = row * depth_px from the top of the image).
    """

    map_x: np.ndarray
    map_y: np.ndarray
    valid: np.ndarray
    depth_px: float
    polar: bool

    @property
    def n_depth(self) -> int:
        return int(self.map_x.shape[0])

    @property
    def n_beams(self) -> int:
        return int(self.map_x.shape[1])

    def sample(self, gray: np.ndarray) -> np.ndarray:
        """Resample a grayscale frame onto the grid (float32, 0 outside the scan area)."""
        out = cv2.remap(gray.astype(np.float32), self.map_x, self.map_y, cv2.INTER_LINEAR, borderValue=0.0)
        out[~self.valid] = 0.0
        return out

    def to_xy(self, depth_idx: float, beam_idx: float) -> tuple[float, float]:
        """Stored-frame (x, y) of a grid position (fractional indices allowed)."""
        d = float(np.clip(depth_idx, 0, self.n_depth - 1))
        b = float(np.clip(beam_idx, 0, self.n_beams - 1))
        d0, b0 = min(int(d), self.n_depth - 2), min(int(b), self.n_beams - 2)
        if d0 < 0 or b0 < 0:  # a grid one cell wide or deep
            return float(self.map_x[int(d), int(b)]), float(self.map_y[int(d), int(b)])
        fd, fb = d - d0, b - b0  # bilinear between the four surrounding grid cells

        def lerp(m: np.ndarray) -> float:
            top = m[d0, b0] * (1 - fb) + m[d0, b0 + 1] * fb
            low = m[d0 + 1, b0] * (1 - fb) + m[d0 + 1, b0 + 1] * fb
            return float(top * (1 - fd) + low * fd)

        return lerp(self.map_x), lerp(self.map_y)


def beam_grid(
    area: ScanArea, *, max_depth: int = 256, max_beams: int = 160, fixed_size: bool = False
) -> BeamGrid:
    """The (depth, beam) grid of a scan area, at most ``max_depth`` x ``max_beams`` cells.

    With ``fixed_size`` a small scan area is sampled up to exactly that many cells, so that
    measurements made in grid rows and beams mean the same share of the image whatever the
    stored frame size (a 150-px clip otherwise gets a grid of 150 rows).
    """
    mask = area.mask
    x0, y0, x1, y1 = area.bbox
    if area.shape == "sector" and area.apex is not None:
        grid = _polar_grid(mask, area.apex, max_depth, max_beams, fixed_size)
        if grid is not None:
            return grid
    h = y1 - y0 + 1
    w = x1 - x0 + 1
    nd = max_depth if fixed_size else min(max_depth, h)
    nb = max_beams if fixed_size else min(max_beams, w)
    ys = np.linspace(y0, y1, nd, dtype=np.float32)
    xs = np.linspace(x0, x1, nb, dtype=np.float32)
    map_x, map_y = np.meshgrid(xs, ys)
    valid = _inside(mask, map_x, map_y)
    return BeamGrid(map_x, map_y, valid, h / nd, polar=False)


def _polar_grid(
    mask: np.ndarray, apex: tuple[float, float], max_depth: int, max_beams: int, fixed_size: bool = False
) -> BeamGrid | None:
    ys, xs = np.nonzero(mask)
    if xs.size < 100:
        return None
    step = max(1, xs.size // 20000)
    xs = xs[::step].astype(np.float32)
    ys = ys[::step].astype(np.float32)
    ax, ay = apex
    theta = np.arctan2(xs - ax, ys - ay)
    r = np.hypot(xs - ax, ys - ay)
    t0, t1 = np.percentile(theta, [0.5, 99.5])
    r0, r1 = np.percentile(r, [0.2, 99.8])
    if t1 - t0 < 0.05 or r1 - r0 < 10:
        return None
    # start where the skin is: the top of the scan area along the central beams
    mid = np.abs(theta - (t0 + t1) / 2) < 0.15 * (t1 - t0)
    if mid.any():
        r0 = max(r0, float(np.percentile(r[mid], 0.5)))
    arc = (t1 - t0) * r1
    nd = max_depth if fixed_size else int(min(max_depth, max(16, r1 - r0)))
    nb = max_beams if fixed_size else int(min(max_beams, max(16, arc / 2)))
    rr = np.linspace(r0, r1, nd, dtype=np.float32)[:, None]
    tt = np.linspace(t0, t1, nb, dtype=np.float32)[None, :]
    map_x = (ax + rr * np.sin(tt)).astype(np.float32)
    map_y = (ay + rr * np.cos(tt)).astype(np.float32)
    valid = _inside(mask, map_x, map_y)
    return BeamGrid(map_x, map_y, valid, float((r1 - r0) / nd), polar=True)


def _inside(mask: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    h, w = mask.shape
    xi = np.clip(np.round(map_x).astype(int), 0, w - 1)
    yi = np.clip(np.round(map_y).astype(int), 0, h - 1)
    ok = (map_x >= 0) & (map_x <= w - 1) & (map_y >= 0) & (map_y <= h - 1)
    return ok & mask[yi, xi]
