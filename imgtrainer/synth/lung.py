"""Lung scenes: chest wall, ribs with shadows, pleural line with sliding, A-lines, B-lines,
lung point, effusion with compressed lung, consolidation. ``render_lung_clip(params, seed)``
returns uint8 frames and the ground truth of what was drawn (pixels of the stored frame and cm).
"""

from __future__ import annotations

import cv2
import numpy as np

from imgtrainer.synth.bmode import Echoes, Look, render
from imgtrainer.synth.lung_anatomy import LungParams, LungTruth, chest_wall, lung_probe
from imgtrainer.synth.lung_diaphragm import render_diaphragm_clip
from imgtrainer.synth.lung_plaps import render_plaps_clip
from imgtrainer.synth.phantom import EchoMap, Tissue, beam_echoes, reflector, shadow_map

__all__ = ["LungParams", "LungTruth", "chest_wall", "lung_probe", "render_lung_clip"]


def render_lung_clip(params: LungParams, seed: int) -> tuple[np.ndarray, LungTruth]:
    """Frames ``(n, rows, cols)`` uint8 and the truth; deterministic from ``seed``."""
    if params.effusion_cm > 0:
        return render_plaps_clip(params, seed)
    if params.diaphragm:
        return render_diaphragm_clip(params, seed)
    return _Scene(params, seed).clip()


