"""A plain-dict description of a clip (what ``imgtrainer info`` prints), without decoding pixels."""

from __future__ import annotations

from typing import Any

import numpy as np

from imgtrainer.media.clip import Clip


def clip_summary(clip: Clip) -> dict[str, Any]:
    """Kind, size, timing, encoding, calibration and warnings of an open clip (JSON-ready)."""
    times = np.asarray(clip.frame_times_s, dtype=np.float64)
    intervals_ms = np.diff(times) * 1000.0 if len(times) > 1 else np.zeros(0)
    info = clip.info
    out: dict[str, Any] = {
        "path": str(clip.path) if clip.path is not None else None,
        "kind": info.kind,
        "frames": int(clip.n_frames),
        "rows": int(clip.rows),
        "cols": int(clip.cols),
        "channels": int(clip.channels),
        "fps": round(float(clip.fps), 4) if clip.n_frames > 1 else None,
        "duration_s": round(float(clip.duration_s), 4),
        "timing_source": info.extra.get("timing_source", "container" if info.kind == "video" else None),
        "frame_time_ms": None,
        "transfer_syntax": info.transfer_syntax,
        "transfer_syntax_name": info.transfer_syntax_name,
        "photometric": info.photometric,
        "manufacturer": info.manufacturer,
        "model": info.model,
        "sop_class": info.extra.get("sop_class_name", info.sop_class),
        "regions": [r.to_dict() for r in clip.regions],
        "warnings": list(clip.warnings),
    }
    if len(intervals_ms):
        lo, hi = float(intervals_ms.min()), float(intervals_ms.max())
        out["frame_time_ms"] = round(float(intervals_ms.mean()), 4)
        if hi - lo > 1e-6:
            out["frame_time_range_ms"] = [round(lo, 4), round(hi, 4)]
            out["frame_times_s"] = [round(float(t), 6) for t in times]
    for key in ("codec", "container_fps", "container_frame_count", "format"):
        if key in info.extra:
            out[key] = info.extra[key]
    return out


def summary_line(s: dict[str, Any]) -> str:
    """One human line for ``imgtrainer info`` without --json."""
    parts = [s["kind"], f"{s['frames']} frame{'s' if s['frames'] != 1 else ''} {s['cols']}x{s['rows']}"]
    parts[-1] += "x3" if s["channels"] == 3 else " gray"
    if s["fps"]:
        parts.append(f"{s['fps']:.2f} fps ({s['timing_source']}), {s['duration_s']:.2f} s")
    if s.get("frame_time_range_ms"):
        lo, hi = s["frame_time_range_ms"]
        parts.append(f"frame time {lo:g}-{hi:g} ms")
    if s["transfer_syntax"]:
        parts.append(f"{s['transfer_syntax_name'] or '?'} [{s['transfer_syntax']}]")
    if s.get("codec"):
        parts.append(f"codec {s['codec']}")
    if s["photometric"]:
        parts.append(s["photometric"])
    maker = " ".join(x for x in (s["manufacturer"], s["model"]) if x)
    if maker:
        parts.append(maker)
    for k, r in enumerate(s["regions"]):
        dx, dy = r["delta_x"], r["delta_y"]
        cal = f"{dx:.5g} {r['units_x']}/px x {dy:.5g} {r['units_y']}/px" if dx and dy else "uncalibrated"
        parts.append(f"region {k} {r['spatial_format']} box {tuple(r['box'])} {cal}")
    return f"{s['path']}: " + ", ".join(parts)
