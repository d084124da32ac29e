"""Advisory image-quality assessment: metrics per frame and per clip, a 0-100 score, an ACEP
1-5 estimate, and plain-language reasons.

Each metric family maps to a component score in (0, 1) through a smooth logistic curve
around a documented threshold (on a log scale for brightness and motion, which are judged
by ratio), so that every degradation lowers the score a little more (no flat steps). The
overall score is 100 x exp(-weighted mean penalty) with no floor (see ``_combine``): one
severe fault pulls it down whatever the others say, and making it worse always lowers the
score further. The result is advice for a trainee, not a verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np

from imgtrainer.analysis.beams import beam_grid
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
    bright_mean: float = 115.0  # mean grey level above which it is "too bright"
    bright_width: float = 10.0
    black_floor: float = 0.65  # 5th-percentile / mean grey level above which it is washed out
    black_floor_width: float = 0.08
    saturated_fraction: float = 0.04  # share of white-clipped pixels that halves the component
    black_fraction: float = 0.55  # share of black-clipped (<= 5) pixels that halves the score
    gcnr: float = 0.30  # generalised CNR between brightest and darkest tissue bands
    gcnr_width: float = 0.08
    log_sharpness: float = -1.0  # mean log10 normalised Laplacian variance, full and 1/4 size
    log_sharpness_width: float = 0.3
    noise_sigma: float = 2.5  # grey levels of uncorrelated (electronic) noise in quiet areas
    noise_sigma_width: float = 0.5
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
    """Assess ``clip`` inside its scan area; frames are subsampled (``max_frames``, ``max_pairs``)."""
    t = thresholds or QualityThresholds()
    if clip.n_frames < 1:
        raise MediaError(clip.path or "<clip>", "clip has no frames")
    area = area or find_imaged_area(clip)
    mask = area.mask
    inner = inner_mask(mask)
    idx = spread_indices(clip.n_frames, max_frames)
    frames = read_gray(clip, idx)
    if not frames:
        raise MediaError(clip.path or "<clip>", "no frame could be decoded")
    per_frame: list[dict[str, float]] = []
    for i, g in frames.items():
        row: dict[str, float] = {"frame": i}
        row.update(gain_metrics(g, mask).to_dict())
        row.update(contrast_metrics(g, mask).to_dict())
        row.update(sharpness_metrics(g, inner).to_dict())
        per_frame.append(row)
    metrics = {k: float(np.median([r[k] for r in per_frame])) for k in per_frame[0] if k != "frame"}
    grid = beam_grid(expected_area(area), max_depth=160, max_beams=120)
    polar = np.mean([grid.sample(g) for g in frames.values()], axis=0)
    cov = coverage_metrics(polar, grid.valid)
    metrics.update(cov.to_dict())
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


def expected_area(area: ScanArea) -> ScanArea:
    """The area the probe should image: the detected area made left-right symmetric.

    A detected area shrinks where contact is lost (those beams are black), so the missing
    side is restored by mirroring about the sector apex, or about the frame centre for a
    rectangle cut off at one frame edge only. Regions from the file are used as they are.
    """
    if area.source != "detected":
        return area
    _h, w = area.mask.shape
    x0, _, x1, _ = area.bbox
    if area.apex is not None and 0 <= area.apex[0] < w:
        axis = float(area.apex[0])
    elif (x0 <= 1) != (x1 >= w - 2):
        axis = (w - 1) / 2.0
    else:
        return area
    cols = np.arange(w)
    src = np.round(2 * axis - cols).astype(int)
    ok = (src >= 0) & (src < w)
    mirrored = np.zeros_like(area.mask)
    mirrored[:, ok] = area.mask[:, src[ok]]
    mask = area.mask | mirrored
    ys, xs = np.nonzero(mask)
    bbox = (int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()))
    return ScanArea(mask, bbox, area.shape, area.confidence, area.source, area.apex)


def _components(
    m: dict[str, float], t: QualityThresholds, still: bool
) -> tuple[dict[str, float], dict[str, str]]:
    c: dict[str, float] = {}
    faults: dict[str, str] = {}
    dark = _logistic(math.log(max(m["mean"], 0.1) / t.dark_mean) / t.dark_width)
    bright = _logistic((t.bright_mean - m["mean"]) / t.bright_width)
    c["gain"] = dark * bright
    faults["gain"] = _REASONS["gain_dark"] if dark <= bright else _REASONS["gain_bright"]
    c["saturation"] = 1.0 / (1.0 + (m["saturated_fraction"] / t.saturated_fraction) ** 3)
    # the black floor relative to the mean: a narrow dynamic range, whatever the gain
    floor = m["p5"] / max(m["mean"], 1.0)
    c["washout"] = _logistic((t.black_floor - floor) / t.black_floor_width)
    c["black_clip"] = 1.0 / (1.0 + (m["black_fraction"] / t.black_fraction) ** 3)
    c["contrast"] = _logistic((m["gcnr"] - t.gcnr) / t.gcnr_width)
    sharp = 0.5 * (math.log10(max(m["laplacian_nvar"], 1e-9)) + math.log10(max(m["coarse_nvar"], 1e-9)))
    c["sharpness"] = _logistic((sharp - t.log_sharpness) / t.log_sharpness_width)
    c["noise"] = _logistic((t.noise_sigma - m["noise_sigma"]) / t.noise_sigma_width)
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
    """100 x exp(-weighted mean penalty), where a component ``c`` costs ``log(1 - log c)``.

    There is no floor: the penalty keeps growing as a fault gets worse, so a worse fault
    always lowers the score. It grows logarithmically in ``-log c`` (which is about linear in
    the metric past its threshold), so a fault that is already severe moves the score by
    the relative, not the absolute, change of its metric; a wobble in an incidental,
    already-bad component then cannot outweigh the fault being made worse.
    """
    wsum = sum(_WEIGHTS[k] for k in comps)
    pen = sum(_WEIGHTS[k] * math.log1p(-math.log(max(v, 1e-300))) for k, v in comps.items())
    return 100.0 * math.exp(-pen / wsum)


def _acep(score: float) -> int:
    """ACEP image-quality grade 1-5 from the 0-100 score (5 = excellent, 1 = unrecognisable)."""
    for grade, floor in ((5, 85.0), (4, 70.0), (3, 50.0), (2, 30.0)):
        if score >= floor:
            return grade
    return 1


def threshold_names() -> list[str]:
    """Names of the configurable thresholds (for the CLI's --threshold NAME=VALUE)."""
    return [f.name for f in fields(QualityThresholds)]
