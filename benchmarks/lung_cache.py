"""Feature cache for the lung validation protocol (``benchmarks/analysis.py lung``).

Decoding and resampling every labelled clip is the slow part of the protocol (minutes on a
shared machine), so it is done once: for each clip the assist's report (its features, the
suggested LUS, its decisions) and the analysed frames on the (depth, beam) grid are stored in
one ``.npz`` file per clip under the cache folder (default ``/tmp/imgtrainer-lung-cache``).
Nothing here is fitted: these are fixed measurements, so caching them cannot leak labels. The
detectors compared by the protocol (``imgtrainer.analysis.lung_detectors``) are re-run on the
stored grids, so a change to a detector needs no new decoding.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from imgtrainer.analysis.beams import beam_grid
from imgtrainer.analysis.frames import read_gray, spread_indices
from imgtrainer.analysis.lung import assess_lung
from imgtrainer.media import open_clip
from imgtrainer.media.scanarea import find_imaged_area

DEFAULT_CACHE = Path("/tmp/imgtrainer-lung-cache")
BLUS = "NinaWie/COVID-BLUES"


@dataclass
class CachedClip:
    """One labelled clip: labels, patient group, the assist's report fields and its grids."""

    file: str
    source: str
    group: str
    b: bool | None
    a: bool | None
    severity: int | None
    features: dict[str, float]
    report: dict[str, object]
    series: np.ndarray  # (frames, depth, beams) float32 analysed frames on the grid
    valid: np.ndarray  # (depth, beams) bool
    fps: float


def yes(v: str) -> bool | None:
    return {"yes": True, "1": True, "1.0": True, "no": False, "0": False, "0.0": False}.get(
        (v or "").strip().lower()
    )


def group_of(row: dict[str, str]) -> str:
    """Patient group: BLUS patient id; for the mixed set, the source video series (a file name
    without its clip number), since patients are not identified there (conservative)."""
    m = re.search(r"patient_(\d+)", row["file"])
    if m:
        return f"blus{m.group(1)}"
    stem = Path(row["file"]).stem.lower()
    stem = re.sub(r"\+?\(\d+\)$", "", stem)
    stem = re.sub(r"(image|vid|video|clip|file|mov|_set\d+_vid)[_+-]?\d+$", "", stem)
    stem = re.sub(r"[_+-]?\d+$", "", stem)
    return "cov:" + stem.rstrip("_-+ ")


def label_rows(data: Path) -> list[dict[str, str]]:
    rows = []
    for labels in (data / "lung-blus/labels.csv", data / "lung/labels.csv"):
        with open(labels, newline="") as fh:
            rows += [r for r in csv.DictReader(fh) if r["media_type"] == "video"]
    return [r for r in rows if yes(r["b_lines"]) is not None or yes(r["a_lines"]) is not None]


def _key(file: str) -> str:
    return hashlib.sha1(file.encode()).hexdigest()[:16]


def extract(data: Path, cache: Path = DEFAULT_CACHE, *, verbose: bool = True) -> None:
    """Analyse every labelled clip not yet in ``cache`` (resumable; one file per clip)."""
    cache.mkdir(parents=True, exist_ok=True)
    rows = label_rows(data)
    t0 = time.perf_counter()
    done = 0
    for r in rows:
        out = cache / f"{_key(r['file'])}.npz"
        if out.exists():
            continue
        try:
            with open_clip(data / r["file"]) as c:
                area = find_imaged_area(c)
                rep = assess_lung(c, area=area)
                grid = beam_grid(area, max_depth=256, max_beams=192, fixed_size=True)
                idx = [i for i in spread_indices(c.n_frames, 24) if i in set(rep.frames_analysed)]
                gray = read_gray(c, idx)  # the clip's frame cache makes this a second look, not a decode
                series = np.stack([grid.sample(gray[i]) for i in idx if i in gray])
                fps = float(c.fps)
        except Exception as exc:  # a clip the assist cannot read is reported, not cached
            print(f"fail {r['file']}: {exc}")
            continue
        d = rep.to_dict()
        meta = {k: d[k] for k in ("b_lines", "a_lines", "lus_score", "lus_reason", "sliding", "pleura")}
        meta["b_lines"] = {k: v for k, v in meta["b_lines"].items() if k != "positions"}
        meta["a_lines"] = {k: v for k, v in meta["a_lines"].items() if k != "positions"}
        meta["pleura"] = {k: v for k, v in meta["pleura"].items() if k not in ("positions", "per_frame")}
        tmp = out.with_suffix(".part.npz")
        np.savez_compressed(
            tmp,
            series=series.astype(np.float16),
            valid=grid.valid,
            meta=json.dumps({"row": r, "features": rep.features, "report": meta, "fps": fps}),
        )
        tmp.replace(out)
        done += 1
        if verbose and done % 20 == 0:
            print(f"  {done} clips analysed, {time.perf_counter() - t0:.0f} s")
    if verbose:
        print(f"cache: {done} new clips in {time.perf_counter() - t0:.0f} s ({cache})")


def load(data: Path, cache: Path = DEFAULT_CACHE) -> list[CachedClip]:
    """Every cached labelled clip, in label-file order."""
    out = []
    for r in label_rows(data):
        p = cache / f"{_key(r['file'])}.npz"
        if not p.exists():
            continue
        z = np.load(p)
        meta = json.loads(str(z["meta"]))
        sev = r["lung_severity_score"].strip()
        out.append(
            CachedClip(
                file=r["file"],
                source=r["source"],
                group=group_of(r),
                b=yes(r["b_lines"]),
                a=yes(r["a_lines"]),
                severity=int(float(sev)) if sev and r["source"] == BLUS else None,
                features=meta["features"],
                report=meta["report"],
                series=z["series"].astype(np.float32),
                valid=z["valid"],
                fps=meta["fps"],
            )
        )
    return out