class _Scene:
    def __init__(self, p: LungParams, seed: int):
        self.p = p
        self.seed = seed
        self.probe = pr = lung_probe(p)
        rng = np.random.default_rng([seed, 1])
        self.zp = p.pleura_cm
        self.curv = 0.010 if p.probe == "convex" else 0.004
        # two ribs in view with the intercostal space between them (bat sign); beyond each rib the
        # next space's pleura shows again at the edge of the field, as on a real scan
        self.half_ics = 1.3 if p.probe == "convex" else 0.85
        self.rib_half = 0.65 if p.probe == "convex" else 0.4
        # the rib's outer surface lies this far above the pleural line (less in a thin chest wall)
        self.rib_above = min(0.6, 0.45 * p.pleura_cm)
        self.rib_h = min(0.25, 0.4 * self.rib_above)  # half the rib's depth: it ends above the pleura
        off = self.half_ics + self.rib_half
        self.ribs = [(-off, p.pleura_cm - self.rib_above), (off, p.pleura_cm - self.rib_above)]
        wall = chest_wall(pr, p.pleura_cm, rng)
        wall.polygon(self._below_pleura(0.0), 0.0)
        for cx, top in self.ribs:
            wall.ellipse(cx, top + self.rib_h, self.rib_half, self.rib_h, 0.25)
            wall.polyline(self._rib_arc(cx, top), 0.06, 40.0)
        self.wall = Tissue(pr, wall, np.random.default_rng([seed, 2]))
        lung = EchoMap(pr, background=0.0)
        # aerated lung shows a reverberation haze under the pleura, not a black void
        lung.polygon(self._below_pleura(0.06), 0.2 if p.probe == "convex" else 0.09)
        for seg in self._pleura_segments():
            lung.polyline(seg, 0.1, 70.0)
        if p.consolidation:
            self.cons_poly = self._consolidation_poly(rng)
            lung.polygon(self.cons_poly, 1.0)
            lung.texture(rng, 0.15, 0.5)
            for _ in range(9):
                x0 = rng.uniform(-0.8, 0.8)
                z0 = p.pleura_cm + rng.uniform(0.5, 2.2)
                ang = rng.uniform(-0.6, 0.6)
                lung.polyline([(x0, z0), (x0 + 0.35 * np.sin(ang), z0 + 0.35 * np.cos(ang))], 0.05, 25.0)
            self.cons_mask = True
        self.lung = Tissue(pr, lung, np.random.default_rng([seed, 3]))
        self.rng_static = np.random.default_rng([seed, 4])
        segs = self._pleura_segments()
        self.parietal = Echoes.join(
            [
                reflector(pr, sg, 22.0, np.random.default_rng([seed, 5, i]), roughness=0.35)
                for i, sg in enumerate(segs)
            ]
        )
        self.visceral = Echoes.join(
            [
                reflector(pr, sg, 22.0, np.random.default_rng([seed, 6, i]), roughness=0.45)
                for i, sg in enumerate(segs)
            ]
        )
        self.shadow = self._rib_shadow()
        self.bline_x = self._bline_positions(np.random.default_rng([seed, 8]))
        self.bline_noise = [np.random.default_rng([seed, 9, i]) for i in range(len(self.bline_x))]
        self.bline_pts = [self._bline_points(g) for g in self.bline_noise]
        self.zlines = self._zlines(np.random.default_rng([seed, 13]))
        self.bline_gain = list(np.random.default_rng([seed, 12]).uniform(0.7, 1.2, len(self.bline_x)))
        self.a_refl = self._a_line_reflectors()

    # ------------------------------------------------------------ geometry
    def pleura_z(self, x: np.ndarray | float) -> np.ndarray:
        return self.zp + self.curv * np.asarray(x) ** 2

    def _pleura_pts(self) -> list[tuple[float, float]]:
        """The pleural line across the whole field (under the ribs it lies in their shadow)."""
        xs = np.linspace(-8.0, 8.0, 160)
        return list(zip(xs, self.pleura_z(xs), strict=True))

    def _pleura_segments(self) -> list[list[tuple[float, float]]]:
        """The pleural line in the intercostal spaces: under a rib no echo returns from it."""
        off, h = self.half_ics + self.rib_half, self.rib_half - 0.1
        out = []
        for lo, hi in ((-8.0, -off - h), (-off + h, off - h), (off + h, 8.0)):
            xs = np.linspace(lo, hi, max(8, int((hi - lo) * 12)))
            out.append(list(zip(xs, self.pleura_z(xs), strict=True)))
        return out

    def _rib_arc(self, cx: float, top: float) -> list[tuple[float, float]]:
        """The rib's outer cortex: the upper half of its elliptical section, convex towards the skin."""
        th = np.linspace(np.pi, 2 * np.pi, 32)
        return [(cx + self.rib_half * np.cos(a), top + self.rib_h * (1 + np.sin(a))) for a in th]

    def _below_pleura(self, off: float) -> list[tuple[float, float]]:
        xs = np.linspace(-15, 15, 80)
        top = list(zip(xs, self.pleura_z(xs) + off, strict=True))
        return [*top, (15, 40), (-15, 40)]

    def _consolidation_poly(self, rng: np.random.Generator) -> list[tuple[float, float]]:
        xs = np.linspace(-1.2, 1.2, 24)
        deep = self.zp + 3.0 + 0.45 * np.sin(xs * 3.1 + rng.uniform(0, 6)) + rng.normal(0, 0.12, xs.size)
        deep = deep - 1.2 * (np.abs(xs) / 1.2) ** 3
        top = self.pleura_z(xs) + 0.05
        return list(zip(xs, top, strict=True)) + list(zip(xs[::-1], deep[::-1], strict=True))

    def _rib_shadow(self) -> np.ndarray:
        """Acoustic shadow of each rib along the beams that meet its outer surface (dark, not void)."""
        pr = self.probe
        starts = []
        for cx, top in self.ribs:
            arc = np.array(self._rib_arc(cx, top))
            r_arc, b_arc = pr.to_beams(arc[:, 0], arc[:, 1])
            order = np.argsort(b_arc)
            start = np.interp(np.arange(pr.n_beams), b_arc[order], r_arc[order], left=np.nan, right=np.nan)
            starts.append((start + 0.05, 0.3))
        # the beam's width blurs the shadow's edges (about 1.5 mm either side)
        step = float(pr.beam_spacing_cm(self.zp))
        return cv2.GaussianBlur(shadow_map(pr, starts), (0, 0), sigmaX=0.15 / step, sigmaY=0.3)

    def _bline_positions(self, rng: np.random.Generator) -> list[float]:
        p = self.p
        lo, hi = -self.half_ics + 0.15, self.half_ics - 0.15
        n = 9 if p.confluent else p.n_blines
        if n == 0:
            return []
        if p.confluent:
            return list(np.linspace(lo + 0.2, hi - 0.2, n) + rng.normal(0, 0.05, n))
        gap = (hi - lo) / n
        return [lo + gap * (i + 0.5) + rng.uniform(-0.2, 0.2) * gap for i in range(n)]

    def _zlines(self, rng: np.random.Generator) -> list[tuple[float, Echoes]]:
        """Z-lines: static, ill-defined, fading within ~2 cm of the pleura; they spare A-lines."""
        pr, out = self.probe, []
        lo, hi = -self.half_ics + 0.2, self.half_ics - 0.2
        for i in range(self.p.n_zlines):
            x = lo + (hi - lo) * (i + 0.5) / max(self.p.n_zlines, 1) + rng.uniform(-0.08, 0.08)
            r0, b0 = pr.to_beams(np.array([x]), self.pleura_z(np.array([x])))
            n = 600
            along = r0[0] + rng.exponential(0.7, n)
            keep = along < pr.depth_cm
            lateral = rng.normal(0, 0.09, n)
            amp = (
                (rng.standard_normal(n) + 1j * rng.standard_normal(n)) * 2.2 * np.exp(-(along - r0[0]) / 0.9)
            )
            beam = b0[0] + lateral / pr.beam_spacing_cm(along)
            out.append((x, beam_echoes(pr, along[keep], beam[keep], amp[keep])))
        return out

    def _bline_points(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pr = self.probe
        n = int(pr.depth_cm / (pr.dr_cm * 0.7))
        along = rng.uniform(0, pr.depth_cm, n * 3)
        width = 0.06 if self.p.probe == "linear" else 0.1
        lateral = rng.normal(0, width * (1.6 if self.p.confluent else 1.0), n * 3)
        band = 1 + 0.8 * np.sin(along / (self.zp * 0.5) * np.pi) ** 8  # reverberation banding
        amp = (rng.standard_normal(n * 3) + 1j * rng.standard_normal(n * 3)) * band
        return along, lateral, amp

    # -------------------------------------------------------------- motion
    def slide(self, t: float) -> float:
        if self.p.sliding == "absent":
            return 0.0
        return self.p.slide_cm * 0.5 * (1 - np.cos(2 * np.pi * t / self.period))

    def pulse(self, t: float) -> float:
        """Lung pulse: the still lung shifted (cm) towards the skin by each heartbeat."""
        if not self.p.lung_pulse:
            return 0.0
        ph = (t * self.p.heart_rate / 60.0) % 1.0
        return -0.03 * float(np.sin(np.pi * min(ph / 0.35, 1.0)) ** 2)

    @property
    def period(self) -> float:
        return self.p.n_frames / self.p.fps

    def lung_point_x(self, t: float) -> float:
        """Lateral edge of the sliding lung (lung point): sweeps in and out once per breath."""
        return -6.0 + 8.5 * 0.5 * (1 - np.cos(2 * np.pi * t / self.period))

    # -------------------------------------------------------------- render
    def frame(self, i: int) -> tuple[np.ndarray, list[float], bool]:
        pr, p = self.probe, self.p
        t = i / p.fps
        u = self.slide(t)
        lp = self.lung_point_x(t) if p.sliding == "lung_point" else 99.0
        sliding_here = p.sliding == "present" or (
            p.sliding == "lung_point" and lp > pr.to_tissue(np.array(p.pleura_cm), pr.beam_pos[0])[0]
        )

        beat = self.pulse(t)

        def move(x: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return np.full_like(x, u + 0.25 * beat), np.full_like(z, beat)

        lung_mask = None
        if p.sliding == "lung_point":
            lung_mask = self.lung.x < lp
        parts = [self.wall.echoes(), self.lung.echoes(move, lung_mask), self.parietal]
        vis = Echoes(self.visceral.x + u + 0.25 * beat, self.visceral.z + beat, self.visceral.amp)
        if p.sliding == "lung_point":
            keep = vis.x < lp
            vis = Echoes(vis.x[keep], vis.z[keep], vis.amp[keep])
        parts.append(vis)
        bl_x = []
        profile = np.zeros(pr.n_beams)
        for bx, (along, lateral, amp), g in zip(self.bline_x, self.bline_pts, self.bline_gain, strict=True):
            x_now = bx + u
            if x_now > lp:
                continue
            bl_x.append(x_now)
            r0, b0 = pr.to_beams(np.array([x_now]), self.pleura_z(np.array([x_now])))
            keep = along > r0[0]
            beam = b0[0] + lateral[keep] / pr.beam_spacing_cm(along[keep])
            fade = 1.0 - 0.35 * (along[keep] - r0[0]) / pr.depth_cm
            level = 3.5 if not p.confluent else 2.4
            parts.append(beam_echoes(pr, along[keep], beam, amp[keep] * fade * level * g))
            profile = np.maximum(
                profile,
                np.exp(-0.5 * ((np.arange(pr.n_beams) - b0[0]) * pr.beam_spacing_cm(r0[0]) / 0.25) ** 2),
            )
        if p.a_lines:
            parts.append(self._a_lines((1 - profile) * self.shadow[-1]))
        parts += [z for _, z in self.zlines]
        echoes = Echoes.join(parts)
        img = render(
            pr,
            echoes,
            self.wall.density,
            np.random.default_rng([self.seed, 100, i]),
            Look(gain_db=p.gain_db, smooth_px=1.0 if p.probe == "convex" else 0.6),
            transmission=self.shadow,
        )
        return img, bl_x, bool(sliding_here)

    def _a_lines(self, keep: np.ndarray) -> Echoes:
        """Reverberations of the pleura at 2, 3, 4... times its range along each beam (static)."""
        out = []
        for k, ref in zip((2, 3, 4, 5), self.a_refl, strict=False):
            _, b = self.probe.to_beams(ref.x, ref.z)
            w = np.interp(b, np.arange(self.probe.n_beams), keep)
            out.append(Echoes(ref.x, ref.z, (ref.amp * w).astype(np.complex64)))
            del k
        return Echoes.join(out)

    def _a_line_reflectors(self) -> list[Echoes]:
        pr = self.probe
        xs = np.linspace(-12, 12, 2000)
        r_pl, b_pl = pr.to_beams(xs, self.pleura_z(xs))
        beams = np.linspace(0, pr.n_beams - 1, 120)
        r_beam = np.interp(beams, b_pl, r_pl)
        pos = pr.beam_pos[0] + beams * pr.beam_step
        out = []
        for k in (2, 3, 4, 5):
            x, z = pr.to_tissue(k * r_beam, pos)
            ok = k * r_beam < pr.depth_cm - 0.1
            if ok.sum() < 2:
                break
            amp = 14.0 * 0.6 ** (k - 2)
            for j, dz in enumerate(
                (-pr.pulse_sigma_cm, pr.pulse_sigma_cm)
            ):  # a reverberation is as thick as the pleura
                pts = list(zip(x[ok], z[ok] + dz, strict=True))
                out.append(
                    reflector(pr, pts, amp, np.random.default_rng([self.seed, 11, k, j]), roughness=0.5)
                )
        return out

    def clip(self) -> tuple[np.ndarray, LungTruth]:
        frames, bls, slid = [], [], []
        for i in range(self.p.n_frames):
            img, bx, s = self.frame(i)
            frames.append(img)
            bls.append(bx)
            slid.append(s)
        return np.stack(frames), self._truth(bls, slid)

    def _truth(self, bls: list[list[float]], slid: list[bool]) -> LungTruth:
        pr, p = self.probe, self.p
        _, cy = pr.to_pixels(0.0, self.zp)
        ends = [pr.to_pixels(x, self.pleura_z(x)) for x in (-self.half_ics + 0.05, self.half_ics - 0.05)]
        t = LungTruth(pr, p.fps, self.zp, float(cy), [(float(a), float(b)) for a, b in ends])
        for xs in bls:
            t.blines_x_px.append([float(pr.to_pixels(x, self.pleura_z(x))[0]) for x in xs])
        counts = [len(b) for b in bls]
        best = int(np.argmax(counts))
        t.blines_marks_frame = None if min(counts) == max(counts) else best
        for x in bls[best]:
            top = pr.to_pixels(x, self.pleura_z(x))
            _, b0 = pr.to_beams(np.array([x]), self.pleura_z(np.array([x])))
            pos = pr.beam_pos[0] + b0 * pr.beam_step
            bx, bz = pr.to_tissue(np.array([pr.depth_cm]), pos)
            bot = pr.to_pixels(bx[0], bz[0])
            t.blines_marks_px.append(((float(top[0]), float(top[1])), (float(bot[0]), float(bot[1]))))
        t.sliding_frames = [i for i, s in enumerate(slid) if s]
        t.no_sliding_ranges = _ranges([not s for s in slid])
        t.zlines_x_px = [float(pr.to_pixels(x, self.pleura_z(x))[0]) for x, _ in self.zlines]
        if p.a_lines:
            t.a_line_rows_px = [
                float(pr.to_pixels(0.0, k * self.zp)[1]) for k in (2, 3, 4) if k * self.zp < pr.depth_cm
            ]
        for cx_rib, top in self.ribs:
            t.rib_shadow_x_px.append(
                (
                    float(pr.to_pixels(cx_rib - self.rib_half, top)[0]),
                    float(pr.to_pixels(cx_rib + self.rib_half, top)[0]),
                )
            )
            t.rib_top_px.append(tuple(float(v) for v in pr.to_pixels(cx_rib, top)))
        if p.consolidation:
            t.consolidation_polygon_px = [
                tuple(map(float, pr.to_pixels(x, z))) for x, z in self.cons_poly[::2]
            ]
        return t


def _ranges(flags: list[bool]) -> list[tuple[int, int]]:
    out, start = [], None
    for i, f in enumerate([*flags, False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            out.append((start, i - 1))
            start = None
    return out
