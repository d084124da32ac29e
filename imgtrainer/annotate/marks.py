"""Mark-level agreement between two raters, on the practice engine's one-to-one matching.

Both raters' marks go through ``imgtrainer.training.marks.match_marks`` (Hungarian assignment
with distance and angle tolerances; Dice credit for regions), so that rater-vs-rater agreement
and trainee-vs-key scoring use the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from imgtrainer.library.models import Mark
from imgtrainer.training.marks import match_marks


def marks_f1(a: Sequence[Mark], b: Sequence[Mark], tolerance_px: float, tolerance_deg: float = 15.0) -> float:
    """(Soft) F1 of the one-to-one matching; 1.0 when both sets are empty."""
    return match_marks(list(a), list(b), tolerance_px, tolerance_deg).score


def frame_ranges_iou(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> float:
    """Temporal IoU of two sets of inclusive frame ranges; 1.0 when both are empty."""
    fa = {f for s, e in a for f in range(s, e + 1)}
    fb = {f for s, e in b for f in range(s, e + 1)}
    if not fa and not fb:
        return 1.0
    return len(fa & fb) / len(fa | fb)
