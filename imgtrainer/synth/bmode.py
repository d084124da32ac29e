"""Convolution B-mode model: scatterers -> IQ beam grid -> PSF -> envelope -> log -> scan conversion.

Each frame: point scatterers (tissue cm, complex amplitude) are splatted bilinearly onto the
(range, beam) grid with their two-way path phase exp(-i 4 pi r / lambda); electronic noise is
added; a separable PSF is applied (Gaussian pulse envelope in range, depth-dependent Gaussian beam
laterally); the envelope is shadowed, attenuated and TGC-compensated, log-compressed and scan-
converted with ``cv2.remap`` after an ``INTER_AREA`` range downsample. Amplitudes are normalised
so that tissue of echogenicity 1 has mean intensity 1 (0 dB) at every depth.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from imgtrainer.synth.probe import Probe

_SPLAT_POWER = 4.0 / 9.0  # mean sum of squared bilinear weights of a random point
_N_BANDS = 12


@dataclass(frozen=True)
class Look:
    """Display settings: overall gain, dynamic range, noise floor, residual depth fall-off."""

    gain_db: float = 0.0
    dynamic_range_db: float = 50.0
    noise_db: float = -40.0  # electronic noise power relative to echogenicity-1 tissue
    falloff_db_per_cm: float = 0.6  # attenuation left after TGC
    headroom_db: float = 32.0  # 0 dB tissue maps to gray 255*(DR-headroom)/DR
    edge_db: float = 4.0  # darkening at the lateral edges of the field (element directivity)
    smooth_px: float = 0.6  # display smoothing after scan conversion (sigma, pixels)


@dataclass
class Echoes:
    """One frame's point scatterers: tissue x, z (cm) and complex amplitudes."""

    x: np.ndarray
    z: np.ndarray
    amp: np.ndarray
    beams: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # cached (range cm, beam, phased amp)

    @staticmethod
    def join(parts: list[Echoes]) -> Echoes:
        parts = [p for p in parts if p.x.size]
        if not parts:
            return Echoes(np.zeros(0), np.zeros(0), np.zeros(0, np.complex64))
        out = Echoes(
            np.concatenate([p.x for p in parts]),
            np.concatenate([p.z for p in parts]),
            np.concatenate([p.amp for p in parts]).astype(np.complex64),
        )
        if all(p.beams is not None for p in parts):
            out.beams = tuple(np.concatenate([p.beams[i] for p in parts]) for i in range(3))  # type: ignore[index,assignment]
        return out

    def on_beams(self, probe: Probe) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(range cm, fractional beam, amplitude with two-way phase), computed once and kept."""
        if self.beams is None:
            r, b = probe.to_beams(self.x, self.z)
            amp = (self.amp * np.exp(-1j * (4 * np.pi / probe.wavelength_cm) * r)).astype(np.complex64)
            self.beams = (r, b, amp)
        return self.beams


def render(
    probe: Probe,
    echoes: Echoes,
    density_per_cm2: float,
    rng: np.random.Generator,
    look: Look = Look(),
    transmission: np.ndarray | None = None,
    grid_iq: np.ndarray | None = None,
) -> np.ndarray:
    """One uint8 frame of shape ``probe.image_shape``.

    ``density_per_cm2`` is the tissue scatterer density used for normalisation. ``transmission``
    (n_range, n_beams) multiplies the envelope (shadows); ``grid_iq`` adds beam-grid echoes
    (artifacts such as A- and B-lines) before the PSF. ``rng`` draws electronic noise only.
    """
    iq = splat(probe, echoes)
    iq *= _row_norm(probe, density_per_cm2)[:, None]
    if grid_iq is not None:
        iq += grid_iq
    if transmission is not None:
        # shadows dim the echoes before the receiver adds its noise: a shadow is dark, not void
        iq *= transmission
    noise_amp = 10 ** (look.noise_db / 20) / np.sqrt(_kernel_power(probe)[:, None])
    shape = iq.shape
    iq += (rng.standard_normal(shape, np.float32) + 1j * rng.standard_normal(shape, np.float32)) * (
        noise_amp / np.sqrt(2)
    ).astype(np.float32)
    env = psf_envelope(probe, iq)
    edge = np.linspace(-1.0, 1.0, probe.n_beams) ** 4 * look.edge_db
    db = (
        20 * np.log10(env + 1e-6)
        + look.gain_db
        - look.falloff_db_per_cm * probe.r_cm[:, None]
        - edge[None, :]
    )
    img = (db + look.dynamic_range_db - look.headroom_db) * (255.0 / look.dynamic_range_db)
    out = scan_convert(probe, img.astype(np.float32))
    if look.smooth_px > 0:
        out = cv2.GaussianBlur(out, (0, 0), look.smooth_px)
    return out


def splat(probe: Probe, echoes: Echoes) -> np.ndarray:
    """Bilinear splat of scatterers with two-way phase onto a complex (n_range, n_beams) grid."""
    r, b, amp = echoes.on_beams(probe)
    ri = r / probe.dr_cm
    nr, nb = probe.n_range, probe.n_beams
    ok = (ri >= 0) & (ri < nr - 1) & (b >= 0) & (b < nb - 1)
    ri, b, amp = ri[ok], b[ok], amp[ok]
    i0 = np.floor(ri).astype(np.int64)
    j0 = np.floor(b).astype(np.int64)
    fi = ri - i0
    fj = b - j0
    out = np.zeros(nr * nb, np.complex128)
    for di, dj, w in (
        (0, 0, (1 - fi) * (1 - fj)),
        (1, 0, fi * (1 - fj)),
        (0, 1, (1 - fi) * fj),
        (1, 1, fi * fj),
    ):
        idx = (i0 + di) * nb + (j0 + dj)
        wa = amp * w
        out.real += np.bincount(idx, wa.real, nr * nb)
        out.imag += np.bincount(idx, wa.imag, nr * nb)
    return out.reshape(nr, nb).astype(np.complex64)


def psf_envelope(probe: Probe, iq: np.ndarray) -> np.ndarray:
    """Apply the separable depth-dependent PSF to the IQ grid and return the envelope."""
    sig_r = probe.pulse_sigma_cm / probe.dr_cm
    stacked = np.dstack([iq.real, iq.imag]).astype(np.float32)
    kr = _gauss_kernel(sig_r)
    stacked = cv2.sepFilter2D(stacked, -1, np.ones(1, np.float32), kr, borderType=cv2.BORDER_REFLECT)
    out = np.empty_like(stacked)
    for lo, hi, sig_b in _bands(probe):
        pad = 8
        a, c = max(lo - pad, 0), min(hi + pad, iq.shape[0])
        kb = _gauss_kernel(sig_b)
        part = cv2.sepFilter2D(stacked[a:c], -1, kb, np.ones(1, np.float32), borderType=cv2.BORDER_CONSTANT)
        out[lo:hi] = part[lo - a : hi - a]
    return cv2.magnitude(out[..., 0], out[..., 1])


def scan_convert(probe: Probe, grid: np.ndarray) -> np.ndarray:
    """Beam grid (float, range x beams) -> uint8 stored frame, black outside the field."""
    rows_ds = _ds_rows(probe)
    small = cv2.resize(grid, (grid.shape[1], rows_ds), interpolation=cv2.INTER_AREA)
    mx, my = _remap_maps(probe)
    img = cv2.remap(small, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return np.clip(img, 0, 255).astype(np.uint8)


def beam_grid_of_pixels(probe: Probe) -> tuple[np.ndarray, np.ndarray]:
    """For each stored-frame pixel, its (range cm, fractional beam index); NaN outside the field."""
    rows, cols = probe.image_shape
    cc, rr = np.meshgrid(np.arange(cols, dtype=np.float64), np.arange(rows, dtype=np.float64))
    r, b = probe.to_beams(*probe.from_pixels(cc, rr))
    bad = ~probe.field_mask
    r[bad] = np.nan
    b[bad] = np.nan
    return r, b


# ---------------------------------------------------------------- helpers


def _gauss_kernel(sigma: float) -> np.ndarray:
    sigma = max(float(sigma), 0.35)
    half = max(1, int(np.ceil(3 * sigma)))
    x = np.arange(-half, half + 1, dtype=np.float32)
    return np.exp(-0.5 * (x / sigma) ** 2).astype(np.float32)


@lru_cache(maxsize=16)
def _bands(probe: Probe) -> tuple[tuple[int, int, float], ...]:
    edges = np.linspace(0, probe.n_range, _N_BANDS + 1).astype(int)
    out = []
    for lo, hi in itertools.pairwise(edges):
        r_mid = probe.r_cm[(lo + hi - 1) // 2]
        sig = float(probe.lateral_sigma_cm(r_mid) / probe.beam_spacing_cm(r_mid))
        out.append((int(lo), int(hi), float(np.clip(sig, 0.5, 10.0))))
    return tuple(out)


@lru_cache(maxsize=16)
def _kernel_power(probe: Probe) -> np.ndarray:
    """Per range row: sum of squared PSF weights (range x lateral)."""
    kr = _gauss_kernel(probe.pulse_sigma_cm / probe.dr_cm)
    out = np.empty(probe.n_range)
    for lo, hi, sig_b in _bands(probe):
        kb = _gauss_kernel(sig_b)
        out[lo:hi] = float((kr**2).sum() * (kb**2).sum())
    return out


@lru_cache(maxsize=16)
def _row_norm(probe: Probe, density_per_cm2: float) -> np.ndarray:
    """Per range row: scale making echogenicity-1 tissue 0 dB mean intensity after the PSF."""
    cell = probe.dr_cm * np.maximum(probe.beam_spacing_cm(probe.r_cm), 1e-4)
    per_cell = density_per_cm2 * cell
    return (1.0 / np.sqrt(per_cell * _SPLAT_POWER * _kernel_power(probe))).astype(np.float32)


def _ds_rows(probe: Probe) -> int:
    return max(16, round(probe.depth_cm / (probe.pixel_cm * 0.75)))


@lru_cache(maxsize=16)
def _remap_maps(probe: Probe) -> tuple[np.ndarray, np.ndarray]:
    r, b = beam_grid_of_pixels(probe)
    rows_ds = _ds_rows(probe)
    my = (r / probe.dr_cm + 0.5) * rows_ds / probe.n_range - 0.5
    mx = b
    my[np.isnan(my)] = -10
    mx[np.isnan(mx)] = -10
    return mx.astype(np.float32), my.astype(np.float32)
