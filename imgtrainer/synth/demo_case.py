"""What a demo case is: a renderer with its ground truth, the teaching text, and the decision.

Kept apart from ``demo_library`` (which lists and writes the cases) so the catalogues and the key
builders import these types without importing the library that imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from imgtrainer.library.models import Answer
from imgtrainer.synth.probe import Probe


@dataclass
class Rendered:
    """What a renderer returns: frames, frame rate, probe (calibration) and its ground truth."""

    frames: np.ndarray
    fps: float
    probe: Probe
    truth: object


@dataclass
class Decision:
    stem: str
    options: list[str]
    correct: int
    explanation: str


@dataclass
class DemoCase:
    """One demo case: how to draw it and what a teacher says about it."""

    id: str
    domain: str
    title: str
    render: Callable[[int], Rendered]
    answers: Callable[[Rendered], dict[str, Answer]]
    decision: Decision
    indication: str
    clinical_context: str
    teaching_points: list[str]
    difficulty: int = 2
    tags: list[str] = field(default_factory=list)
    age: float | None = None
    weight: float | None = None
    sex: str | None = None
    params: dict[str, object] = field(default_factory=dict)
    recipe: str = ""  # the descriptive catalogue name; ``id`` is neutral so it gives nothing away
