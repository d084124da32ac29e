"""Lung assist: pleural line, A-lines, B-lines, lung sliding and a suggested LUS score (0-3).

Everything runs on the (depth, beam) grid of the scan area (polar for a sector, so B-lines
are columns and A-lines rows). Each finding carries its evidence (frames, grid beams and
stored-frame coordinates) for the GUI to draw. Advisory, for teaching: not a diagnosis.

The clip-level B-line and A-line decisions combine a few measurements (the assist's own and
the published detectors' in ``lung_detectors``) into one linear score per finding, calibrated
to a probability, with a band around 0.5 inside which the answer is "uncertain, look again"
(``lung_model.LungModel``, ``lung_fit.Decision``). The built-in model's recipe is validated on
patients it never saw by ``benchmarks/analysis.py lung`` (docs/lung-assist-validation.md).
Pass your own ``LungModel`` (``imgtrainer assist-fit``) to refit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from imgtrainer.analysis.beams import BeamGrid, beam_grid
from imgtrainer.analysis.frames import pair_indices, read_gray, spread_indices
from imgtrainer.analysis.lung_alines import (
    ALinePlacement,
    place_alines,
    replica_curve,
    reverberation_periodicity,
)
from imgtrainer.analysis.lung_detectors import DETECTOR_FEATURES, detector_features
from imgtrainer.analysis.lung_lines import (
    aline_profile,
    frame_blines,
    persistent_ridges,
    texture_orientation,
)
from imgtrainer.analysis.lung_lus import UNSURE, lus_decision
from imgtrainer.analysis.lung_model import LungModel, default_model
from imgtrainer.analysis.lung_pleura import Pleura, find_pleura, frame_pleura
from imgtrainer.analysis.lung_sliding import assess_sliding
from imgtrainer.errors import MediaError
from imgtrainer.media.clip import Clip
from imgtrainer.media.scanarea import ScanArea, find_imaged_area

B_FEATURES = ("orientation_p75", "persistent_ridge_p95", "bline_frames")
A_FEATURES = ("aline_periodicity", "deep_level")
CANDIDATES = (
    "orientation_p75",
    "ridge_p90",
    "persistent_ridge_p75",
    "persistent_ridge_p95",
    "bline_frames",
    "deep_temporal_std",
    "deep_level",
    "far_field_change",
    "aline_periodicity",
    "orientation",
    "pleura_strength",
    "aline_prominence",
    "horizontal_texture",
    "bline_mean_count",
    "aline_2",
    "aline_3",
    "pleura_extent",
    "pleura_depth_fraction",
    "deep_lateral_cv",
)
"""The assist's own measurements (see ``_features`` for their meaning)."""
FEATURES = (*CANDIDATES, *DETECTOR_FEATURES)
"""Every measurement a decision model can weigh: the assist's own and the published detectors'."""


@dataclass
class LungReport:
    pleura: dict[str, object]
    a_lines: dict[str, object]
    b_lines: dict[str, object]
    sliding: dict[str, object]
    lus_score: int
    reasons: list[str]
    features: dict[str, float]
    scan_area: dict[str, object]
    frames_analysed: list[int] = field(default_factory=list)
    lus_reason: str = ""
    lus_certain: bool = True

    def to_dict(self) -> dict[str, object]:
        return {
            "pleura": self.pleura,
            "a_lines": self.a_lines,
            "b_lines": self.b_lines,
            "sliding": self.sliding,
            "lus_score": self.lus_score,
            "lus_reason": self.lus_reason,
            "lus_certain": self.lus_certain,
            "reasons": self.reasons,
            "features": {k: round(float(v), 5) for k, v in self.features.items()},
            "scan_area": self.scan_area,
            "frames_analysed": self.frames_analysed,
            "advisory": "educational estimate, not a diagnosis",
        }


