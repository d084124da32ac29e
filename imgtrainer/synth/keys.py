"""Short constructors for answer-key entries built from generator ground truth."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from imgtrainer.library.models import (
    CategoryAnswer,
    CountAnswer,
    FindingsAnswer,
    FrameRangesAnswer,
    Mark,
    MarksAnswer,
    MeasurementAnswer,
    OrdinalAnswer,
)

Pt = tuple[float, float]


def cat(value: str, *acceptable: str, note: str = "") -> CategoryAnswer:
    return CategoryAnswer(value=value, acceptable=list(acceptable), note=note)


def ordinal(value: int, note: str = "") -> OrdinalAnswer:
    return OrdinalAnswer(value=value, note=note)


def findings(present: Iterable[str], absent: Iterable[str]) -> FindingsAnswer:
    p = list(dict.fromkeys(present))
    return FindingsAnswer(present=p, absent=[a for a in dict.fromkeys(absent) if a not in p])


def count(value: int, tolerance: int = 1, note: str = "") -> CountAnswer:
    return CountAnswer(value=value, tolerance=tolerance, note=note)


def _r(p: Sequence[float]) -> Pt:
    return (round(float(p[0]), 1), round(float(p[1]), 1))


def line(a: Sequence[float], b: Sequence[float], label: str = "", frame: int | None = None) -> Mark:
    return Mark(type="line", points=[_r(a), _r(b)], label=label, frame=frame)


def polygon(pts: Iterable[Sequence[float]], label: str = "", frame: int | None = None) -> Mark:
    return Mark(type="polygon", points=[_r(p) for p in pts], label=label, frame=frame)


def point(p: Sequence[float], label: str = "", frame: int | None = None) -> Mark:
    return Mark(type="point", points=[_r(p)], label=label, frame=frame)


def ellipse(
    box_a: Sequence[float], box_b: Sequence[float], label: str = "", frame: int | None = None
) -> Mark:
    return Mark(type="ellipse", points=[_r(box_a), _r(box_b)], label=label, frame=frame)


def marks(items: Sequence[Mark], tolerance_px: float = 20.0, note: str = "") -> MarksAnswer:
    return MarksAnswer(marks=list(items), tolerance_px=tolerance_px, note=note)


def measure(
    value: float, unit: str, tol: float = 0.15, calipers: Sequence[Mark] = (), note: str = ""
) -> MeasurementAnswer:
    return MeasurementAnswer(
        value=round(float(value), 2),
        unit=unit,
        tolerance_rel=tol,
        marks=list(calipers),
        note=note,  # type: ignore[arg-type]
    )


def frame_ranges(ranges: Sequence[tuple[int, int]], note: str = "") -> FrameRangesAnswer:
    return FrameRangesAnswer(ranges=[(int(a), int(b)) for a, b in ranges], note=note)


def polyline(pts: Iterable[Sequence[float]], label: str = "", frame: int | None = None) -> Mark:
    return Mark(type="polyline", points=[_r(p) for p in pts], label=label, frame=frame)
