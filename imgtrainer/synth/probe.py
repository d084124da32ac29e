"""Probe geometry: beam grid (range, beam) <-> tissue (x, z) cm <-> stored-frame pixels.

Tissue coordinates are centimetres: ``x`` lateral (0 under the probe centre), ``z`` depth below
the skin at the centre. Linear probes fire parallel beams; convex and phased probes fire beams
from a virtual apex ``radius_cm`` above the skin (phased: a small radius). The beam grid is
sampled finely in range so a pulse spans several samples; scan conversion maps it to a square-
pixel image whose spacing (cm/pixel) is the calibration written to the DICOM region.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

ProbeKind = Literal["linear", "convex", "phased"]
SPEED_CM_PER_US = 0.154  # speed of sound in soft tissue, cm per microsecond


@dataclass(frozen=True)
class Probe:
    """A transducer and its imaging settings (units in the field names)."""

    kind: ProbeKind
    depth_cm: float
    freq_mhz: float
    focus_cm: float
    width_cm: float = 4.0  # linear aperture
    radius_cm: float = 5.0  # convex radius of curvature; phased virtual-apex distance
    sector_deg: float = 70.0  # convex / phased field of view
    n_beams: int = 256
    image_rows: int = 400  # stored frame height in pixels
    max_cols: int = 540  # stored frame width limit in pixels

    # ------------------------------------------------------------------ beams
    @property
    def wavelength_cm(self) -> float:
        return SPEED_CM_PER_US / self.freq_mhz

    @cached_property
    def dr_cm(self) -> float:
        """Range sample spacing: a third of the two-way pulse sigma."""
        return self.pulse_sigma_cm / 2.5

    @property
    def pulse_sigma_cm(self) -> float:
        """Axial PSF sigma (cm) of the two-way pulse envelope (about 1.5 cycles FWHM)."""
        return 0.42 * self.wavelength_cm

    @cached_property
    def n_range(self) -> int:
        return round(self.depth_cm / self.dr_cm) + 1

    @cached_property
    def r_cm(self) -> np.ndarray:
        return np.arange(self.n_range, dtype=np.float64) * self.dr_cm

    @cached_property
    def beam_pos(self) -> np.ndarray:
        """Per beam: lateral position (cm, linear) or steering angle (radians, convex/phased)."""
        if self.kind == "linear":
            half = self.width_cm / 2
        else:
            half = np.deg2rad(self.sector_deg) / 2
        return np.linspace(-half, half, self.n_beams)

    @property
    def beam_step(self) -> float:
        return float(self.beam_pos[1] - self.beam_pos[0])

    def beam_spacing_cm(self, r_cm: np.ndarray | float) -> np.ndarray | float:
        """Lateral distance (cm) between neighbouring beams at range ``r_cm``."""
        if self.kind == "linear":
            return np.full_like(np.asarray(r_cm, dtype=float), self.beam_step)
        return (self.radius_cm + np.asarray(r_cm, dtype=float)) * self.beam_step

    def lateral_sigma_cm(self, r_cm: np.ndarray) -> np.ndarray:
        """Lateral PSF sigma (cm): narrowest at the focus, widening with defocus."""
        aperture = min(self.width_cm, 2.0) if self.kind == "linear" else min(2.0 * self.radius_cm * 0.6, 4.0)
        if self.kind == "phased":
            aperture = 1.8
        at_focus = 0.45 * self.wavelength_cm * max(self.focus_cm, 0.5) / aperture * 2.0
        rayleigh = max(self.focus_cm * 0.45, 0.8)
        r = np.maximum(np.asarray(r_cm, dtype=float), 0.05)
        return at_focus * np.sqrt(1.0 + ((r - self.focus_cm) / rayleigh) ** 2)

    @property
    def scatter_density(self) -> float:
        """Scatterers per cm^2 giving about 12 per resolution cell (fully developed speckle)."""
        cell = (2.35 * self.pulse_sigma_cm) * (2.35 * float(self.lateral_sigma_cm(np.array(self.focus_cm))))
        return float(np.clip(12.0 / cell, 800.0, 15000.0))

    # ----------------------------------------------------- tissue <-> beams
    @property
    def _apex_r(self) -> float:
        return 0.0 if self.kind == "linear" else self.radius_cm

    def to_tissue(self, r_cm: np.ndarray, beam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Beam grid (range cm, beam position) -> tissue (x, z) cm."""
        if self.kind == "linear":
            return np.asarray(beam, dtype=float), np.asarray(r_cm, dtype=float)
        rho = self.radius_cm + np.asarray(r_cm, dtype=float)
        return rho * np.sin(beam), rho * np.cos(beam) - self.radius_cm

    def to_beams(self, x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Tissue (x, z) cm -> (range cm, fractional beam index)."""
        x = np.asarray(x, dtype=float)
        z = np.asarray(z, dtype=float)
        if self.kind == "linear":
            r, pos = z, x
        else:
            dz = z + self.radius_cm
            r = np.hypot(x, dz) - self.radius_cm
            pos = np.arctan2(x, dz)
        return r, (pos - self.beam_pos[0]) / self.beam_step

    # ---------------------------------------------------------------- image
    @cached_property
    def _extent(self) -> tuple[float, float, float, float]:
        """Tissue bounding box (x0, x1, z0, z1) of the imaged field."""
        if self.kind == "linear":
            return -self.width_cm / 2, self.width_cm / 2, 0.0, self.depth_cm
        half = np.deg2rad(self.sector_deg) / 2
        far = self.radius_cm + self.depth_cm
        z0 = self.radius_cm * np.cos(half) - self.radius_cm
        return -far * np.sin(half), far * np.sin(half), float(z0), self.depth_cm

    @cached_property
    def pixel_cm(self) -> float:
        """Stored-frame pixel size (cm), square pixels."""
        x0, x1, z0, z1 = self._extent
        margin = 8
        by_rows = (z1 - z0) / (self.image_rows - 2 * margin)
        by_cols = (x1 - x0) / (self.max_cols - 2 * margin)
        return float(max(by_rows, by_cols))

    @cached_property
    def image_shape(self) -> tuple[int, int]:
        """(rows, cols) of the stored frame."""
        x0, x1, _, _ = self._extent
        cols = int(np.ceil((x1 - x0) / self.pixel_cm)) + 16
        return self.image_rows, cols + (cols % 2)

    @cached_property
    def origin_px(self) -> tuple[float, float]:
        """Pixel (col, row) of tissue point x=0, z=0 (skin at the probe centre)."""
        _, _, z0, z1 = self._extent
        rows, cols = self.image_shape
        top = (rows - (z1 - z0) / self.pixel_cm) / 2
        return (cols - 1) / 2, top - z0 / self.pixel_cm

    def to_pixels(self, x: np.ndarray | float, z: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Tissue (x, z) cm -> stored-frame pixel (col, row)."""
        cx, cy = self.origin_px
        return np.asarray(x) / self.pixel_cm + cx, np.asarray(z) / self.pixel_cm + cy

    def from_pixels(self, col: np.ndarray | float, row: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        cx, cy = self.origin_px
        return (np.asarray(col) - cx) * self.pixel_cm, (np.asarray(row) - cy) * self.pixel_cm

    def in_field(self, x: np.ndarray, z: np.ndarray) -> np.ndarray:
        """True where a tissue point lies inside the imaged field."""
        r, b = self.to_beams(x, z)
        return (r >= 0) & (r <= self.depth_cm) & (b >= 0) & (b <= self.n_beams - 1)

    @cached_property
    def field_mask(self) -> np.ndarray:
        """Boolean (rows, cols) mask of the imaged field in the stored frame."""
        rows, cols = self.image_shape
        cc, rr = np.meshgrid(np.arange(cols), np.arange(rows))
        return self.in_field(*self.from_pixels(cc, rr))

    @cached_property
    def field_box(self) -> tuple[int, int, int, int]:
        """Inclusive pixel bounding box (x0, y0, x1, y1) of the imaged field."""
        ys, xs = np.nonzero(self.field_mask)
        return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())