def assess_lung(
    clip: Clip,
    *,
    model: LungModel | None = None,
    area: ScanArea | None = None,
    max_frames: int = 24,
    max_pairs: int = 6,
    all_features: bool = False,
) -> LungReport:
    """Run the lung assist on ``clip`` (subsampled: ``max_frames`` frames, ``max_pairs`` pairs).

    The published detectors' scores are measured when the model uses them or ``all_features``
    is set (for refitting)."""
    model = model or default_model()
    if clip.n_frames < 1:
        raise MediaError(clip.path or "<clip>", "clip has no frames")
    area = area or find_imaged_area(clip)
    grid = beam_grid(area, max_depth=256, max_beams=192, fixed_size=True)
    idx = spread_indices(clip.n_frames, max_frames)
    gray = read_gray(clip, idx)
    frames = {i: grid.sample(g) for i, g in gray.items() if g[area.mask].mean() >= 2.0}
    if not frames:
        frames = {i: grid.sample(g) for i, g in gray.items()}
    if not frames:
        raise MediaError(clip.path or "<clip>", "no frame could be decoded")
    series = np.stack(list(frames.values()))
    mean_grid = series.mean(axis=0)
    pleura = find_pleura(mean_grid, grid.valid)
    feats, blines, per_frame = _features(frames, mean_grid, grid, pleura, model)
    place = place_alines(mean_grid, grid.valid, pleura)
    feats["aline_replica_contrast"] = place.contrast
    used = tuple(k for k in (*model.b.features, *model.a.features) if k in DETECTOR_FEATURES)
    if all_features or used:
        feats.update(
            detector_features(series, grid.valid, pleura, DETECTOR_FEATURES if all_features else used)
        )
    pairs = _grid_pairs(clip, grid, max_pairs)
    sliding = assess_sliding(pairs, series, grid.valid, pleura)
    p_b, b_call = model.decide(feats, "b")
    p_a, a_call = model.decide(feats, "a")
    counts = [len(fb.beams) for fb in per_frame.values()]
    max_count = max(counts) if counts else 0
    lus = lus_decision(
        p_b, p_a, b_call, a_call, counts, pleura, feats, model.confluent_fraction, model.lus_rule
    )
    lus_reason, lus_certain, confluent = lus.reason, lus.certain, lus.confluent
    reasons = _reasons(pleura, a_call, b_call, max_count, confluent, sliding.reason, lus_reason, lus_certain)
    return LungReport(
        pleura={
            **_pleura_dict(pleura, grid),
            "per_frame": {
                str(i): {"depth_px": round(dd * grid.depth_px, 1), "extent": round(ex, 3)}
                for i, (dd, ex) in ((i, frame_pleura(f, grid.valid, pleura)) for i, f in frames.items())
            },
        },
        a_lines=_alines_dict(a_call, p_a, feats, pleura, grid, place),
        b_lines={
            "present": b_call,
            "probability": round(p_b, 3),
            "confidence": round(max(p_b, 1.0 - p_b), 3),
            # B-lines the line counter separated in the frame with most: a measurement, not the
            # decision (the decision is "present", taken from the calibrated probability)
            "counted_max": max_count,
            "per_frame": {str(i): len(fb.beams) for i, fb in per_frame.items()},
            "confluent": bool(confluent),
            "positions": blines,
        },
        sliding=sliding.to_dict(),
        lus_score=lus.score,
        reasons=reasons,
        features=feats,
        scan_area=area.to_dict(),
        frames_analysed=[int(i) for i in frames],
        lus_reason=lus_reason,
        lus_certain=lus_certain,
    )


