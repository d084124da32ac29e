"""Analysis benchmarks and validation runs. From the repository root:

    python benchmarks/analysis.py speed              # quality + lung assist vs real time (800x600, 30 fps)
    python benchmarks/analysis.py degrade [--n 40]   # controlled degradations of real frames
    python benchmarks/analysis.py lung [--fit]       # lung assist vs expert labels (BLUS + POCUS sets)

``lung`` computes the assist's features on every labelled clip, reports sensitivity,
specificity and balanced accuracy per source, and with ``--fit`` refits the logistic
weights on half of the BLUS patients, reports the held-out half, and prints the weights.
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
from imgtrainer.analysis.quality import assess_quality  # noqa: E402
from imgtrainer.media import open_clip  # noqa: E402
from imgtrainer.media.clip import ArrayClip  # noqa: E402
from imgtrainer.media.scanarea import find_scan_area  # noqa: E402

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


def degradations(fr: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> dict[str, list[np.ndarray]]:
    """Four-step series per fault, mildest first (step 0 is the original)."""
    f32 = fr.astype(np.float32)
    m3 = mask[..., None] if fr.ndim == 3 else mask
    noise = rng.normal(0, 1, fr.shape).astype(np.float32)
    out = {
        "dark": [np.clip(f32 * f, 0, 255) for f in (1.0, 0.6, 0.35, 0.15)],
        "overgain": [f32] + [np.clip(f32 * g + o, 0, 255) for g, o in ((2, 40), (3, 80), (4, 120))],
        "blur": [f32] + [cv2.GaussianBlur(f32, (0, 0), s) for s in (2, 4, 8)],
        "noise": [f32] + [np.clip(f32 + s * noise * m3, 0, 255) for s in (4, 8, 16)],
        "wedge": [],
    }
    w = fr.shape[1]
    for f in (0.0, 0.15, 0.3, 0.45):
        g = f32.copy()
        g[:, : int(f * w)] = 0
        out["wedge"].append(g)
    return {k: [v.astype(np.uint8) for v in vs] for k, vs in out.items()}


_EXPECTED = {
    "dark": ("gain", "too dark"),
    "overgain": ("gain", "bright"),
    "blur": ("sharpness", "blurred"),
    "noise": ("noise", "noise"),
    "wedge": ("contact", "contact"),
}


def degrade(args: argparse.Namespace) -> None:
    from imgtrainer.media.scanarea import find_scan_area

    files = sorted((DATA / "lung-blus/lus_videos").glob("*.mp4"))[:: max(1, 141 // (args.n // 2))]
    files += sorted((DATA / "lung/pocus_videos").rglob("*.*"))[:: max(1, 57 // (args.n // 2))]
    rng = np.random.default_rng(0)
    mono: dict[str, int] = {}
    metric_ok: dict[str, int] = {}
    named: dict[str, int] = {}
    total: dict[str, int] = {}
    for p in files:
        try:
            c = open_clip(p)
            fr = c.frame(min(5, c.n_frames - 1))
        except Exception as exc:
            print(f"skip {p.name}: {exc}")
            continue
        mask = find_scan_area(ArrayClip(fr[None])).mask
        for kind, ims in degradations(fr, mask, rng).items():
            reps = [assess_quality(ArrayClip(im[None])) for im in ims]
            scores = [r.score for r in reps]
            comp, words = _EXPECTED[kind]
            comps = [r.components[comp] for r in reps]
            total[kind] = total.get(kind, 0) + 1
            mono[kind] = mono.get(kind, 0) + all(a > b for a, b in itertools.pairwise(scores))
            metric_ok[kind] = metric_ok.get(kind, 0) + all(
                a >= b - 1e-9 for a, b in itertools.pairwise(comps)
            )
            named[kind] = named.get(kind, 0) + any(words in r for r in reps[-1].reasons)
    print("fault     score falls  its component falls  reason names it   (n frames)")
    for k in total:
        n = total[k]
        print(f"{k:9s} {mono[k] / n:10.0%} {metric_ok[k] / n:18.0%} {named[k] / n:16.0%}   ({n})")


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


def _ba(pairs: list[tuple[bool, bool]]) -> tuple[float, float, float, int]:
    tp = sum(y and p for y, p in pairs)
    fn = sum(y and not p for y, p in pairs)
    tn = sum((not y) and (not p) for y, p in pairs)
    fp = sum((not y) and p for y, p in pairs)
    sens = tp / (tp + fn) if tp + fn else float("nan")
    spec = tn / (tn + fp) if tn + fp else float("nan")
    return (sens + spec) / 2, sens, spec, len(pairs)


def _fit(x: np.ndarray, y: np.ndarray, l2: float = 10.0) -> tuple[np.ndarray, float]:
    """Class-balanced L2 logistic regression by Newton steps on standardised ``x``."""
    z = np.column_stack([x, np.ones(len(x))])
    b = np.zeros(z.shape[1])
    cw = np.where(y, 0.5 / max(y.mean(), 1e-6), 0.5 / max(1 - y.mean(), 1e-6))
    reg = np.r_[np.ones(len(b) - 1), 0.0] * l2 / len(y)
    for _ in range(50):
        p = 1 / (1 + np.exp(-(z @ b)))
        g = z.T @ ((p - y) * cw) / len(y) + reg * b
        h = (z * (p * (1 - p) * cw)[:, None]).T @ z / len(y) + np.diag(reg)
        b -= np.linalg.solve(h, g)
    return b[:-1], float(b[-1])


def lung(args: argparse.Namespace) -> None:
    rows = _rows()
    feats, keep = [], []
    t0 = time.perf_counter()
    cache = Path(args.cache) if args.cache else None
    if cache and cache.exists():
        import pickle

        feats, keep = pickle.loads(cache.read_bytes())
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
    print(f"{len(keep)} clips in {time.perf_counter() - t0:.0f} s")
    if cache and not cache.exists():
        import pickle

        cache.write_bytes(pickle.dumps((feats, keep)))
    x = np.array(feats)[:, : len(FEATURES)]
    blus = np.array([r["source"] == "NinaWie/COVID-BLUES" for r, _, _ in keep])
    model = DEFAULT_MODEL
    if args.fit:
        model = _refit(x, keep, blus)
    _report(x, keep, model)


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
        w, b = _fit(xs[train & lab][:, sel], yy[train & lab], l2=1.0)
        zt = xs[train & lab][:, sel] @ w
        yt = yy[train & lab]
        b = max(np.arange(-2.0, 2.0, 0.01), key=lambda c: _ba(list(zip(yt, zt + c > 0, strict=True)))[0])
        p = xs[:, sel] @ w + b > 0
        te = _ba(list(zip(yy[test & lab], p[test & lab], strict=True)))
        tr = _ba(list(zip(yy[train & lab], p[train & lab], strict=True)))
        print(
            f"{which}: held-out half BA {te[0]:.3f} sens {te[1]:.3f} spec {te[2]:.3f} (train half BA {tr[0]:.3f})"
        )
        w_all, b_all = _fit(xs[blus & lab][:, sel], yy[blus & lab], l2=1.0)
        # then the bias with the best balanced accuracy on all BLUS clips (0.01 steps)
        zz = xs[blus & lab][:, sel] @ w_all
        yb = yy[blus & lab]
        b_all = max(
            np.round(np.arange(-2.0, 2.0, 0.01), 2),
            key=lambda c: (_ba(list(zip(yb, zz + c > 0, strict=True)))[0], -abs(c - b_all)),
        )
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
    l = sub.add_parser("lung")  # noqa: E741
    l.add_argument("--fit", action="store_true")
    l.add_argument("--cache", help="pickle of computed features (written if absent, read if present)")
    a = ap.parse_args()
    {"speed": speed, "degrade": degrade, "lung": lung}[a.cmd](a)


if __name__ == "__main__":
    main()
