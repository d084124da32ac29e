"""Lung assist against synthetic clips with known truth (``benchmarks/analysis.py synth``).

Renders a grid of lung clips with the demo library's generator (``imgtrainer.synth.lung``:
convex and linear probes, 0-4 separate B-lines, sliding present or absent, a few seeds and
pleural depths), wraps each as an ``ArrayClip`` with the generator's calibrated Ultrasound
Region (so millimetres are real), runs ``assess_lung`` and compares with the truth:

- pleural depth (skin to pleura) in mm, clip-level and per frame, against the drawn depth;
- per-frame B-line count, exact or not, on every analysed frame;
- sliding status ("present" / "absent") per clip.

Targets (issue 6): pleura within 2 mm, count exact in >= 90 % of frames, sliding correct on
every clip. ``--cache DIR`` keeps the rendered frames so reruns skip the rendering.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from imgtrainer.analysis.lung import assess_lung
from imgtrainer.media.clip import ArrayClip, Region
from imgtrainer.synth.lung import LungParams, lung_probe, render_lung_clip

PLEURA_CM = {"convex": (1.6, 2.2, 3.0), "linear": (0.8, 1.2, 1.6)}
DEPTH_CM = {"convex": 12.0, "linear": 5.0}


@dataclass
class SynthCase:
    params: LungParams
    seed: int

    @property
    def name(self) -> str:
        p = self.params
        return f"{p.probe}-pl{p.pleura_cm:g}-b{p.n_blines}-{p.sliding}-s{self.seed}"


def synth_grid(n: int, n_frames: int = 30) -> list[SynthCase]:
    """``n`` cases cycling over probe x B-line count x sliding, then seeds and pleural depths."""
    combos = list(itertools.product(("convex", "linear"), range(5), ("present", "absent")))
    out = []
    for k in range(n):
        probe, nb, sl = combos[k % len(combos)]
        rep = k // len(combos)
        pl = PLEURA_CM[probe][(rep + nb) % 3]
        params = LungParams(
            probe=probe,
            depth_cm=DEPTH_CM[probe],
            pleura_cm=pl,
            sliding=sl,
            n_blines=nb,
            n_frames=n_frames,
        )
        out.append(SynthCase(params, seed=11 + 7 * rep + nb))
    return out


def render_case(case: SynthCase, cache: Path | None = None) -> tuple[np.ndarray, list[int], float]:
    """Frames, the true per-frame B-line counts and the true pleural depth (cm)."""
    f = cache / f"{case.name}-f{case.params.n_frames}.npz" if cache else None
    if f is not None and f.exists():
        z = np.load(f)
        return z["frames"], [int(c) for c in z["counts"]], float(z["pleura_cm"])
    frames, truth = render_lung_clip(case.params, case.seed)
    counts = [len(b) for b in truth.blines_x_px]
    if f is not None:
        f.parent.mkdir(parents=True, exist_ok=True)
        tmp = f.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, frames=frames, counts=np.array(counts), pleura_cm=truth.pleura_depth_cm)
        tmp.replace(f)
    return frames, counts, float(truth.pleura_depth_cm)


def calibrated_clip(case: SynthCase, frames: np.ndarray) -> tuple[ArrayClip, float]:
    """The frames as a clip with the generator's calibrated region; also mm per pixel."""
    pr = lung_probe(case.params)
    x0, y0, x1, y1 = pr.field_box
    region = Region(x0, y0, x1, y1, "2D", "TISSUE", "cm", "cm", pr.pixel_cm, pr.pixel_cm)
    return ArrayClip(frames, fps=case.params.fps, regions=[region]), 10.0 * pr.pixel_cm


