from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest

from imgtrainer.analysis.quality import QualityThresholds, assess_quality
from imgtrainer.analysis.quality_gain import gain_metrics
from imgtrainer.media import open_clip
from imgtrainer.media.clip import ArrayClip
from imgtrainer.media.scanarea import ScanArea, find_imaged_area, find_scan_area, to_gray
from tests.analysis._synth import speckle_clip


def _still(img: np.ndarray) -> ArrayClip:
    return ArrayClip(np.ascontiguousarray(img)[None])


def _real_frames(shared_data: Path) -> list[np.ndarray]:
    out = []
    for rel in (
        "lung-blus/lus_videos/patient_35_R1.mp4",
        "lung/pocus_videos/convex/Reg_pat1Image_132943.mpeg",
    ):
        cap = cv2.VideoCapture(str(shared_data / rel))
        for _ in range(5):
            ok, f = cap.read()
        cap.release()
        assert ok
        out.append(np.ascontiguousarray(f[..., ::-1]))
    img = cv2.imread(
        str(shared_data / "lung/pocus_images/convex/Reg_Avi_normal-A-lines.JPG"), cv2.IMREAD_COLOR_RGB
    )
    out.append(img)
    return out


def _scores(imgs: list[np.ndarray]) -> list[float]:
    return [assess_quality(_still(im)).score for im in imgs]


def test_report_shape_and_ranges() -> None:
    frames, _ = speckle_clip(n=8)
    rep = assess_quality(ArrayClip(frames))
    d = rep.to_dict()
    assert 0 <= d["score"] <= 100 and 1 <= d["acep"] <= 5
    assert {"gain", "contrast", "sharpness", "depth", "contact", "stability", "frozen"} <= set(
        d["components"]
    )
    for key in ("mean", "gcnr", "cnr", "laplacian_nvar", "tenengrad", "speckle_snr", "depth_use", "motion"):
        assert key in d["metrics"]


def test_darkening_and_blur_lower_score_on_real_frames(shared_data: Path) -> None:
    for fr in _real_frames(shared_data):
        f32 = fr.astype(np.float32)
        dark = [np.clip(f32 * k, 0, 255).astype(np.uint8) for k in (1.0, 0.6, 0.35, 0.15)]
        blur = [fr] + [cv2.GaussianBlur(fr, (0, 0), s) for s in (2, 4, 8)]
        for series in (dark, blur):
            s = _scores(series)
            assert all(a > b for a, b in itertools.pairwise(s)), s
        assert any("too dark" in r for r in assess_quality(_still(dark[-1])).reasons)
        assert any("blurred" in r for r in assess_quality(_still(blur[-1])).reasons)


def test_overgain_noise_and_lost_contact_are_named(shared_data: Path) -> None:
    fr = _real_frames(shared_data)[1]
    f32 = fr.astype(np.float32)
    over = np.clip(f32 * 4 + 120, 0, 255).astype(np.uint8)
    rep = assess_quality(_still(over))
    assert any("bright" in r or "white-clipped" in r or "washed out" in r for r in rep.reasons)
    base = assess_quality(_still(fr))
    mask = base.scan_area["bbox"]
    noisy = f32.copy()
    x0, y0, x1, y1 = mask
    noisy[y0:y1, x0:x1] += np.random.default_rng(0).normal(0, 16, noisy[y0:y1, x0:x1].shape)
    rep = assess_quality(_still(np.clip(noisy, 0, 255).astype(np.uint8)))
    assert any("noise" in r for r in rep.reasons) and rep.score < base.score
    # lost contact is judged in the known imaging area (here the frame's own, as the whole
    # clip's or the file's Regions would give): detected on the blanked still, the dark
    # wedge would simply fall outside the area
    area = find_scan_area(_still(fr))
    wedge = fr.copy()
    wedge[:, : int(0.45 * fr.shape[1])] = 0
    rep = assess_quality(_still(wedge), area=area)
    assert any("contact lost on the left" in r for r in rep.reasons), rep.reasons
    assert not any("contact" in r for r in assess_quality(_still(fr), area=area).reasons)


