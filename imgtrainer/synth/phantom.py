"""Phantoms: echogenicity maps drawn in tissue cm, scatterers that carry them, reflector lines.

An ``EchoMap`` is a raster of mean backscatter (1 = ordinary soft tissue, ~0.002 = fluid, 10-60
= specular interfaces) over tissue coordinates. A ``Tissue`` is a fixed cloud of scatterers with
complex Gaussian amplitudes, drawn once from a seed; each frame moves the cloud with a
displacement field and weights it by the map at the scatterers' *reference* positions, so speckle
moves with the tissue and never boils.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import cv2
import numpy as np

from imgtrainer.synth.bmode import Echoes, _row_norm, psf_envelope, splat
from imgtrainer.synth.probe import Probe

Displacement = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
_SHIFT = 4  # cv2 drawing sub-pixel bits


class EchoMap:
    """Echogenicity raster over the probe's field (tissue cm), drawn with cv2 primitives."""

    def __init__(self, probe: Probe, res_cm: float = 0.01, background: float = 1.0, margin_cm: float = 1.0):
        x0, x1, z0, z1 = probe._extent
        self.x0, self.z0, self.res = x0 - margin_cm, z0 - margin_cm, res_cm
        cols = int(np.ceil((x1 - x0 + 2 * margin_cm) / res_cm)) + 1
        rows = int(np.ceil((z1 - z0 + 2 * margin_cm) / res_cm)) + 1
        self.data = np.full((rows, cols), background, np.float32)

    def _pts(self, pts: Sequence[tuple[float, float]]) -> np.ndarray:
        a = np.asarray(pts, dtype=np.float64)
        px = np.stack([(a[:, 0] - self.x0) / self.res, (a[:, 1] - self.z0) / self.res], axis=1)
        return np.round(px * (1 << _SHIFT)).astype(np.int32)

    def polygon(self, pts: Sequence[tuple[float, float]], value: float) -> None:
        cv2.fillPoly(self.data, [self._pts(pts)], float(value), cv2.LINE_AA, _SHIFT)

    def ellipse(
        self, cx: float, cz: float, ax: float, az: float, value: float, angle_deg: float = 0.0
    ) -> None:
        c = self._pts([(cx, cz)])[0]
        axes = (round(ax / self.res * (1 << _SHIFT)), round(az / self.res * (1 << _SHIFT)))
        cv2.ellipse(
            self.data,
            tuple(int(v) for v in c),
            axes,
            angle_deg,
            0,
            360,
            float(value),
            -1,
            cv2.LINE_AA,
            _SHIFT,
        )

    def ring(
        self, cx: float, cz: float, ax: float, az: float, thick: float, value: float, angle_deg: float = 0.0
    ) -> None:
        c = self._pts([(cx, cz)])[0]
        axes = (round(ax / self.res * (1 << _SHIFT)), round(az / self.res * (1 << _SHIFT)))
        t = max(1, round(thick / self.res))
        cv2.ellipse(
            self.data, tuple(int(v) for v in c), axes, angle_deg, 0, 360, float(value), t, cv2.LINE_AA, _SHIFT
        )

    def polyline(self, pts: Sequence[tuple[float, float]], thick_cm: float, value: float) -> None:
        t = max(1, round(thick_cm / self.res))
        cv2.polylines(self.data, [self._pts(pts)], False, float(value), t, cv2.LINE_AA, _SHIFT)

    def band(self, z_top: float, z_bot: float, value: float) -> None:
        """Horizontal layer between two depths."""
        a = int(np.clip((z_top - self.z0) / self.res, 0, self.data.shape[0]))
        b = int(np.clip((z_bot - self.z0) / self.res, 0, self.data.shape[0]))
        self.data[a:b] = value

    def texture(self, rng: np.random.Generator, scale_cm: float, strength: float) -> None:
        """Multiply by a smooth log-normal texture (organ echotexture, muscle fibres)."""
        f = max(1, int(scale_cm / self.res / 4))
        small = rng.standard_normal((self.data.shape[0] // f + 2, self.data.shape[1] // f + 2)).astype(
            np.float32
        )
        small = cv2.GaussianBlur(small, (0, 0), scale_cm / self.res / f)
        noise = cv2.resize(small, (self.data.shape[1], self.data.shape[0]), interpolation=cv2.INTER_LINEAR)
        noise /= noise.std() + 1e-9
        self.data *= np.exp(strength * noise).astype(np.float32)

    def sample(self, x: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Bilinear echogenicity at tissue points (0 outside the raster)."""
        n = np.size(x)
        width = 4096
        pad = (-n) % width
        mx = np.pad(
            ((np.asarray(x) - self.x0) / self.res).astype(np.float32).ravel(), (0, pad), constant_values=-9
        )
        mz = np.pad(
            ((np.asarray(z) - self.z0) / self.res).astype(np.float32).ravel(), (0, pad), constant_values=-9
        )
        out = cv2.remap(
            self.data,
            mx.reshape(-1, width),
            mz.reshape(-1, width),
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )
        return out.ravel()[:n]


class Tissue:
    """A fixed scatterer cloud over the field with per-scatterer echogenicity."""

    def __init__(
        self, probe: Probe, echo: EchoMap, rng: np.random.Generator, density_per_cm2: float | None = None
    ):
        density_per_cm2 = density_per_cm2 or probe.scatter_density
        x0, x1, z0, z1 = probe._extent
        margin = 0.6
        area = (x1 - x0 + 2 * margin) * (z1 - z0 + 2 * margin)
        n = int(area * density_per_cm2)
        x = rng.uniform(x0 - margin, x1 + margin, n)
        z = rng.uniform(z0 - margin, z1 + margin, n)
        amp = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2)
        keep = probe.in_field(x, z) | _near_field(probe, x, z, margin)
        self.probe = probe
        self.density = density_per_cm2
        self.x, self.z = x[keep], z[keep]
        self.base = amp[keep].astype(np.complex64)
        self.weight = np.sqrt(np.maximum(echo.sample(self.x, self.z), 0)).astype(np.float32)
        live = self.weight > 1e-4
        self.x, self.z, self.base, self.weight = (
            self.x[live],
            self.z[live],
            self.base[live],
            self.weight[live],
        )
        self._static: Echoes | None = None

    def echoes(self, move: Displacement | None = None, mask: np.ndarray | None = None) -> Echoes:
        """Scatterers moved by ``move(x, z) -> (dx, dz)`` (cm); ``mask`` selects a subset."""
        if move is None and mask is None:
            if self._static is None:
                self._static = Echoes(self.x, self.z, self.base * self.weight)
            return self._static
        x, z, a, w = self.x, self.z, self.base, self.weight
        if mask is not None:
            x, z, a, w = x[mask], z[mask], a[mask], w[mask]
        if move is not None:
            dx, dz = move(x, z)
            x, z = x + dx, z + dz
        return Echoes(x, z, a * w)


def _near_field(probe: Probe, x: np.ndarray, z: np.ndarray, margin: float) -> np.ndarray:
    r, b = probe.to_beams(x, z)
    return (r >= -margin) & (r <= probe.depth_cm + margin) & (b >= -8) & (b <= probe.n_beams + 7)


def reflector(
    probe: Probe,
    pts: Sequence[tuple[float, float]],
    amplitude: float,
    rng: np.random.Generator,
    jitter_cm: float | None = None,
    roughness: float = 0.25,
) -> Echoes:
    """A specular interface along a polyline (tissue cm): dense, mostly in-phase point echoes.

    The amplitude is corrected for beam spacing so an interface keeps its brightness with depth.
    """
    a = np.asarray(pts, dtype=np.float64)
    seg = np.diff(a, axis=0)
    lens = np.hypot(seg[:, 0], seg[:, 1])
    step = 0.006
    xs, zs = [], []
    for p, d, n in zip(a[:-1], seg, lens, strict=True):
        k = max(1, int(n / step))
        t = (np.arange(k) + 0.5) / k
        xs.append(p[0] + d[0] * t)
        zs.append(p[1] + d[1] * t)
    x = np.concatenate(xs)
    jitter = 0.08 * probe.wavelength_cm if jitter_cm is None else jitter_cm
    z = np.concatenate(zs) + rng.normal(0, jitter, len(x))
    mag = amplitude * np.exp(roughness * rng.standard_normal(len(x)))
    r, _ = probe.to_beams(x, z)
    spacing = np.maximum(probe.beam_spacing_cm(np.maximum(r, 0)), 1e-3)
    ref = probe.beam_spacing_cm(probe.depth_cm / 2)
    mag = mag * step / np.sqrt(spacing * ref) / _reflector_gain(probe)
    return Echoes(x, z, mag.astype(np.complex64))


@lru_cache(maxsize=16)
def _reflector_gain(probe: Probe) -> float:
    """Peak envelope of a smooth unit reflector at mid-depth, so amplitude 1 renders at 0 dB."""
    z = probe.depth_cm / 2
    x = np.arange(-1.0, 1.0, 0.006)
    r, _ = probe.to_beams(x, np.full_like(x, z))
    spacing = probe.beam_spacing_cm(r)
    ref = probe.beam_spacing_cm(probe.depth_cm / 2)
    amp = (0.006 / np.sqrt(spacing * ref)).astype(np.complex64)
    iq = splat(probe, Echoes(x, np.full_like(x, z), amp)) * _row_norm(probe, probe.scatter_density)[:, None]
    env = psf_envelope(probe, iq)
    mid = probe.n_beams // 2
    return float(np.median(env[:, mid - 3 : mid + 4].max(axis=0)))


def beam_echoes(probe: Probe, r_cm: np.ndarray, beam: np.ndarray, amp: np.ndarray) -> Echoes:
    """Echoes placed in beam-grid coordinates (artifacts that live along beams)."""
    pos = probe.beam_pos[0] + np.asarray(beam, dtype=float) * probe.beam_step
    x, z = probe.to_tissue(np.asarray(r_cm, dtype=float), pos)
    spacing = np.maximum(probe.beam_spacing_cm(np.maximum(r_cm, 0)), 1e-3)
    ref = probe.beam_spacing_cm(probe.depth_cm / 2)
    return Echoes(x, z, (np.asarray(amp) * np.sqrt(spacing / ref)).astype(np.complex64))


def shadow_map(probe: Probe, blockers: Sequence[tuple[np.ndarray, float]]) -> np.ndarray:
    """Transmission (n_range, n_beams): each blocker is (per-beam range where it starts, factor).

    Beams pass 1.0 above a blocker's range and ``factor`` below it (NaN range: not blocked).
    """
    t = np.ones((probe.n_range, probe.n_beams), np.float32)
    r = probe.r_cm[:, None]
    for start, factor in blockers:
        s = np.asarray(start, dtype=float)[None, :]
        edge = np.clip((r - s) / 0.05, 0, 1)
        edge = np.where(np.isnan(s), 0.0, edge)
        t *= (1 - edge * (1 - factor)).astype(np.float32)
    return t