def _features(
    frames: dict[int, np.ndarray], mean_grid: np.ndarray, grid: BeamGrid, pleura: Pleura, model: LungModel
) -> tuple[dict[str, float], list[dict[str, object]], dict[int, object]]:
    valid = grid.valid
    orient, ridges, per_frame, positions = [], [], {}, []
    bottom_depth = pleura.bottom
    for i, f in frames.items():
        orient.append(texture_orientation(f, valid, pleura))
        fb, best = frame_blines(f, valid, pleura, min_ridge=model.min_bline_ridge)
        ridges.append(best)
        per_frame[i] = fb
        for k, (b, s) in enumerate(zip(fb.beams, fb.strengths, strict=True)):
            x0, y0 = grid.to_xy(pleura.row[b], fb.beam_at(k, pleura.row[b]))
            x1, y1 = grid.to_xy(bottom_depth, fb.beam_at(k, bottom_depth))
            positions.append(
                {
                    "frame": int(i),
                    "beam": b,
                    "x0": round(x0, 1),
                    "y0": round(y0, 1),
                    "x1": round(x1, 1),
                    "y1": round(y1, 1),
                    "strength": s,
                }
            )
    prof = aline_profile(mean_grid, valid, pleura)
    inner = valid.copy()
    nd = valid.shape[0]
    top = int(np.median(pleura.skin[pleura.skin < nd])) if (pleura.skin < nd).any() else 0
    h = max(8, pleura.bottom - top)
    deep = np.zeros(nd, bool)
    deep[top + int(0.8 * h) : top + int(0.98 * h)] = True  # the far field: dark when aerated
    deep_sel = inner & deep[:, None]
    overall = float(mean_grid[inner].mean()) + 1.0 if inner.any() else 1.0
    deep_level = float(mean_grid[deep_sel].mean()) / overall if deep_sel.any() else 0.0
    feats = {
        "orientation": float(np.median(orient)) if orient else 0.0,
        "horizontal_texture": prof.horizontal_texture,
        "ridge_p90": float(np.percentile(ridges, 90)) if ridges else 0.0,
        "bline_frames": float(np.mean([len(fb.beams) > 0 for fb in per_frame.values()]))
        if per_frame
        else 0.0,
        "aline_prominence": prof.best[1],
        "deep_level": deep_level,
        "pleura_strength": float(np.median(pleura.strength[pleura.on])) if pleura.on.any() else 0.0,
    }
    feats["aline_depth_multiple"] = float(prof.best[0])
    pers = persistent_ridges(np.stack(list(frames.values())), valid, pleura)
    feats["persistent_ridge_p75"] = float(np.percentile(pers[:, 0], 75)) if pers.size else 0.0
    feats["persistent_ridge_p95"] = float(np.median(pers[:, 1])) if pers.size else 0.0
    feats.update(_extra_features(frames, valid, pleura, prof, orient, per_frame, top, h))
    return feats, positions[:200], per_frame


def _extra_features(
    frames: dict[int, np.ndarray],
    valid: np.ndarray,
    pleura: Pleura,
    prof: object,
    orient: list[float],
    per_frame: dict[int, object],
    top: int,
    h: int,
) -> dict[str, float]:
    """Further descriptive measurements (reported; used only if a model names them)."""
    series = np.stack(list(frames.values()))
    nd = valid.shape[0]
    deep = slice(top + int(0.55 * h), min(nd, top + int(0.95 * h)))
    ok = valid[deep].mean(axis=0) > 0.8
    out = {
        "orientation_p75": float(np.percentile(orient, 75)) if orient else 0.0,
        "bline_mean_count": float(np.mean([len(fb.beams) for fb in per_frame.values()]))
        if per_frame
        else 0.0,
        "aline_2": float(prof.prominence.get(2, 0.0)),
        "aline_3": float(prof.prominence.get(3, 0.0)),
        "pleura_extent": pleura.extent,
        "pleura_depth_fraction": pleura.depth_rows / max(1, h),
        "deep_temporal_std": 0.0,
        "deep_lateral_cv": 0.0,
        "far_field_change": _far_field_change(series, valid, top, h),
    }
    out["aline_periodicity"], out["aline_spacing_rows"] = reverberation_periodicity(
        series, valid, top + 2, pleura.bottom
    )
    if ok.sum() >= 5:
        cols = series[:, deep][:, :, ok].mean(axis=1)
        m = float(cols.mean()) + 1.0
        out["deep_temporal_std"] = float(np.percentile(cols.std(axis=0), 90)) / m
        out["deep_lateral_cv"] = float(cols.mean(axis=0).std()) / m
    return out


