"""Analysis benchmarks and validation runs. From the repository root:

    python benchmarks/analysis.py speed              # quality + lung assist vs real time (800x600, 30 fps)
    python benchmarks/analysis.py degrade [--n 40] [--half dev|held-out]   # degradations of real frames
    python benchmarks/analysis.py lung [--quick] [--json F] [--write-model]  # validation protocol
    python benchmarks/analysis.py synth [--n 40] [--cache DIR]     # lung assist vs synthetic truth
    python benchmarks/analysis.py synth --blus | --library cases   # sliding on real clips; demo keys

``lung`` is the validation protocol (``benchmarks/lung_protocol.py``): nested cross-validation
grouped by patient on BLUS (everything fitted or chosen inside the training folds), every
method scored alone, cross-dataset (BLUS -> mixed devices and reverse), 95% intervals by
bootstrap over patients, and the suggested LUS against the BLUS severity. The expensive part,
analysing every labelled clip, is cached (``benchmarks/lung_cache.py``, default
``/tmp/imgtrainer-lung-cache``) and reused. ``--write-model`` refits the built-in model
(``imgtrainer/analysis/lung_model.json``) with the same recipe on every BLUS clip.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = (ROOT / ".." / "shared" / "data").resolve()
sys.path.insert(0, str(ROOT))

from imgtrainer.analysis.lung import (  # noqa: E402
    assess_lung,
)
from imgtrainer.analysis.quality import assess_quality  # noqa: E402
from imgtrainer.media import open_clip  # noqa: E402
from imgtrainer.media.clip import ArrayClip, Clip  # noqa: E402
from imgtrainer.media.scanarea import ScanArea, find_imaged_area, find_scan_area, to_gray  # noqa: E402

# --------------------------------------------------------------------------- speed


def speed(args: argparse.Namespace) -> None:
    src = open_clip(DATA / "lung-blus/lus_videos/patient_35_R1.mp4")
    n = int(args.seconds * 30)
    frames = np.stack([cv2.resize(src.frame(i % src.n_frames), (800, 600)) for i in range(n)])
    clip = ArrayClip(frames, fps=30.0)
    t0 = time.perf_counter()
    area = find_scan_area(clip)
    q = assess_quality(clip, area=area)
    t1 = time.perf_counter()
    lung = assess_lung(clip, area=area)
    t2 = time.perf_counter()
    dur = clip.duration_s
    print(f"clip: {n} frames 800x600 at 30 fps = {dur:.1f} s (in memory)")
    print(
        f"quality: {t1 - t0:.2f} s (score {q.score:.1f}); lung assist: {t2 - t1:.2f} s (LUS {lung.lus_score})"
    )
    print(f"analysis speed: {dur / (t2 - t0):.1f}x real time (target >= 10x)")
    path = DATA / "lung-blus/lus_videos/patient_35_R1.mp4"
    t3 = time.perf_counter()
    with open_clip(path) as c:
        area = find_scan_area(c)
        assess_quality(c, area=area)
        assess_lung(c, area=area)
        real = c.duration_s
    t4 = time.perf_counter()
    print(
        f"from file incl. decoding ({path.name}, {real:.1f} s): {t4 - t3:.2f} s = {real / (t4 - t3):.1f}x real time"
    )


# --------------------------------------------------------------------------- degradations

# The metric (component) each fault should lower, and words its reason should contain.
_EXPECTED = {
    "dark": ("gain", ("too dark",)),
    "overgain": ("saturation", ("too bright", "white-clipped")),
    "blur": ("sharpness", ("blurred",)),
    "noise": ("noise", ("noise",)),
    "wedge": ("contact", ("contact lost",)),
    "shake": ("jitter", ("hold still",)),
}
# Faults of the original that the degradation itself relieves (darkening a white-clipped or
# washed-out frame, blurring a grainy one): there the first rung can rightly score higher.
_RELIEVED = {"dark": ("too bright", "white-clipped", "washed out"), "blur": ("grainy",)}


def degradations(fr: np.ndarray, area: ScanArea, rng: np.random.Generator) -> dict[str, list[np.ndarray]]:
    """Four-rung ladders per fault; rung 0 is the original and each rung is worse than the last.

    Darkening uses the acceptance check's factors. Over-gain starts from the frame's own gain
    and raises it until a further 5 %, 15 %, then 30 % of the scan area is white-clipped
    beyond what already is (a fixed gain step can improve a dark frame; clipping only gets
    worse). The lost-contact wedge blanks the first 15/30/45 % of the beams (by angle from
    the apex, or by column on a rectangle).
    """
    mask = area.mask
    f32 = fr.astype(np.float32)
    m3 = mask[..., None] if fr.ndim == 3 else mask
    noise = rng.normal(0, 1, fr.shape).astype(np.float32)
    px = to_gray(fr)[mask].astype(np.float32)
    sat0 = float(np.mean(px >= 250))  # already white (often thin marks: calipers, text)
    gains = [
        max(1.0, 250.0 / max(float(np.percentile(px, 100 * (1 - min(0.95, sat0 + s)))), 1.0))
        for s in (0.05, 0.15, 0.3)
    ]
    out = {
        "dark": [np.clip(f32 * f, 0, 255) for f in (1.0, 0.6, 0.35, 0.15)],
        "overgain": [f32] + [np.clip(f32 * g + 2, 0, 255) for g in np.maximum.accumulate(gains)],
        "blur": [f32] + [cv2.GaussianBlur(f32, (0, 0), s) for s in (2, 4, 8)],
        "noise": [f32] + [np.clip(f32 + s * noise * m3, 0, 255) for s in (4, 8, 16)],
        "wedge": [f32] + [_wedge(f32, area, f) for f in (0.15, 0.3, 0.45)],
    }
    return {k: [v.astype(np.uint8) for v in vs] for k, vs in out.items()}


def _wedge(f32: np.ndarray, area: ScanArea, frac: float) -> np.ndarray:
    ys, xs = np.nonzero(area.mask)
    if area.apex is not None:
        ang = np.arctan2(xs - area.apex[0], ys - area.apex[1])  # negative = left of the axis
        lo, hi = np.percentile(ang, [0.5, 99.5])
        sel = ang <= lo + frac * (hi - lo)
    else:
        x0, _, x1, _ = area.bbox
        sel = xs <= x0 + frac * (x1 - x0)
    g = f32.copy()
    g[ys[sel], xs[sel]] = 0
    return g


def _shown_frame(clip: Clip, start: int) -> int:
    """The first frame from ``start`` on that shows an image (a blank frame cannot get worse)."""
    for i in range(min(start, clip.n_frames - 1), clip.n_frames):
        if float(np.percentile(to_gray(clip.frame(i)), 99)) > 12.0:
            return i
    return min(start, clip.n_frames - 1)


def shake_ladder(
    frames: np.ndarray,
    fps: float,
    area: ScanArea,
    rng: np.random.Generator,
    regions: tuple = (),
) -> list[ArrayClip]:
    """The clip with random whole-pixel translations of its content (std 0, 1, 2.5, 6 % of
    the height per frame) inside a fixed scan area, as when the probe shakes."""
    h = frames.shape[1]
    unit = rng.normal(0, 1, (len(frames), 2))
    m = area.mask[..., None] if frames.ndim == 4 else area.mask
    out = []
    for amp in (0.0, 0.01, 0.025, 0.06):
        moved = []
        for f, (dx, dy) in zip(frames, np.round(unit * amp * h), strict=True):
            shift = np.float32([[1, 0, dx], [0, 1, dy]])
            s = cv2.warpAffine(
                f, shift, (f.shape[1], f.shape[0]), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_REFLECT
            )
            moved.append(np.where(m, s, f))
        out.append(ArrayClip(np.stack(moved), fps=fps, regions=regions))
    return out


def _degrade_files(n: int, half: str) -> list[Path]:
    """Every k-th lung video, plus the ultrasound DICOMs; ``held-out`` takes the files
    halfway between the ``dev`` ones (and a later frame, see ``degrade``)."""
    import pydicom

    out = []
    for vids in (
        sorted((DATA / "lung-blus/lus_videos").glob("*.mp4")),
        sorted(p for p in (DATA / "lung/pocus_videos").rglob("*") if p.is_file()),
    ):
        k = max(1, len(vids) // max(1, n // 2))
        out += vids[(k // 2 if half == "held-out" else 0) :: k]
    for p in sorted((DATA / "dicom").rglob("*.dcm")):
        try:
            ds = pydicom.dcmread(p, stop_before_pixels=True, force=True)
            if ds.get("Modality") == "US" and int(ds.get("Rows", 0) or 0) >= 200:
                out.append(p)
        except Exception:  # not a readable DICOM header: not part of the set
            continue
    return out


def degrade(args: argparse.Namespace) -> None:
    rng = np.random.default_rng(0)
    start = 5 if args.half == "dev" else 20
    res: dict[str, list[tuple[bool, bool, bool, bool]]] = {}
    seen_keys: list[np.ndarray] = []
    skipped: dict[str, int] = {}
    t0 = time.perf_counter()
    for p in _degrade_files(args.n, args.half):
        try:
            with open_clip(p) as c:
                i0 = _shown_frame(c, start)
                fr = c.frame(i0)
                regions = tuple(c.regions)
                clip = None
                if c.n_frames >= 13:
                    s = min(i0, c.n_frames - 12)
                    clip = (np.stack([c.frame(s + j) for j in range(12)]), float(c.fps or 30.0))
        except Exception as exc:
            print(f"skip {p.name}: {exc}")
            continue
        key = cv2.resize(to_gray(fr), (16, 16), interpolation=cv2.INTER_AREA).astype(np.int16)
        if any(np.abs(key - k).mean() < 2.0 for k in seen_keys):
            continue  # the same image in another transfer syntax (lossy ones differ a little)
        seen_keys.append(key)
        # a degraded DICOM frame keeps its header, hence its Ultrasound Regions (videos have none)
        area = find_imaged_area(ArrayClip(fr[None], regions=regions))
        series: dict[str, list[ArrayClip]] = {
            k: [ArrayClip(im[None], regions=regions) for im in ims]
            for k, ims in degradations(fr, area, rng).items()
        }
        if clip is not None:
            moving = find_imaged_area(ArrayClip(clip[0], regions=regions))
            series["shake"] = shake_ladder(clip[0], clip[1], moving, rng, regions)
        for kind, clips in series.items():
            if any(np.array_equal(a.frame(0), b.frame(0)) for a, b in itertools.pairwise(clips)):
                # no worse image exists (e.g. a mostly black frame already fully clipped by
                # the previous over-gain rung): not a ladder, so not counted
                skipped[kind] = skipped.get(kind, 0) + 1
                continue
            # the wedge is judged against the frame's own scan area (as from a DICOM region or
            # the whole clip): detected on the degraded still, the blanked beams drop out of it
            fixed = kind == "wedge" or (args.fixed_area and kind != "shake")
            reps = [assess_quality(c, area=area if fixed else None) for c in clips]
            comp, words = _EXPECTED[kind]
            s = [r.score for r in reps]
            v = [r.components[comp] for r in reps]
            relieved = any(w in r for w in _RELIEVED.get(kind, ()) for r in reps[0].reasons)
            ok = (
                all(a > b for a, b in itertools.pairwise(s)),
                all(a >= b - 1e-9 for a, b in itertools.pairwise(v)),
                any(w in r for w in words for r in reps[-1].reasons),
                relieved,
            )
            res.setdefault(kind, []).append(ok)
            if args.verbose and not all(ok[:3]):
                print(
                    f"  {kind} {p.name}: scores {[round(x, 1) for x in s]} {comp} {[round(x, 3) for x in v]}"
                )
    where = "the original's" if args.fixed_area else "detected on each image (wedge: the original's)"
    print(f"{args.half} half: {len(seen_keys)} frames, scan area {where}, {time.perf_counter() - t0:.0f} s")
    if skipped:
        print(
            "ladders left out (two rungs the same image): "
            + ", ".join(f"{k} {n}" for k, n in skipped.items())
        )
    print(
        "fault     score falls  its metric falls  reason names it   (n)   score falls, original without a relieved fault (n)"
    )
    for k, oks in res.items():
        arr = np.array(oks, dtype=bool)
        a = arr.mean(axis=0)
        keep = arr[~arr[:, 3]]
        print(
            f"{k:9s} {a[0]:10.0%} {a[1]:16.0%} {a[2]:15.0%}   ({len(oks)})   {keep[:, 0].mean():.0%} ({len(keep)})"
        )


# --------------------------------------------------------------------------- lung labels


def lung(args: argparse.Namespace) -> None:
    """The validation protocol (``lung_protocol``) on the cached features of every labelled clip."""
    import json

    import lung_cache
    import lung_protocol

    cache = Path(args.cache)
    t0 = time.perf_counter()
    lung_cache.extract(DATA, cache)  # only clips not cached yet
    clips = lung_cache.load(DATA, cache)
    print(f"{len(clips)} labelled clips ({time.perf_counter() - t0:.0f} s to load or extract)")
    results = lung_protocol.run(clips, cache, methods=not args.quick)
    if not args.quick:
        print(lung_protocol.markdown(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=float))
        print(f"figures written to {args.json}")
    if args.write_model:
        write_model(clips, cache, results)


def write_model(clips: list, cache: Path, results: dict) -> None:
    """Fit the shipped model with the protocol's recipe on every BLUS clip and write it to
    ``imgtrainer/analysis/lung_model.json``."""
    import lung_cache
    import lung_protocol

    from imgtrainer.analysis.lung_fit import fit_decision
    from imgtrainer.analysis.lung_model import BUILT_IN, CANDIDATE_SETS, LungModel, save_lung_model

    feats = lung_protocol.features(clips, cache)
    groups = np.array([c.group for c in clips])
    blus = np.array([c.source == lung_cache.BLUS for c in clips])
    fitted = {}
    for which in ("b", "a"):
        lab = blus & np.array([getattr(c, which) is not None for c in clips])
        y = np.array([bool(getattr(c, which)) for c in clips])[lab]
        dec, _ = fit_decision({k: v[lab] for k, v in feats.items()}, y, groups[lab], CANDIDATE_SETS[which])
        fitted[which] = dec
        print(
            f"{which}: chose {'+'.join(dec.features)} ({dec.family}), CV BA {dec.cv_ba:.3f}, band +-{dec.margin}"
        )
    lus = results["lus"]
    rule = lung_protocol.choose_lus_rule(lus["rules"])  # on held-out decisions, as in the folds
    model = LungModel(b=fitted["b"], a=fitted["a"], lus_rule=rule)
    notes = {
        "fitted": f"benchmarks/analysis.py lung --write-model on {int(blus.sum())} BLUS clips (25 patients)",
        "b": f"nested held-out BA {results['b']['blus']['nested']['ba']:.3f}",
        "a": f"nested held-out BA {results['a']['blus']['nested']['ba']:.3f}",
        "lus": f"rule {rule!r}, held-out quadratic kappa {lus['kappa']:.3f}",
    }
    save_lung_model(model, BUILT_IN, notes=notes)
    print(f"wrote {BUILT_IN}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("speed")
    s.add_argument("--seconds", type=float, default=10.0)
    d = sub.add_parser("degrade")
    d.add_argument("--n", type=int, default=40)
    d.add_argument("--half", choices=("dev", "held-out"), default="dev", help="which files and frame")
    d.add_argument("--verbose", action="store_true", help="list every failing ladder")
    d.add_argument(
        "--fixed-area",
        action="store_true",
        help="judge stills in the original's scan area, not one detected anew",
    )
    l = sub.add_parser("lung", help="the validation protocol on the labelled clips")  # noqa: E741
    l.add_argument("--cache", default="/tmp/imgtrainer-lung-cache", help="feature cache folder (reused)")
    l.add_argument("--quick", action="store_true", help="only the shipped recipe, not every method")
    l.add_argument("--json", help="write every figure to this file")
    l.add_argument("--write-model", action="store_true", help="refit the built-in model on all BLUS clips")
    y = sub.add_parser("synth", help="lung assist vs synthetic clips with known truth")
    y.add_argument("--n", type=int, default=40, help="number of clips in the grid")
    y.add_argument("--frames", type=int, default=30, help="frames per clip")
    y.add_argument("--cache", help="folder keeping rendered clips between runs")
    y.add_argument("--json", help="write per-clip results and the summary to this file")
    y.add_argument("--blus", action="store_true", help="instead: share of real BLUS clips called 'absent'")
    y.add_argument("--blus-limit", type=int, help="only the first N BLUS clips")
    y.add_argument("--library", help="instead: check the demo library's lung cases in this folder (cases/)")
    y.add_argument("--data", default=str(DATA), help="the shared data folder")
    a = ap.parse_args()
    {"speed": speed, "degrade": degrade, "lung": lung, "synth": _synth}[a.cmd](a)


def _synth(args: argparse.Namespace) -> None:
    from lung_synth import synth  # benchmarks/lung_synth.py (the synthetic-truth harness)

    synth(args)


if __name__ == "__main__":
    main()