def evaluate(case: SynthCase, cache: Path | None = None) -> dict[str, object]:
    """Run the lung assist on one case and compare with its truth."""
    frames, counts, pleura_cm = render_case(case, cache)
    clip, mm_px = calibrated_clip(case, frames)
    t0 = time.perf_counter()
    rep = assess_lung(clip).to_dict()
    secs = time.perf_counter() - t0
    pl, bl, sl = rep["pleura"], rep["b_lines"], rep["sliding"]
    true_mm = 10.0 * pleura_cm
    per_depth = [v["depth_px"] * mm_px for v in pl["per_frame"].values() if v["depth_px"] > 0]
    got = {int(i): int(c) for i, c in bl["per_frame"].items()}
    exact = [got[i] == counts[i] for i in got]
    return {
        "case": case.name,
        "probe": case.params.probe,
        "n_blines": case.params.n_blines,
        "sliding_true": case.params.sliding,
        "pleura_present": bool(pl["present"]),
        "pleura_err_mm": round(pl["depth_px"] * mm_px - true_mm, 2) if pl["present"] else None,
        "pleura_frame_err_mm": [round(d - true_mm, 2) for d in per_depth],
        "counts_true": [counts[i] for i in got],
        "counts_got": list(got.values()),
        "count_exact": float(np.mean(exact)) if exact else 0.0,
        "sliding_got": sl["status"],
        "sliding_index": sl["index"],
        "sliding_mmode": sl["mmode_index"],
        "sliding_ok": sl["status"] == case.params.sliding,
        "seconds": round(secs, 2),
    }


def summarise(rows: list[dict[str, object]]) -> dict[str, dict[str, float]]:
    """Per probe type and overall: pleura within 2 mm, count exact share, sliding correct share."""
    out = {}
    for probe in ("convex", "linear", "all"):
        rs = [r for r in rows if probe in ("all", r["probe"])]
        if not rs:
            continue
        errs = [abs(r["pleura_err_mm"]) if r["pleura_err_mm"] is not None else 99.0 for r in rs]
        ferrs = [abs(e) for r in rs for e in r["pleura_frame_err_mm"]]
        nfr = sum(len(r["counts_got"]) for r in rs)
        n_exact = sum(r["count_exact"] * len(r["counts_got"]) for r in rs)
        out[probe] = {
            "clips": len(rs),
            "pleura_within_2mm": float(np.mean([e <= 2.0 for e in errs])),
            "pleura_median_abs_err_mm": float(np.median(errs)),
            "pleura_max_abs_err_mm": float(np.max(errs)),
            "pleura_frames_within_2mm": float(np.mean([e <= 2.0 for e in ferrs])) if ferrs else 0.0,
            "count_exact_frames": n_exact / max(1, nfr),
            "clips_count_exact_90": float(np.mean([r["count_exact"] >= 0.9 for r in rs])),
            "sliding_correct": float(np.mean([r["sliding_ok"] for r in rs])),
            "sliding_correct_present": _share(
                [r["sliding_ok"] for r in rs if r["sliding_true"] == "present"]
            ),
            "sliding_correct_absent": _share([r["sliding_ok"] for r in rs if r["sliding_true"] == "absent"]),
            "seconds_per_clip": float(np.mean([r["seconds"] for r in rs])),
        }
    return out


def _share(xs: list[bool]) -> float:
    return float(np.mean(xs)) if xs else float("nan")


