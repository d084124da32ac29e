"""Analysis benchmarks and validation runs. From the repository root:

    python benchmarks/analysis.py speed              # quality + lung assist vs real time (800x600, 30 fps)
    python benchmarks/analysis.py degrade [--n 40] [--half dev|held-out]   # degradations of real frames
    python benchmarks/analysis.py lung [--fit] [--cv] [--cache F]  # lung assist vs expert labels
    python benchmarks/analysis.py synth [--n 40] [--cache DIR]     # lung assist vs synthetic truth
    python benchmarks/analysis.py synth --blus | --library cases   # sliding on real clips; demo keys

``lung`` computes the assist's features on every labelled clip, reports sensitivity,
specificity and balanced accuracy per source and the suggested LUS score's agreement with the
BLUS experts' severity (quadratic kappa and the 4x4 table). With ``--fit`` it refits the
model's recipe (equal signed weights on standardised features, threshold midway between the
classes' median scores) on half of the BLUS patients, reports the held-out half, and prints
the weights fitted on all of them. ``--cv`` estimates how the recipe does on new patients: fit
on a random half of the BLUS patients, score the other half, repeated 3 x 40 times, and leave
one patient out; also ranks each candidate feature alone the same way.
``--cache F`` stores the computed features so that reruns skip the video decoding.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import re
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = (ROOT / ".." / "shared" / "data").resolve()
sys.path.insert(0, str(ROOT))

from imgtrainer.analysis.lung import (  # noqa: E402
    A_FEATURES,
    B_FEATURES,
    CANDIDATES,
    DEFAULT_MODEL,
    FEATURES,
    LungModel,
    assess_lung,
)
from imgtrainer.analysis.lung_model import balanced_accuracy as _ba  # noqa: E402
from imgtrainer.analysis.lung_model import fit_weights  # noqa: E402
from imgtrainer.analysis.quality import assess_quality  # noqa: E402
from imgtrainer.annotate.agreement import cohen_kappa  # noqa: E402
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


def _yes(v: str) -> bool | None:
    return {"yes": True, "1": True, "1.0": True, "no": False, "0": False, "0.0": False}.get(
        (v or "").strip().lower()
    )


def _rows() -> list[dict[str, str]]:
    rows = []
    for labels in (DATA / "lung-blus/labels.csv", DATA / "lung/labels.csv"):
        with open(labels, newline="") as fh:
            rows += [r for r in csv.DictReader(fh) if r["media_type"] == "video"]
    return rows


def _patient(r: dict[str, str]) -> str:
    m = re.search(r"patient_(\d+)", r["file"])
    return f"blus{m.group(1)}" if m else r["file"]


def _recipe(xs: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """The model's fitting recipe (``imgtrainer.analysis.lung_model.fit_weights``): equal signed
    weights on standardised features, threshold midway between the classes' median scores.
    Measured against a class-balanced L2 logistic fit and the earlier equal-weight +
    best-training-accuracy bias on the patient-grouped halves: this held out best."""
    return fit_weights(xs, y)


def lung(args: argparse.Namespace) -> None:
    rows = _rows()
    feats, keep, lus = [], [], []
    t0 = time.perf_counter()
    cache = Path(args.cache) if args.cache else None
    if cache and cache.exists():
        import pickle

        names, feats, keep, *rest = pickle.loads(cache.read_bytes())
        lus = rest[0] if rest else []
        feats = [[f[names.index(k)] for k in CANDIDATES] for f in feats]  # KeyError: stale cache
        rows = []
    for r in rows:
        try:
            with open_clip(DATA / r["file"]) as c:
                rep = assess_lung(c)
        except Exception as exc:
            print(f"fail {r['file']}: {exc}")
            continue
        feats.append([rep.features.get(k, 0.0) for k in CANDIDATES])
        keep.append((r, rep.b_lines["present"], rep.a_lines["present"]))
        lus.append(rep.lus_score)
    print(f"{len(keep)} clips in {time.perf_counter() - t0:.0f} s")
    if cache and not cache.exists():
        import pickle

        cache.write_bytes(pickle.dumps((list(CANDIDATES), feats, keep, lus)))
    x = np.array(feats)[:, : len(FEATURES)]
    blus = np.array([r["source"] == "NinaWie/COVID-BLUES" for r, _, _ in keep])
    model = DEFAULT_MODEL
    if args.fit:
        model = _refit(x, keep, blus)
    _report(x, keep, model)
    _lus_agreement(keep, lus)
    if args.cv:
        _grouped_cv(np.array(feats), keep, blus)


def _fit_predict(xtr: np.ndarray, ytr: np.ndarray, xte: np.ndarray) -> np.ndarray:
    """The model recipe (``_recipe``) fitted on ``xtr`` and applied to ``xte``."""
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-9
    w, b = _recipe((xtr - mu) / sd, ytr)
    return ((xte - mu) / sd @ w + b) > 0


def _halves_ba(x: np.ndarray, y: np.ndarray, pats: np.ndarray, n: int = 40, seeds=(1, 2, 3)) -> float:
    """Mean balanced accuracy on held-out patient halves (n random halves per seed)."""
    up = sorted(set(pats))
    out = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for _ in range(n):
            tr = np.isin(pats, list(rng.permutation(up)[: len(up) // 2]))
            if len(set(y[tr])) < 2 or len(set(y[~tr])) < 2:
                continue
            out.append(_ba(list(zip(y[~tr], _fit_predict(x[tr], y[tr], x[~tr]), strict=True)))[0])
    return float(np.mean(out))


def _grouped_cv(allx: np.ndarray, keep: list, blus: np.ndarray) -> None:
    pats = np.array([_patient(r) for r, _, _ in keep])[blus]
    for which, col, names in (("b", "b_lines", B_FEATURES), ("a", "a_lines", A_FEATURES)):
        y = np.array([_yes(r[col]) for r, _, _ in keep], dtype=object)[blus]
        lab = np.array([v is not None for v in y])
        yy = np.array([bool(v) for v in y[lab]])
        xb = allx[blus][lab]
        sel = [CANDIDATES.index(k) for k in names]
        ba = _halves_ba(xb[:, sel], yy, pats[lab])
        pooled = np.zeros(len(yy), bool)
        for q in sorted(set(pats[lab])):  # leave one patient out, predictions pooled
            te = pats[lab] == q
            pooled[te] = _fit_predict(xb[~te][:, sel], yy[~te], xb[te][:, sel])
        lopo = _ba(list(zip(yy, pooled, strict=True)))[0]
        yo = np.array([_yes(r[col]) for r, _, _ in keep], dtype=object)[~blus]
        lo = np.array([v is not None for v in yo])
        xo = allx[~blus][lo][:, sel]
        other = _ba(list(zip([bool(v) for v in yo[lo]], _fit_predict(xb[:, sel], yy, xo), strict=True)))
        print(
            f"{which}: model features {names}: patient-held-out BA {ba:.3f} (3 x 40 halves), "
            f"{lopo:.3f} (leave one patient out); fitted on BLUS, other machines BA {other[0]:.3f} "
            f"(sens {other[1]:.2f} spec {other[2]:.2f} n={other[3]})"
        )
        alone = sorted(
            ((_halves_ba(xb[:, [j]], yy, pats[lab], n=10, seeds=(1,)), k) for j, k in enumerate(CANDIDATES)),
            reverse=True,
        )
        print("   single features (10 halves): " + ", ".join(f"{k} {v:.2f}" for v, k in alone[:6]))


def _refit(x: np.ndarray, keep: list, blus: np.ndarray) -> LungModel:
    pats = np.array([_patient(r) for r, _, _ in keep])
    upats = sorted(set(pats[blus]))
    rng = np.random.default_rng(1)
    half = set(rng.permutation(upats)[: len(upats) // 2])
    train = blus & np.isin(pats, list(half))
    test = blus & ~np.isin(pats, list(half))
    mu = x[blus].mean(0)
    sd = x[blus].std(0) + 1e-9
    xs = (x - mu) / sd
    weights = {}
    for which, col, names in (("b", "b_lines", B_FEATURES), ("a", "a_lines", A_FEATURES)):
        sel = np.array([f in names for f in FEATURES])
        y = np.array([_yes(r[col]) for r, _, _ in keep], dtype=object)
        lab = np.array([v is not None for v in y])
        yy = np.array([bool(v) for v in y])
        w, b = _recipe(xs[train & lab][:, sel], yy[train & lab])
        p = xs[:, sel] @ w + b > 0
        te = _ba(list(zip(yy[test & lab], p[test & lab], strict=True)))
        tr = _ba(list(zip(yy[train & lab], p[train & lab], strict=True)))
        print(
            f"{which}: held-out half BA {te[0]:.3f} sens {te[1]:.3f} spec {te[2]:.3f} (train half BA {tr[0]:.3f})"
        )
        w_all, b_all = _recipe(xs[blus & lab][:, sel], yy[blus & lab])
        full = np.zeros(len(FEATURES))
        full[sel] = w_all
        weights[which] = (full, b_all)
    model = LungModel(
        tuple(float(v) for v in mu),
        tuple(float(v) for v in sd),
        tuple(round(float(v), 4) for v in weights["b"][0]),
        round(weights["b"][1], 4),
        tuple(round(float(v), 4) for v in weights["a"][0]),
        round(weights["a"][1], 4),
    )
    print("fitted on all BLUS patients:")
    print(f"  mu={tuple(round(v, 5) for v in model.mu)}\n  sd={tuple(round(v, 5) for v in model.sd)}")
    print(
        f"  b_weights={model.b_weights}, b_bias={model.b_bias}\n  a_weights={model.a_weights}, a_bias={model.a_bias}"
    )
    return model


def _lus_agreement(keep: list, lus: list[int]) -> None:
    """Suggested LUS score against the BLUS experts' severity (0-3): quadratic kappa and table."""
    pairs = [
        (int(float(r["lung_severity_score"])), s)
        for (r, _, _), s in zip(keep, lus, strict=False)
        if r["source"] == "NinaWie/COVID-BLUES" and r["lung_severity_score"].strip()
    ]
    if not pairs:
        print("LUS: no suggested scores in this cache (rerun without --cache)")
        return
    ex, su = [p[0] for p in pairs], [p[1] for p in pairs]
    kq = cohen_kappa(ex, su, "quadratic", categories=range(4))
    exact = np.mean([a == b for a, b in pairs])
    within1 = np.mean([abs(a - b) <= 1 for a, b in pairs])
    print(
        f"LUS vs BLUS severity: quadratic kappa {kq:.3f}, exact {exact:.0%}, within one {within1:.0%}, n={len(pairs)}"
    )
    print("  expert \\ suggested  0   1   2   3")
    for e in range(4):
        print(
            f"  {e:17d} " + " ".join(f"{sum(1 for a, b in pairs if a == e and b == q):3d}" for q in range(4))
        )


def _report(x: np.ndarray, keep: list, model: LungModel) -> None:
    by: dict[tuple[str, str], list[tuple[bool, bool]]] = {}
    for feat, (r, _, _) in zip(x, keep, strict=True):
        fd = dict(zip(FEATURES, feat, strict=True))
        for which, col in (("b", "b_lines"), ("a", "a_lines")):
            y = _yes(r[col])
            if y is None:
                continue
            p = model.probability(fd, which) >= 0.5
            by.setdefault((r["source"], which), []).append((y, p))
    for (src, which), pairs in sorted(by.items()):
        ba, se, sp, n = _ba(pairs)
        name = "B-lines" if which == "b" else "A-lines"
        print(f"{src:28s} {name}: BA {ba:.3f} sens {se:.3f} spec {sp:.3f} n={n}")


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
    l = sub.add_parser("lung")  # noqa: E741
    l.add_argument("--fit", action="store_true")
    l.add_argument("--cv", action="store_true", help="patient-grouped held-out estimate")
    l.add_argument("--cache", help="pickle of computed features (written if absent, read if present)")
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
