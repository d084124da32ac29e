"""Media benchmark: decode speed, time to first frame, streaming memory, header scan rate.

    python3 benchmarks/media.py [--data ../shared/data] [--workdir DIR] [--skip-pydicom]

Prints measured figures and the ratios the media issue targets, all from this one run:
  * sustained decode of a 200-frame 800x600 JPEG Baseline YBR_FULL_422 cine (and of
    color3d_jpeg_baseline.dcm): >= 1.5x dcmtk ``dcmdjpeg`` and >= 5x pydicom ``pixel_array``;
  * first frame shown (open + decode frame 0) <= 5 % of the full decode;
  * peak RSS streaming a 1,000-frame cine through the cache <= 25 % of its decoded size;
  * header-only scan of 1,000 DICOMs >= 85 % of bare ``dcmread(stop_before_pixels=True)``.
Heavy baselines (pydicom, streaming) run in subprocesses so their memory is measured apart.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _synthetic_frames(n: int, rows: int = 600, cols: int = 800, seed: int = 0) -> np.ndarray:
    """Ultrasound-like RGB frames: moving speckle texture, a grey sector and a colour box."""
    import cv2

    rng = np.random.default_rng(seed)
    base = rng.rayleigh(40.0, (rows + n, cols)).clip(0, 255).astype(np.uint8)
    base = cv2.GaussianBlur(base, (0, 0), 1.2)
    yy, xx = np.mgrid[0:rows, 0:cols]
    angle = np.arctan2(xx - cols / 2, yy + 40)
    sector = (np.abs(angle) < 0.6) & (yy > 20)
    out = np.zeros((n, rows, cols, 3), np.uint8)
    for i in range(n):
        tex = base[i : i + rows] * sector
        out[i] = tex[..., None]
        out[i, 200:320, 350:470, 0] = np.clip(tex[200:320, 350:470].astype(int) + 80, 0, 255)
        cv2.putText(out[i], f"frame {i}", (20, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2)
    return out


def _time(fn: Callable[[], object], repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _child(code: str) -> dict:
    """Run python code in a fresh process; it prints one JSON line. Adds its peak RSS in MB."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so it would count the parent.
    wrapper = (
        "import json, sys\n"
        + code
        + "\nhwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]"
        "\nres['peak_rss_mb'] = int(hwm.split()[1]) / 1024\n"
        "print(json.dumps(res))\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_decode(path: Path, label: str, skip_pydicom: bool, repeats: int = 5) -> dict:
    from imgtrainer.media import open_clip

    with open_clip(path) as clip:
        n, shape = clip.n_frames, clip.shape
    out_dcm = Path(tempfile.mkdtemp()) / "dcmdjpeg-out.dcm"
    # interleaved repeats, best of each: the machine is shared, the minimum is the fair estimate
    runs: dict[str, list[float]] = {"one": [], "two": [], "first": [], "dcmtk": []}
    for _ in range(repeats):
        runs["one"].append(_time(lambda: open_clip(path, cache_mb=0).frames(workers=1)))
        runs["two"].append(_time(lambda: open_clip(path, cache_mb=0).frames(workers=2)))
        runs["first"].append(_time(lambda: open_clip(path, cache_mb=0).frame(0)))
        runs["dcmtk"].append(_time(lambda: subprocess.run(["dcmdjpeg", str(path), str(out_dcm)], check=True)))
    ours_1, ours_2, first, dcmtk = (min(runs[k]) for k in ("one", "two", "first", "dcmtk"))
    shutil.rmtree(out_dcm.parent, ignore_errors=True)
    res = {
        "file": label,
        "frames": n,
        "shape": list(shape),
        "ours_1_thread_s": round(ours_1, 3),
        "ours_2_threads_s": round(ours_2, 3),
        "ours_fps": round(n / ours_2, 1),
        "first_frame_s": round(first, 4),
        "first_frame_pct_of_full": round(100 * first / ours_2, 2),
        "dcmdjpeg_s": round(dcmtk, 3),
        "x_vs_dcmdjpeg": round(dcmtk / ours_2, 2),
    }
    if not skip_pydicom:
        child = _child(
            "import time, warnings, pydicom\nwarnings.simplefilter('ignore')\n"
            f"t = time.perf_counter(); a = pydicom.dcmread({str(path)!r}).pixel_array\n"
            "res = {'s': time.perf_counter() - t}\n"
        )
        res["pydicom_pixel_array_s"] = round(child["s"], 3)
        res["pydicom_peak_rss_mb"] = round(child["peak_rss_mb"])
        res["x_vs_pydicom"] = round(child["s"] / ours_2, 2)
    return res


def _replicate_cine(src: Path, dst: Path, n: int) -> None:
    """A long JPEG cine built by repeating the encoded frames of ``src`` (no bulk decode)."""
    import pydicom
    from pydicom.encaps import encapsulate, generate_frames

    ds = pydicom.dcmread(src)
    frames = list(generate_frames(ds.PixelData, number_of_frames=int(ds.NumberOfFrames)))
    ds.PixelData = encapsulate([frames[i % len(frames)] for i in range(n)], has_bot=True)
    ds.NumberOfFrames = n
    ds.save_as(dst)


def bench_stream(path: Path, cache_mb: int) -> dict:
    child = _child(
        "import time\nfrom imgtrainer.media import open_clip\n"
        f"clip = open_clip({str(path)!r}, cache_mb={cache_mb})\n"
        "t = time.perf_counter()\n"
        "for i in range(clip.n_frames):\n"
        "    clip.frame(i)\n"
        "    clip.prefetch(i + 1, 8)\n"
        "res = {'s': time.perf_counter() - t, 'n': clip.n_frames,\n"
        "       'decoded_mb': clip.n_frames * clip.rows * clip.cols * clip.channels / 2**20}\n"
        "clip.close()\n"
    )
    return {
        "frames": child["n"],
        "cache_mb": cache_mb,
        "stream_s": round(child["s"], 2),
        "stream_fps": round(child["n"] / child["s"], 1),
        "decoded_size_mb": round(child["decoded_mb"]),
        "peak_rss_mb": round(child["peak_rss_mb"]),
        "peak_rss_pct_of_decoded": round(100 * child["peak_rss_mb"] / child["decoded_mb"], 1),
    }


def bench_scan(dicom_dir: Path, work: Path, n: int = 1000) -> dict:
    import warnings

    import pydicom

    from imgtrainer.cli.media import describe

    seeds = [
        p
        for p in sorted(dicom_dir.rglob("*.dcm"))
        if "MR_truncated" not in p.name and "no_meta" not in p.name
    ]
    folder = work / "scan"
    folder.mkdir()
    files = []
    for i in range(n):
        f = folder / f"{i:04d}.dcm"
        shutil.copyfile(seeds[i % len(seeds)], f)
        files.append(f)

    def bare(f: Path) -> None:
        pydicom.dcmread(f, stop_before_pixels=True)

    def ours(f: Path) -> None:
        if "error" in describe(f):
            raise RuntimeError(f"{f} failed")

    # per file, interleaved, best of 5 rounds: load from other processes shifts over seconds,
    # so alternating the two readers file by file compares them under the same conditions
    best_bare, best_ours = [float("inf")] * n, [float("inf")] * n
    clock = time.perf_counter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(5):
            for k, f in enumerate(files):
                t0 = clock()
                bare(f)
                t1 = clock()
                ours(f)
                t2 = clock()
                best_bare[k] = min(best_bare[k], t1 - t0)
                best_ours[k] = min(best_ours[k], t2 - t1)
    t_bare, t_ours = sum(best_bare), sum(best_ours)
    return {
        "files": n,
        "bare_dcmread_files_per_s": round(n / t_bare),
        "imgtrainer_info_files_per_s": round(n / t_ours),
        "ratio": round(t_bare / t_ours, 3),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--skip-pydicom", action="store_true", help="skip the slow, 2.6 GB pydicom baseline")
    ap.add_argument("--stream-cache-mb", type=int, default=128)
    a = ap.parse_args()
    from imgtrainer.media.dicom_writer import write_dicom_cine

    work = Path(a.workdir or tempfile.mkdtemp(prefix="imgt-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        cine = work / "cine200.dcm"
        write_dicom_cine(
            cine, _synthetic_frames(200), frame_time_ms=33.3, transfer_syntax="jpeg", jpeg_quality=90
        )
        results = {
            "decode": [bench_decode(cine, "synthetic 200x600x800 RGB JPEG YBR_FULL_422", a.skip_pydicom)]
        }
        color3d = a.data / "dicom/pydicom-data/color3d_jpeg_baseline.dcm"
        if color3d.exists():
            results["decode"].append(bench_decode(color3d, "color3d_jpeg_baseline.dcm", a.skip_pydicom))
        long = work / "cine1000.dcm"
        _replicate_cine(cine, long, 1000)
        cine.unlink()
        results["stream"] = bench_stream(long, a.stream_cache_mb)
        long.unlink()
        if (a.data / "dicom").is_dir():
            results["header_scan"] = bench_scan(a.data / "dicom", work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["load_average"] = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps(results, indent=2))
    d = results["decode"][0]
    s = results["stream"]
    print("\ntargets (synthetic 200-frame cine):")
    print(f"  decode vs dcmdjpeg  {d['x_vs_dcmdjpeg']:.2f}x  (target >= 1.5x)")
    if "x_vs_pydicom" in d:
        print(f"  decode vs pydicom   {d['x_vs_pydicom']:.2f}x  (target >= 5x)")
    print(f"  first frame         {d['first_frame_pct_of_full']:.2f}% of full decode  (target <= 5%)")
    print(f"  streaming peak RSS  {s['peak_rss_pct_of_decoded']:.1f}% of decoded size  (target <= 25%)")
    if "header_scan" in results:
        print(
            f"  header scan         {100 * results['header_scan']['ratio']:.1f}% of bare dcmread  (target >= 85%)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