def test_clip_faults_frozen_and_shaking() -> None:
    frames, _ = speckle_clip(n=16)
    frozen = np.repeat(frames[:1], 16, axis=0)
    rep = assess_quality(ArrayClip(frozen, fps=25))
    assert any("repeated frames" in r for r in rep.reasons)
    rng = np.random.default_rng(3)
    shaken = np.stack(
        [np.roll(f, (int(rng.integers(-25, 26)), int(rng.integers(-25, 26))), axis=(0, 1)) for f in frames]
    )
    steady = assess_quality(ArrayClip(frames, fps=25))
    moved = assess_quality(ArrayClip(shaken, fps=25))
    assert moved.metrics["motion"] > steady.metrics["motion"]
    assert moved.score < steady.score
    assert any("hold still" in r or "shakes" in r for r in moved.reasons)


def test_thresholds_are_configurable() -> None:
    frames, _ = speckle_clip(n=1)
    img = (frames[0].astype(np.float32) * 0.5).astype(np.uint8)
    lenient = assess_quality(_still(img), thresholds=QualityThresholds(dark_mean=1.0))
    strict = assess_quality(_still(img), thresholds=QualityThresholds(dark_mean=60.0))
    assert strict.components["gain"] < lenient.components["gain"]
    assert any("too dark" in r for r in strict.reasons)


@pytest.mark.parametrize("shape", [(1, 40, 50), (3, 64, 64, 3)])
def test_tiny_or_blank_input_does_not_crash(shape: tuple[int, ...]) -> None:
    rep = assess_quality(ArrayClip(np.zeros(shape, np.uint8)))
    assert 0 <= rep.score <= 100


# ---- degradation ladders on real frames: rung 0 is the original, each rung is worse


_CLIPS = (
    "lung-blus/lus_videos/patient_35_R1.mp4",
    "lung-blus/lus_videos/patient_12_L1.mp4",
    "lung/pocus_videos/convex/Reg_pat1Image_132943.mpeg",
)


def _real_clips(shared_data: Path, n: int = 12) -> list[np.ndarray]:
    out = []
    for rel in _CLIPS:
        cap = cv2.VideoCapture(str(shared_data / rel))
        frames = []
        while len(frames) < 5 + n:
            ok, f = cap.read()
            assert ok, rel
            frames.append(np.ascontiguousarray(f[..., ::-1]))
        cap.release()
        out.append(np.stack(frames[5:]))
    return out


def _ladders(fr: np.ndarray, area: ScanArea) -> dict[str, list[np.ndarray]]:
    f32 = fr.astype(np.float32)
    noise = np.random.default_rng(0).normal(0, 1, fr.shape).astype(np.float32) * area.mask[..., None]
    px = to_gray(fr)[area.mask].astype(np.float32)
    sat0 = float(np.mean(px >= 250))  # already white: thin marks (calipers, text) on some frames
    gains = [250.0 / max(1.0, float(np.percentile(px, 100 * (1 - sat0 - s)))) for s in (0.05, 0.15, 0.3)]
    ys, xs = np.nonzero(area.mask)
    ang = np.arctan2(xs - area.apex[0], ys - area.apex[1]) if area.apex is not None else xs.astype(float)
    lo, hi = np.percentile(ang, [0.5, 99.5])
    wedges = []
    for frac in (0.15, 0.3, 0.45):
        g = f32.copy()
        sel = ang <= lo + frac * (hi - lo)
        g[ys[sel], xs[sel]] = 0
        wedges.append(g)
    out = {
        "dark": [f32 * f for f in (1.0, 0.6, 0.35, 0.15)],
        "overgain": [f32] + [f32 * max(1.0, g) + 2 for g in np.maximum.accumulate(gains)],
        "blur": [f32] + [cv2.GaussianBlur(f32, (0, 0), s) for s in (2, 4, 8)],
        "noise": [f32] + [f32 + s * noise for s in (4, 8, 16)],
        "wedge": [f32, *wedges],
    }
    return {k: [np.clip(v, 0, 255).astype(np.uint8) for v in vs] for k, vs in out.items()}


