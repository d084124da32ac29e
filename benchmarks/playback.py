"""Cine playback benchmark: frames actually presented on time, and memory.

Writes two 800x600 JPEG Baseline DICOM cines (30 and 60 fps), opens them with ``open_clip`` and
plays each in the app's ``CineViewer`` (window 1200x900, so frames are scaled) for a fixed wall
time. A frame counts as *on time* when it is painted after it is due and before the next frame
is due; skipped frames count as late. Run under a real X server for honest numbers:

    xvfb-run -a -s "-screen 0 1600x1000x24" python3 benchmarks/playback.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no screen: still measures decode + paint


def make_frames(n: int, rows: int = 600, cols: int = 800, seed: int = 0) -> np.ndarray:
    """Speckle-like texture that moves, plus a bright moving line, so every frame differs."""
    rng = np.random.default_rng(seed)
    base = rng.gamma(2.0, 40.0, size=(rows, cols * 2)).clip(0, 255).astype(np.uint8)
    frames = np.empty((n, rows, cols), np.uint8)
    for i in range(n):
        frames[i] = base[:, i * 3 : i * 3 + cols]
        frames[i, (i * 7) % rows, :] = 255
    return frames


def run_one(path: Path, fps: float, seconds: float) -> dict[str, float]:
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from imgtrainer.gui.viewer.cine_viewer import CineViewer
    from imgtrainer.media import open_clip

    app = QApplication.instance() or QApplication(sys.argv[:1])
    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    clip = open_clip(path)
    viewer = CineViewer()
    viewer.resize(1200, 1000)
    viewer.show()
    viewer.state.set_clip(clip)
    for _ in range(20):
        app.processEvents()
    paints: list[tuple[int, float]] = []
    viewer.view.painted.connect(lambda i, t: paints.append((i, t)))
    paint_ms: list[float] = []
    original_paint = viewer.view.paintEvent

    def timed_paint(ev, _orig=original_paint) -> None:
        t0 = time.perf_counter()
        _orig(ev)
        paint_ms.append((time.perf_counter() - t0) * 1000)

    viewer.view.paintEvent = timed_paint
    peak = [proc.memory_info().rss]
    sampler = QTimer()
    sampler.timeout.connect(lambda: peak.append(proc.memory_info().rss))
    sampler.start(100)
    viewer.state.play()
    clock = viewer.player.clock
    t_end = time.perf_counter() + seconds
    cpu0 = proc.cpu_times()
    wall0 = time.perf_counter()
    stopped: list[float] = []

    def stop() -> None:
        stopped.append(time.perf_counter())
        app.quit()

    QTimer.singleShot(int(seconds * 1000), stop)
    app.exec()  # the real event loop, as in the app
    sampler.stop()
    peak = max(peak)
    cpu1 = proc.cpu_times()
    wall = time.perf_counter() - wall0
    viewer.state.pause()
    start = clock._t0
    period = 1.0 / fps
    # frames due in the window [start, t_end): slot k shows frame k mod n
    # Count only frames due while the event loop ran, less a 20 ms grace at the end (a frame
    # due just before the loop stopped cannot have been painted yet).
    t_stop = min(t_end, stopped[0] if stopped else t_end) - 0.020
    n_due = int((t_stop - start) / period)
    presented = {0: start} if clock.frame_at(start, True)[0] == 0 else {}  # frame 0 already on screen
    for i, t in paints:
        if t < start:
            continue
        slot = int((t - start) / period + 1e-9)
        if slot < n_due and slot % clip.n_frames == i and slot not in presented:
            presented[slot] = t
    on_time = len(presented)
    lat = [t - (start + s * period) for s, t in presented.items()]
    viewer.close()
    viewer.deleteLater()
    clip.close()
    app.processEvents()
    return {
        "fps": fps,
        "frames_due": n_due,
        "paints": len([p for p in paints if p[1] >= start]),
        "on_time": on_time,
        "missed_slots": sorted(set(range(n_due)) - set(presented))[:40],
        "on_time_pct": 100.0 * on_time / max(1, n_due),
        "median_latency_ms": 1000 * float(np.median(lat)) if lat else float("nan"),
        "p99_latency_ms": 1000 * float(np.percentile(lat, 99)) if lat else float("nan"),
        "cpu_pct_of_one_core": 100.0 * ((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)) / wall,
        "paint_ms_median": float(np.median(paint_ms)) if paint_ms else float("nan"),
        "rss_before_mb": rss0 / 2**20,
        "rss_peak_mb": peak / 2**20,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=6.0, help="wall time played per cine")
    ap.add_argument("--frames", type=int, default=90, help="frames per cine")
    a = ap.parse_args(argv)
    from imgtrainer.media.dicom_writer import write_dicom_cine

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"platform: {os.environ.get('QT_QPA_PLATFORM') or 'xcb'}; display {os.environ.get('DISPLAY', '-')}; "
        f"{os.cpu_count()} CPUs, load average {load:.1f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        frames = make_frames(a.frames)
        for fps in (30.0, 60.0):
            path = write_dicom_cine(
                Path(tmp) / f"cine{int(fps)}.dcm",
                frames,
                frame_time_ms=1000.0 / fps,
                transfer_syntax="jpeg",
                uid_seed="bench",
            )
            r = run_one(path, fps, a.seconds)
            ok = "PASS" if r["on_time_pct"] >= 99.0 else "FAIL"
            print(
                f"{fps:.0f} fps 800x600 JPEG: {r['on_time']}/{r['frames_due']} frames on time "
                f"({r['on_time_pct']:.1f}%, target >= 99%: {ok}); paints {r['paints']}; latency median "
                f"{r['median_latency_ms']:.1f} ms, p99 {r['p99_latency_ms']:.1f} ms; paint {r['paint_ms_median']:.1f} ms; CPU {r['cpu_pct_of_one_core']:.0f}% "
                f"of one core; RSS {r['rss_before_mb']:.0f} -> peak {r['rss_peak_mb']:.0f} MB"
            )
            if r["missed_slots"]:
                print(f"  late or skipped frame slots: {r['missed_slots']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
