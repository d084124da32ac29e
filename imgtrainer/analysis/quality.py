"""Advisory image-quality assessment: metrics per frame and per clip, a 0-100 score, an ACEP
1-5 estimate, and plain-language reasons.

Each metric family maps to a component score in (0, 1) through a smooth logistic curve
around a documented threshold (on a log scale for brightness and motion, which are judged
by ratio), so that every degradation lowers the score a little more (no flat steps). The
overall score is 100 x the weighted geometric mean of the components, with no floor (see
``_combine``): one severe fault pulls it down whatever the others say, and making it worse
always lowers the score further. Metrics that one fault should leave alone are read so
that it does (brightness, black clipping and coverage on a median-filtered frame, noise
relative to brightness, white clipping only in bright surroundings), so a degradation is
not paid back by an incidental "improvement" elsewhere. The result is advice for a
trainee, not a verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import cv2
import numpy as np

from imgtrainer.analysis.beams import BeamGrid, beam_grid
from imgtrainer.analysis.frames import pair_indices, read_gray, spread_indices
from imgtrainer.analysis.quality_contrast import FULL_SPECKLE_SNR, contrast_metrics
from imgtrainer.analysis.quality_coverage import coverage_metrics
from imgtrainer.analysis.quality_gain import gain_metrics
from imgtrainer.analysis.quality_motion import AdequacyMetrics, motion_metrics
from imgtrainer.analysis.quality_sharpness import inner_mask, sharpness_metrics
from imgtrainer.errors import MediaError
from imgtrainer.media.clip import Clip
from imgtrainer.media.scanarea import ScanArea, find_imaged_area


@dataclass(frozen=True)
class QualityThresholds:
    """Where each component score crosses 0.5, and how soft the crossing is (its ``*_width``).

    Brightness is in grey levels (0-255) inside the scan area; motion in image heights per
    second; durations in seconds. Defaults suit general POCUS clips at typical presets.
    """

    dark_mean: float = 15.0  # mean grey level below which the image is "too dark"
    dark_width: float = 0.4  # natural-log units of the mean (brightness is judged by ratio)
    bright_mean: float = 130.0  # mean grey level at which it is "too bright" (component 0.5)
    bright_width: float = 20.0  # below bright_mean - bright_width brightness alone costs nothing
    black_floor: float = 0.65  # 5th-percentile / mean grey level (lit beams): washed out above
    black_floor_width: float = 0.08
    saturated_fraction: float = 0.03  # share of white-clipped tissue pixels that halves it
    black_fraction: float = 0.55  # share of black-clipped (<= 5) pixels that halves the score
    gcnr: float = 0.30  # generalised CNR between brightest and darkest tissue bands
    gcnr_width: float = 0.08
    log_sharpness: float = -1.0  # mean log10 normalised Laplacian variance, full and 1/4 size
    log_sharpness_width: float = 0.45
    noise: float = 0.07  # uncorrelated (electronic) noise in quiet areas / mean grey level
    noise_width: float = 0.3  # natural-log units of that ratio
    depth_use: float = 0.55  # share of the imaged depth that carries signal
    depth_use_width: float = 0.07
    contact_lost: float = 0.15  # share of beams without skin contact
    contact_lost_width: float = 0.05
    motion: float = 0.35  # image heights per second (median global shift speed)
    motion_width: float = 0.35  # natural-log units of the speed
    jitter: float = 0.25  # image heights per second (spread of global shift)
    jitter_width: float = 0.35  # natural-log units
    min_duration_s: float = 1.5  # a cine shorter than this shows too little
    duration_width: float = 0.4
    min_fps: float = 12.0
    fps_width: float = 3.0
    frozen_fraction: float = 0.3  # share of repeated frames (frozen or padded recording)
    frozen_width: float = 0.08
    reason_below: float = 0.6  # a component under this produces a reason


_WEIGHTS = {
    "gain": 2.0,
    "saturation": 2.0,
    "washout": 1.0,
    "black_clip": 0.7,
    "contrast": 1.2,
    "sharpness": 1.5,
    "noise": 1.0,
    "depth": 1.0,
    "contact": 1.2,
    "stability": 1.0,
    "jitter": 0.6,
    "length": 0.5,
    "frame_rate": 0.4,
    "frozen": 0.5,
}

_REASONS = {
    "gain_dark": "image too dark: raise gain",
    "gain_bright": "image too bright: lower gain",
    "saturation": "large areas are white-clipped: lower gain or TGC",
    "washout": "image washed out (black areas look grey): lower gain or raise dynamic-range compression",
    "black_clip": "much of the image is black-clipped: raise gain or TGC",
    "contrast": "low contrast between structures: adjust gain, depth or dynamic range",
    "sharpness": "image is blurred: check focus, frequency and probe contact, avoid zoomed video",
    "noise": "grainy image (electronic noise): lower gain, check cable and interference",
    "depth": "the lower part of the image carries no signal: reduce depth or raise far gain",
    "stability": "probe moving: hold still",
    "jitter": "probe moving (image shakes): hold still, steady the hand holding the probe",
    "length": "clip too short: record at least a few seconds (several breaths or beats)",
    "frame_rate": "frame rate too low to judge motion",
    "frozen": "many repeated frames: the recording was frozen or padded",
}


@dataclass
class QualityReport:
    """The assessment of one clip or still; ``score`` 0-100 and ``acep`` 1-5 are advisory."""

    score: float
    acep: int
    reasons: list[str]
    components: dict[str, float]
    metrics: dict[str, float]
    per_frame: list[dict[str, float]]
    scan_area: dict[str, object]
    n_frames: int
    still: bool
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "score": round(self.score, 2),
            "acep": self.acep,
            "reasons": list(self.reasons),
            "components": {k: round(v, 4) for k, v in self.components.items()},
            "metrics": {k: _r(v) for k, v in self.metrics.items()},
            "n_frames": self.n_frames,
            "still": self.still,
            "scan_area": self.scan_area,
            "per_frame": self.per_frame,
            "warnings": self.warnings,
            "advisory": "educational estimate, not a verdict",
        }


def _r(v: float) -> float:
    return round(float(v), 5)


def _logistic(z: float) -> float:
    z = max(-300.0, min(300.0, z))
    return 1.0 / (1.0 + math.exp(-z))


def assess_quality(
    clip: Clip,
    *,
    thresholds: QualityThresholds | None = None,
    area: ScanArea | None = None,
    max_frames: int = 6,
    max_pairs: int = 8,
) -> QualityReport:
    """Assess ``clip`` inside its scan area; frames are subsampled (``max_frames``, ``max_pairs``).

    ``area`` is the imaged area when the caller knows it (e.g. found on the whole clip and
    applied to one frame); lost contact at its edges is then judged too. Left out, it is
    found with ``find_imaged_area`` (the Ultrasound Regions when the file has them).
    """
    t = thresholds or QualityThresholds()
    if clip.n_frames < 1:
        raise MediaError(clip.path or "<clip>", "clip has no frames")
    edges_known = area is not None
    area = area or find_imaged_area(clip)
    edges_known = edges_known or area.source == "regions"
    mask = area.mask
    inner = inner_mask(mask)
    idx = spread_indices(clip.n_frames, max_frames)
    frames = read_gray(clip, idx)
    if not frames:
        raise MediaError(clip.path or "<clip>", "no frame could be decoded")
    frames, n_blank = _drop_blank(frames, mask)
    per_frame: list[dict[str, float]] = []
    smooth = {i: cv2.medianBlur(g, 5) for i, g in frames.items()}
    for i, g in frames.items():
        row: dict[str, float] = {"frame": i}
        row.update(gain_metrics(g, mask, smooth[i]).to_dict())
        row.update(contrast_metrics(g, mask).to_dict())
        row.update(sharpness_metrics(g, inner).to_dict())
        per_frame.append(row)
    metrics = {k: float(np.median([r[k] for r in per_frame])) for k in per_frame[0] if k != "frame"}
    # lost contact is judged inside the known area: the file's Regions or an area the caller
    # passes (e.g. the whole clip's), all of it; a detected area, only between lit beams (see
    # ``coverage_metrics``). Guessing the full fan by mirroring a detected area about its
    # fitted apex flagged a quarter of well-acquired frames (fans cropped by the screen,
    # tilted or off-centre sectors, a poorly fitted apex)
    grid = beam_grid(area, max_depth=160, max_beams=120)
    polar = np.median([_sample_nearest(grid, g) for g in smooth.values()], axis=0)
    cov = coverage_metrics(polar, grid.valid, edges_known=edges_known)
    metrics.update(cov.to_dict())
    metrics["lit_floor"] = _lit_floor(polar, grid.valid, cov.lost_beams)
    still = clip.n_frames < 2
    motion = None
    if not still:
        pairs = []
        times = clip.frame_times_s
        pi = pair_indices(clip.n_frames, max_pairs)
        got = read_gray(clip, [j for p in pi for j in p])
        for a, b in pi:
            if a in got and b in got:
                pairs.append((got[a], got[b], float(times[b] - times[a])))
        motion = motion_metrics(pairs, mask)
        metrics.update(motion.to_dict())
        adequacy = AdequacyMetrics(clip.n_frames, clip.duration_s, clip.fps)
        metrics.update(adequacy.to_dict())
    comps, faults = _components(metrics, t, still)
    score = _combine(comps)
    faults["contact"] = (cov.contact_text() or "probe contact lost") + ": more gel, press evenly"
    reasons = [faults[name] for name, v in sorted(comps.items(), key=lambda kv: kv[1]) if v < t.reason_below]
    snr = metrics.get("speckle_snr", 0.0)
    notes = []
    if area.confidence < 0.5:
        notes.append("scan area uncertain: metrics may include screen overlays")
    if n_blank:
        notes.append(f"{n_blank} blank frame(s) left out of the image metrics")
    if snr and abs(snr - FULL_SPECKLE_SNR) > 1.5 and comps.get("sharpness", 1) < t.reason_below:
        notes.append(f"speckle SNR {snr:.2f} is far from {FULL_SPECKLE_SNR} (smoothed or noisy image)")
    return QualityReport(
        score=score,
        acep=_acep(score),
        reasons=reasons,
        components=comps,
        metrics=metrics,
        per_frame=per_frame,
        scan_area=area.to_dict(),
        n_frames=clip.n_frames,
        still=still,
        warnings=notes,
    )


def _drop_blank(frames: dict[int, np.ndarray], mask: np.ndarray) -> tuple[dict[int, np.ndarray], int]:
    """The frames that show something inside ``mask``, and how many were blank.

    A blank frame (all but black, as before the probe touches the skin or between
    sweeps) says nothing about how the image was acquired; a clip of only blank frames is
    assessed as it is.
    """
    kept = {}
    for i, g in frames.items():
        px = g[mask] if mask.any() else g
        if px.size and np.count_nonzero(px > 12) > 0.01 * px.size:  # 99th percentile above 12
            kept[i] = g
    if not kept:
        return frames, 0
    return kept, len(frames) - len(kept)


def _sample_nearest(grid: BeamGrid, gray: np.ndarray) -> np.ndarray:
    """``gray`` on the beam grid by nearest pixel; 0 outside the scan area.

    Coverage reads medians (of a 5x5 median-filtered frame, then along beams and rows), not
    means: uncorrelated noise clipped at black has a positive mean but a black median, so
    added noise does not make a black beam or a dark deep band look lit.
    """
    out = cv2.remap(gray, grid.map_x, grid.map_y, cv2.INTER_NEAREST, borderValue=0).astype(np.float32)
    out[~grid.valid] = 0.0
    return out


def _lit_floor(polar: np.ndarray, valid: np.ndarray, lost: list[int]) -> float:
    """5th-percentile / mean grey level over the beams that have contact (0..1).

    A high black floor relative to the mean is a washed-out image; beams without contact
    are left out, or a lost wedge (black) would make a washed-out image look well set.
    """
    sel = valid.copy()
    sel[:, lost] = False
    px = polar[sel]
    if px.size < 16:
        return 0.0
    mean = float(px.mean())
    return float(np.percentile(px, 5)) / mean if mean >= 1.0 else 0.0


def _components(
    m: dict[str, float], t: QualityThresholds, still: bool
) -> tuple[dict[str, float], dict[str, str]]:
    c: dict[str, float] = {}
    faults: dict[str, str] = {}
    dark = _logistic(math.log(max(m["mean"], 0.1) / t.dark_mean) / t.dark_width)
    # brightness alone is judged only when extreme: what over-gain costs (white clipping, a
    # lifted black floor) is judged by its own components, so a darker frame that is not
    # clipped or washed out never scores better than the original
    over = max(0.0, m["mean"] - (t.bright_mean - t.bright_width)) / max(t.bright_width, 1e-6)
    bright = 0.5 ** (over * over)
    c["gain"] = dark * bright
    faults["gain"] = _REASONS["gain_dark"] if dark <= bright else _REASONS["gain_bright"]
    c["saturation"] = 1.0 / (1.0 + (m["saturated_fraction"] / t.saturated_fraction) ** 2)
    # the black floor relative to the mean: a narrow dynamic range, whatever the gain
    floor = m.get("lit_floor", m["p5"] / max(m["mean"], 1.0))
    c["washout"] = _logistic((t.black_floor - floor) / t.black_floor_width)
    c["black_clip"] = 1.0 / (1.0 + (m["black_fraction"] / t.black_fraction) ** 3)
    c["contrast"] = _logistic((m["gcnr"] - t.gcnr) / t.gcnr_width)
    sharp = 0.5 * (math.log10(max(m["laplacian_nvar"], 1e-9)) + math.log10(max(m["coarse_nvar"], 1e-9)))
    c["sharpness"] = _logistic((sharp - t.log_sharpness) / t.log_sharpness_width)
    # noise relative to the brightness, as an eye sees grain: gain alone does not change it
    rel = m["noise_sigma"] / max(m["mean"], 1.0)
    c["noise"] = _logistic(math.log(t.noise / max(rel, 1e-6)) / t.noise_width)
    c["depth"] = _logistic((m["depth_use"] - t.depth_use) / t.depth_use_width)
    c["contact"] = _logistic((t.contact_lost - m["contact_lost_fraction"]) / t.contact_lost_width)
    for k in ("saturation", "washout", "black_clip", "contrast", "sharpness", "noise", "depth"):
        faults[k] = _REASONS[k]
    if not still:
        c["stability"] = _logistic(math.log(t.motion / max(m["motion"], 1e-4)) / t.motion_width)
        c["jitter"] = _logistic(math.log(t.jitter / max(m["jitter"], 1e-4)) / t.jitter_width)
        c["length"] = _logistic((m["duration_s"] - t.min_duration_s) / t.duration_width)
        c["frame_rate"] = _logistic((m["fps"] - t.min_fps) / t.fps_width)
        c["frozen"] = _logistic((t.frozen_fraction - m["frozen_fraction"]) / t.frozen_width)
        for k in ("stability", "jitter", "length", "frame_rate", "frozen"):
            faults[k] = _REASONS[k]
    return c, faults


def _combine(comps: dict[str, float]) -> float:
    """100 x the weighted geometric mean of the components: 100 x exp(weighted mean of log c).

    Each component is a factor of the score, so a fault made worse lowers the score by the
    same proportion however bad it already is, and the others do not change that. There is
    no floor. (A log(1 - log c) penalty, tried before, grew only logarithmically once a
    fault was severe, so noise made twice as strong was outweighed by the small incidental
    wobbles it caused in other metrics.)
    """
    wsum = sum(_WEIGHTS[k] for k in comps)
    logc = sum(_WEIGHTS[k] * math.log(max(v, 1e-300)) for k, v in comps.items())
    return 100.0 * math.exp(logc / wsum)


def _acep(score: float) -> int:
    """ACEP image-quality grade 1-5 from the 0-100 score (5 = excellent, 1 = unrecognisable)."""
    for grade, floor in ((5, 85.0), (4, 70.0), (3, 50.0), (2, 30.0)):
        if score >= floor:
            return grade
    return 1


def threshold_names() -> list[str]:
    """Names of the configurable thresholds (for the CLI's --threshold NAME=VALUE)."""
    return [f.name for f in fields(QualityThresholds)]
