"""What the lung-assist overlay draws for one frame, from ``LungReport.to_dict()`` (Qt-free).

The report gives stored-frame coordinates: the pleural line as points, A-lines as point rows
per depth multiple, B-lines as segments for each analysed frame. A cine shows the B-lines of
the analysed frame nearest to the one on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imgtrainer.analysis.lung_lus import UNSURE, reason_without_score

Point = tuple[float, float]


@dataclass(frozen=True)
class Drawable:
    role: str  # "pleura" | "a_line" | "b_line"
    points: tuple[Point, ...]
    label: str = ""


def _pts(raw: Any) -> tuple[Point, ...]:
    out = []
    for p in raw or []:
        try:
            out.append((float(p[0]), float(p[1])))
        except (TypeError, ValueError, IndexError):
            continue
    return tuple(out)


def drawables(report: dict[str, Any], frame: int) -> list[Drawable]:
    """The overlay items for ``frame`` (B-lines from the nearest analysed frame)."""
    items: list[Drawable] = []
    pleura = report.get("pleura") or {}
    pts = _pts(pleura.get("positions"))
    if pleura.get("present") and len(pts) >= 2:
        items.append(Drawable("pleura", pts, "pleura"))
    for a in (report.get("a_lines") or {}).get("positions") or []:
        pts = _pts(a.get("points") if isinstance(a, dict) else a)
        if len(pts) >= 2:
            items.append(Drawable("a_line", pts, f"A{a.get('multiple', '')}" if isinstance(a, dict) else "A"))
    segments = [s for s in (report.get("b_lines") or {}).get("positions") or [] if isinstance(s, dict)]
    frames = sorted({int(s.get("frame", 0)) for s in segments})
    if frames:
        nearest = min(frames, key=lambda f: abs(f - frame))
        for s in segments:
            if int(s.get("frame", 0)) == nearest:
                items.append(Drawable("b_line", ((s["x0"], s["y0"]), (s["x1"], s["y1"])), "B"))
    return items


def summary_lines(report: dict[str, Any]) -> list[str]:
    """Short text for the overlay's corner box."""
    yes = {True: "yes", False: "no"}
    b = report.get("b_lines") or {}
    a = report.get("a_lines") or {}
    a_text = UNSURE if a.get("present") is None else yes[bool(a.get("present"))]
    lines = [
        "Lung assist (advisory)",
        f"Pleural line: {yes.get(bool((report.get('pleura') or {}).get('present')))}",
        f"A-lines: {a_text}{_chance(a)}",
        _b_line_text(b) + _chance(b),
        f"Sliding: {(report.get('sliding') or {}).get('status', 'n/a')}",
    ]
    if report.get("lus_certain", True):
        lines.append(f"Suggested LUS score: {report.get('lus_score', '?')}")
        why = reason_without_score(report.get("lus_reason"))
        if why:
            lines.append(f"  ({why})")
    else:
        lines.append(f"Suggested LUS score: {UNSURE}")
    return lines


def _chance(d: dict[str, Any]) -> str:
    """' (p 0.81)': the calibrated probability that the finding is present ('' if not given)."""
    p = d.get("probability")
    return f" (p {p:.2f})" if isinstance(p, int | float) else ""


def _b_line_text(b: dict[str, Any]) -> str:
    if "present" in b and b["present"] is None:
        return f"B-lines: {UNSURE}"
    if not b.get("present"):
        return "B-lines: none"
    if b.get("confluent"):
        return "B-lines: confluent"
    n = b.get("counted_max", 0)
    return f"B-lines: {n} (max in a frame)" if n else "B-lines: likely, none counted"