def synth(args: argparse.Namespace) -> None:
    """Entry point of ``benchmarks/analysis.py synth``."""
    if args.blus:
        blus_sliding(Path(args.data), args.blus_limit)
        return
    if args.library:
        library_check(Path(args.library))
        return
    cache = Path(args.cache) if args.cache else None
    rows = []
    for case in synth_grid(args.n, args.frames):
        r = evaluate(case, cache)
        rows.append(r)
        flag = "" if r["sliding_ok"] and r["count_exact"] >= 0.9 and _pl_ok(r) else "  <-- miss"
        print(
            f"{r['case']:<36} pleura {r['pleura_err_mm']!s:>6} mm  count exact {r['count_exact']:.2f} "
            f"(true {r['n_blines']}, got {_counts(r['counts_got'])})  sliding {r['sliding_got']:<9} "
            f"(idx {r['sliding_index']:.2f}, mm {r['sliding_mmode']:.2f}){flag}",
            flush=True,
        )
    summ = summarise(rows)
    print()
    print(
        f"{'probe':<8}{'clips':>6}{'pleura<=2mm':>13}{'med|err|mm':>12}{'count exact':>13}{'sliding ok':>12}"
    )
    for probe, s in summ.items():
        print(
            f"{probe:<8}{s['clips']:>6}{s['pleura_within_2mm']:>13.3f}{s['pleura_median_abs_err_mm']:>12.2f}"
            f"{s['count_exact_frames']:>13.3f}{s['sliding_correct']:>12.3f}"
        )
    print(
        "targets: pleura within 2 mm on every clip, count exact >= 0.90 of frames, sliding correct on every clip"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "summary": summ,
                    "clips": rows,
                    "grid": [asdict(c.params) for c in synth_grid(args.n, args.frames)],
                },
                indent=1,
            )
        )


def blus_sliding(data: Path, limit: int | None = None) -> dict[str, int]:
    """Real-data guard: how often sliding comes out "absent" on the BLUS clips (nearly all slide)."""
    import csv

    from imgtrainer.media import open_clip

    rows = list(csv.DictReader((data / "lung-blus" / "labels.csv").open()))[:limit]
    counts: dict[str, int] = {}
    changes: list[float] = []
    for r in rows:
        try:
            with open_clip(data / r["file"]) as clip:
                sl = assess_lung(clip).sliding
        except Exception as exc:  # report and carry on with the rest
            print(f"{r['file']}: {exc}")
            continue
        counts[sl["status"]] = counts.get(sl["status"], 0) + 1
        if sl.get("mmode_change") is not None:
            changes.append(float(sl["mmode_change"]))
        if sl["status"] == "absent":
            print(
                f"absent: {r['file']} (index {sl['index']}, M-mode change {sl['mmode_change']})", flush=True
            )
    n = sum(counts.values())
    if changes:
        pct = np.percentile(changes, [0, 5, 25, 50])
        print(
            "M-mode change below the pleura (barcode if < 0.08): min {:.3f}, p5 {:.3f}, p25 {:.3f}, median {:.3f}".format(
                *pct
            )
        )
    print(
        f"BLUS sliding over {n} clips: "
        + ", ".join(f"{k} {v} ({v / max(1, n):.1%})" for k, v in sorted(counts.items()))
    )
    return counts


def library_check(cases: Path) -> None:
    """The demo library's lung cases (JPEG DICOM, opened like any file) against their answer keys."""
    from imgtrainer.media import open_clip

    n = ok_sl = ok_b = 0
    for folder in sorted(cases.glob("lung-*")):
        key = json.loads((folder / "key.json").read_text())["answers"]
        want_sl = key.get("lung_sliding", {}).get("value")
        want_b = key.get("b_line_count", {}).get("value")
        with open_clip(folder / "media" / "clip.dcm") as clip:
            rep = assess_lung(clip).to_dict()
        got_sl, got_b = rep["sliding"]["status"], rep["b_lines"]["counted_max"]
        n += 1
        ok_sl += got_sl == want_sl
        ok_b += want_b is None or got_b == want_b
        print(f"{folder.name}: sliding key {want_sl} got {got_sl}; B-lines key {want_b} got max {got_b}")
    print(f"{n} cases: sliding as keyed {ok_sl}/{n}, B-line count as keyed {ok_b}/{n}")


def _pl_ok(r: dict[str, object]) -> bool:
    return r["pleura_err_mm"] is not None and abs(r["pleura_err_mm"]) <= 2.0


def _counts(cs: list[int]) -> str:
    vals, n = np.unique(cs, return_counts=True)
    return ",".join(f"{v}x{k}" for v, k in zip(vals, n, strict=True))