_EXPECT = {
    "dark": ("gain", "image too dark: raise gain"),
    "overgain": ("saturation", "white-clipped"),
    "blur": ("sharpness", "image is blurred"),
    "noise": ("noise", "grainy image (electronic noise)"),
    "wedge": ("contact", "contact lost on the left"),
}


def test_each_fault_lowers_score_and_its_metric_and_is_named(shared_data: Path) -> None:
    for clip in _real_clips(shared_data, n=1):
        fr = clip[0]
        area = find_scan_area(ArrayClip(fr[None]))
        for kind, rungs in _ladders(fr, area).items():
            # the wedge is judged in the original's scan area (blanked beams would drop out of
            # an area detected anew on the still)
            reps = [assess_quality(_still(im), area=area if kind == "wedge" else None) for im in rungs]
            comp, words = _EXPECT[kind]
            scores = [r.score for r in reps]
            values = [r.components[comp] for r in reps]
            assert all(a > b for a, b in itertools.pairwise(scores)), (kind, scores)
            assert all(a >= b for a, b in itertools.pairwise(values)), (kind, values)
            assert values[-1] < 0.6, (kind, values)
            assert any(words in r for r in reps[-1].reasons), (kind, reps[-1].reasons)
            assert not any(words in r for r in reps[0].reasons), (kind, reps[0].reasons)


def test_shaking_a_real_clip_lowers_stability_and_says_hold_still(shared_data: Path) -> None:
    for frames in _real_clips(shared_data)[:2]:
        area = find_scan_area(ArrayClip(frames))
        unit = np.random.default_rng(1).normal(0, 1, (len(frames), 2))
        reps = []
        for amp in (0.0, 0.01, 0.025, 0.06):
            moved = []
            for f, (dx, dy) in zip(frames, np.round(unit * amp * frames.shape[1]), strict=True):
                s = cv2.warpAffine(
                    f,
                    np.float32([[1, 0, dx], [0, 1, dy]]),
                    f.shape[1::-1],
                    flags=cv2.INTER_NEAREST,
                    borderMode=cv2.BORDER_REFLECT,
                )
                moved.append(np.where(area.mask[..., None], s, f))
            reps.append(assess_quality(ArrayClip(np.stack(moved), fps=30.0)))
        scores = [r.score for r in reps]
        jitter = [r.metrics["jitter"] for r in reps]
        assert all(a > b for a, b in itertools.pairwise(scores)), scores
        assert all(a < b for a, b in itertools.pairwise(jitter)), jitter
        assert not any("hold still" in r for r in reps[0].reasons), reps[0].reasons
        assert any(r.startswith("probe moving") and "hold still" in r for r in reps[-1].reasons)


def test_phase_correlation_measures_a_known_shift(shared_data: Path) -> None:
    from imgtrainer.analysis.quality_motion import motion_metrics

    g = to_gray(_real_clips(shared_data, n=1)[0][0])
    mask = find_scan_area(ArrayClip(g[None])).mask
    h = g.shape[0]
    for d in (3, 10):
        moved = np.where(mask, np.roll(g, d, axis=0), g)
        m = motion_metrics([(g, moved, 1.0)], mask)
        assert m.motion == pytest.approx(d / h, rel=0.15), (d, m.motion)


# ---- the readings that keep one fault from paying back another


_DICOMS = (
    "dicom/pydicom-data/US1_UNCR.dcm",  # small parts, white text and calipers inside the area
    "dicom/dicomParser/IM00001.implicit_little_endian.dcm",  # small echo cine with Regions
)


