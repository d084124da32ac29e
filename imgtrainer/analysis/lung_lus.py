"""The suggested LUS score (0-3) of a lung clip, from what the lung assist found."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the hint only: this module stays light for the CLI and GUI text
    from imgtrainer.analysis.lung_pleura import Pleura


def suggest_lus(
    b_present: bool,
    max_count: int,
    typical_count: float,
    confluent: bool,
    a_present: bool,
    pleura: Pleura,
    feats: dict[str, float],
) -> tuple[int, str]:
    """Suggested LUS score (0-3) from the usual definitions, applied to what was found.

    0: A-pattern, or one or two separate B-lines with A-lines; 1: separate B-lines, or a
    B-pattern with A-lines still seen between the lines; 2: coalescent B-lines (``confluent``:
    ridges over half the pleura, or a B-pattern that erased the A-lines without three lines
    kept apart in most frames); 3: a tissue-like pattern without a pleural line
    (consolidation). One or two lines count as normal only when the same number is counted in
    most frames (``typical_count`` is the median per-frame count): on real clips single lines
    are rarely separable and a flickering count says little. On the two-expert BLUS set this
    rule's quadratic kappa against the experts' severity is 0.21, against 0.06 for "three
    counted lines" (``benchmarks/analysis.py lung``).
    """
    if not pleura.present and feats["deep_level"] > 0.9 and not a_present:
        return 3, "no clear pleural line over a tissue-like pattern: consider consolidation (score 3)"
    if not b_present:
        return 0, "A-pattern, no B-lines (score 0)"
    if confluent:
        return 2, "coalescent B-lines, no A-lines left between them (score 2)"
    if 1 <= max_count <= 2 and typical_count == max_count and a_present:
        plural = "s" if max_count > 1 else ""
        return 0, f"{max_count} separate B-line{plural} with A-lines: within normal (score 0)"
    if max_count >= 1:
        return 1, f"separate B-lines, up to {max_count} in a frame (score 1)"
    return 1, "a B-line pattern with A-lines still seen between the lines (score 1)"


def reason_without_score(reason: object) -> str:
    """A LUS reason without its trailing "(score N)", for showing next to the score itself."""
    return re.sub(r"\s*\(score \d\)$", "", str(reason or ""))
