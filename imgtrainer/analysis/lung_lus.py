"""The suggested LUS score (0-3) of a lung clip, from what the lung assist found."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the hint only: this module stays light for the CLI and GUI text
    from imgtrainer.analysis.lung_pleura import Pleura

UNSURE = "uncertain, look again"
"""What the assist says instead of a guess when its calibrated probability is near 0.5."""


def suggest_lus(
    b_present: bool,
    max_count: int,
    typical_count: float,
    confluent: bool,
    a_present: bool,
    pleura: Pleura,
    feats: dict[str, float],
    rule: str = "counted",
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
    counted lines" (``benchmarks/analysis.py lung``). ``rule="pattern"`` leaves out the
    counting: B-lines with A-lines are 1, without them 2.
    """
    if not pleura.present and feats["deep_level"] > 0.9 and not a_present:
        return 3, "no clear pleural line over a tissue-like pattern: consider consolidation (score 3)"
    if not b_present:
        return 0, "A-pattern, no B-lines (score 0)"
    if confluent:
        return 2, "coalescent B-lines, no A-lines left between them (score 2)"
    if rule == "pattern":
        return 1, "B-lines with A-lines still seen between them (score 1)"
    if 1 <= max_count <= 2 and typical_count == max_count and a_present:
        plural = "s" if max_count > 1 else ""
        return 0, f"{max_count} separate B-line{plural} with A-lines: within normal (score 0)"
    if max_count >= 1:
        return 1, f"separate B-lines, up to {max_count} in a frame (score 1)"
    return 1, "a B-line pattern with A-lines still seen between the lines (score 1)"


@dataclass(frozen=True)
class LusSuggestion:
    score: int
    reason: str
    certain: bool  # False when a line decision it rests on is unsure: shown as "uncertain, look again"
    confluent: bool


def lus_decision(
    p_b: float,
    p_a: float,
    b_call: bool | None,
    a_call: bool | None,
    counts: list[int],
    pleura: Pleura,
    feats: dict[str, float],
    confluent_fraction: float = 0.5,
    rule: str = "counted",
) -> LusSuggestion:
    """The suggested LUS from the calibrated line decisions and the per-frame B-line counts.

    The rule takes the best guesses (p >= 0.5); it is certain only when the decisions it rests
    on are committed: B-lines always, and A-lines too once B-lines are present (they separate
    1 from 2). ``rule`` is "counted" or "pattern" (see ``suggest_lus``). B-line ridges over ``confluent_fraction`` of the pleura (about 6 beams a line) in
    most frames, or a B-pattern that erased the A-lines without three lines kept apart, are
    coalescent.
    """
    b_present, a_present = p_b >= 0.5, p_a >= 0.5
    max_count = max(counts) if counts else 0
    typical = float(statistics.median(counts)) if counts else 0.0
    n_on = max(1, int(pleura.on.sum()))  # beams showing the pleura
    confluent = (
        bool(counts) and float(statistics.median([c * 6 / n_on for c in counts])) >= confluent_fraction
    )
    if rule == "pattern":
        confluent = b_present and not a_present
    elif b_present and not a_present and typical < 3:
        confluent = True
    score, reason = suggest_lus(b_present, max_count, typical, confluent, a_present, pleura, feats, rule)
    certain = b_call is not None and (not b_present or a_call is not None)
    return LusSuggestion(score, reason, certain, bool(confluent))


def reason_without_score(reason: object) -> str:
    """A LUS reason without its trailing "(score N)", for showing next to the score itself."""
    return re.sub(r"\s*\(score \d\)$", "", str(reason or ""))