def test_dicom_frames_fall_on_every_rung_with_their_regions(shared_data: Path) -> None:
    for rel in _DICOMS:
        with open_clip(shared_data / rel) as c:
            fr = c.frame(min(5, c.n_frames - 1))
            regions = tuple(c.regions)

        def still(im: np.ndarray, regions: tuple = regions) -> ArrayClip:
            return ArrayClip(np.ascontiguousarray(im)[None], regions=regions)

        area = find_imaged_area(still(fr))
        for kind, rungs in _ladders(fr, area).items():
            reps = [assess_quality(still(im), area=area if kind == "wedge" else None) for im in rungs]
            comp, words = _EXPECT[kind]
            scores = [r.score for r in reps]
            assert all(a > b for a, b in itertools.pairwise(scores)), (rel, kind, scores)
            values = [r.components[comp] for r in reps]
            assert all(a >= b for a, b in itertools.pairwise(values)), (rel, kind, values)
            assert any(words in r for r in reps[-1].reasons), (rel, kind, reps[-1].reasons)


def test_thin_white_marks_are_not_white_clipping_but_overgain_is(shared_data: Path) -> None:
    g = to_gray(_real_clips(shared_data, n=1)[0][0])
    mask = find_scan_area(ArrayClip(g[None])).mask
    marked = g.copy()
    ys, xs = np.nonzero(mask)
    cx, cy = int(xs.mean()), int(ys.mean())
    cv2.putText(marked, "D1 2.35 cm", (cx - 80, cy), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 255, 1)
    cv2.line(marked, (cx - 60, cy + 30), (cx + 60, cy + 60), 255, 1)
    cv2.drawMarker(marked, (cx, cy - 40), 255, cv2.MARKER_CROSS, 12, 2)
    assert np.mean(marked[mask] >= 250) > 0.002  # the marks are there, and white
    assert gain_metrics(marked, mask).saturated_fraction < 0.001
    over = np.clip(g.astype(np.float32) * 4, 0, 255).astype(np.uint8)
    assert gain_metrics(over, mask).saturated_fraction > 0.05


def test_added_noise_neither_lights_a_lost_wedge_nor_brightens_the_image(shared_data: Path) -> None:
    fr = _real_clips(shared_data, n=1)[2][0]
    area = find_scan_area(ArrayClip(fr[None]))
    g = to_gray(fr).astype(np.float32)
    ys, xs = np.nonzero(area.mask)
    g[ys[xs < np.percentile(xs, 30)], xs[xs < np.percentile(xs, 30)]] = 0
    noise = np.random.default_rng(0).normal(0, 16, g.shape) * area.mask
    clean = assess_quality(_still(g.astype(np.uint8)), area=area)
    noisy = assess_quality(_still(np.clip(g + noise, 0, 255).astype(np.uint8)), area=area)
    assert clean.metrics["contact_lost_fraction"] > 0.12
    assert noisy.metrics["contact_lost_fraction"] >= clean.metrics["contact_lost_fraction"] - 0.02
    assert noisy.metrics["mean"] == pytest.approx(clean.metrics["mean"], abs=1.5)
    assert noisy.metrics["black_fraction"] >= clean.metrics["black_fraction"] - 0.03
    assert noisy.score < clean.score


def test_blank_frames_are_left_out_of_a_clip(shared_data: Path) -> None:
    frames = _real_clips(shared_data, n=5)[0]
    steady = assess_quality(ArrayClip(frames, fps=25.0))
    blanked = assess_quality(ArrayClip(np.concatenate([np.zeros_like(frames[:1]), frames]), fps=25.0))
    assert any("blank" in w for w in blanked.warnings)
    assert not any("blank" in w for w in steady.warnings)
    for key in ("mean", "gcnr", "noise_sigma"):
        assert blanked.metrics[key] == pytest.approx(steady.metrics[key], rel=0.1, abs=0.5), key