def _far_field_change(series: np.ndarray, valid: np.ndarray, top: int, h: int) -> float:
    """Frame-to-frame change in the deepest sixth of the image, relative to its brightness.

    Behind aerated lung (A-pattern) the far field holds only reverberation and noise, which
    changes from one analysed frame to the next; behind fluid-rich lung or consolidation it
    holds tissue-like echoes that persist. Mean absolute difference / mean level (ratio).
    """
    nd = valid.shape[0]
    rows = slice(top + int(5 * h / 6), min(nd, top + h))
    sel = valid[rows]
    if len(series) < 2 or sel.sum() < 20:
        return 0.0
    band = series[:, rows][:, sel]
    return float(np.abs(np.diff(band, axis=0)).mean() / (band.mean() + 1.0))


def _grid_pairs(clip: Clip, grid: BeamGrid, max_pairs: int) -> list[tuple[np.ndarray, np.ndarray, float]]:
    if clip.n_frames < 2:
        return []
    pi = pair_indices(clip.n_frames, max_pairs)
    got = read_gray(clip, [j for p in pi for j in p])
    times = clip.frame_times_s
    out = []
    for a, b in pi:
        if a in got and b in got:
            out.append((grid.sample(got[a]), grid.sample(got[b]), float(times[b] - times[a])))
    return out


def _reasons(
    pleura: Pleura,
    a: bool | None,
    b: bool | None,
    n: int,
    confluent: bool,
    sliding: str,
    lus: str,
    lus_certain: bool,
) -> list[str]:
    out = [
        f"pleural line {'seen over ' + format(pleura.extent, '.0%') + ' of the beams' if pleura.present else 'not found'}",
        f"A-lines: {UNSURE}"
        if a is None
        else ("A-lines (horizontal reverberations of the pleura) seen" if a else "no clear A-lines"),
    ]
    if b is None:
        out.append(f"B-lines: {UNSURE}")
    elif b:
        if confluent:
            out.append("confluent B-lines (white lung)")
        else:
            out.append(
                f"B-lines: up to {n} in one frame" if n else "a B-line pattern, but no single B-line counted"
            )
    else:
        out.append("no B-lines")
    out.append(f"sliding: {sliding}")
    out.append(lus if lus_certain else f"LUS score: {UNSURE}")
    return out


def _pleura_dict(pleura: Pleura, grid: BeamGrid) -> dict[str, object]:
    on = np.flatnonzero(pleura.on)
    pts = [[round(c, 1) for c in grid.to_xy(pleura.row[b], b)] for b in on[:: max(1, on.size // 40)]]
    depth_px = pleura.centre_depth_rows * grid.depth_px  # at the middle of the probe
    return {
        "present": bool(pleura.present),
        "depth_px": round(float(depth_px), 1),
        "extent": round(pleura.extent, 3),
        "count": int(bool(pleura.present)),
        "positions": pts,
    }


def _alines_dict(
    present: bool | None,
    p: float,
    feats: dict[str, float],
    pleura: Pleura,
    grid: BeamGrid,
    place: ALinePlacement,
) -> dict[str, object]:
    k = int(feats.get("aline_depth_multiple", 0))
    positions = []
    if p >= 0.5 and pleura.on.any():
        for mult in (2, 3, 4):
            rows, beams = replica_curve(pleura, place, mult)
            pts = [[round(c, 1) for c in grid.to_xy(r, b)] for r, b in zip(rows, beams, strict=True)]
            if len(pts) >= 2:
                positions.append({"multiple": mult, "points": pts})
    return {
        "present": present,
        "probability": round(p, 3),
        "confidence": round(max(p, 1.0 - p), 3),
        "drawn": len(positions),  # A-line arcs drawn (at 2x-4x the pleural depth)
        "strongest_multiple": k,
        # how strongly the beams repeat along depth (0-1) and the lag at which they repeat most,
        # along a beam in stored-frame pixels: the A-line spacing on clean images, but on real
        # clips often a fraction of it (finer reverberation bands), so it is not drawn
        "periodicity": round(feats.get("aline_periodicity", 0.0), 3),
        "spacing_px": round(feats.get("aline_spacing_rows", 0.0) * grid.depth_px, 1),
        "positions": positions,
    }
