"""Exam settings chosen by the author at build time (stored in exam.json, signed, in clear)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ExamSettings(BaseModel):
    """How the exam runs. Times are seconds; ``pass_mark`` is a fraction 0-1 of the total score."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(default="POCUS image-review exam", min_length=1)
    time_limit_s: float | None = Field(default=None, gt=0)  # whole exam; None: no overall limit
    case_time_limit_s: float | None = Field(default=None, gt=0)  # each case; None: no per-case limit
    randomise_cases: bool = False  # per-candidate order, seeded by exam id + candidate id
    randomise_options: bool = False  # per-candidate option order (same seed)
    replay_loops: bool = True  # may a clip be replayed (the viewer enforces it)
    navigation: Literal["free", "forward"] = "free"
    pass_mark: float = Field(default=0.7, ge=0, le=1)
    feedback: Literal["score", "full"] = "score"  # what candidates see after results are released
    heartbeat_s: float = Field(default=1.0, gt=0, le=30)  # elapsed time is persisted at least this often
    # while the app is not running (crash, kill, power cut): "counts" runs the clock on (the
    # proctor may grant the time back), "paused" stops it (only the heartbeat bound is added)
    downtime: Literal["counts", "paused"] = "counts"
    extra_time_s: dict[str, float] = Field(default_factory=dict)  # candidate id -> extra seconds

    @model_validator(mode="after")
    def _extra_time_ok(self) -> ExamSettings:
        for cand, secs in self.extra_time_s.items():
            if not cand or not 0 <= secs <= 24 * 3600:
                raise ValueError(f"extra time for {cand!r}: {secs} s is not within 0-24 h")
        return self

    @model_validator(mode="after")
    def _some_limit_or_none(self) -> ExamSettings:
        limits = (self.time_limit_s, self.case_time_limit_s)
        if None not in limits and limits[1] > limits[0]:  # type: ignore[operator]
            raise ValueError("case_time_limit_s is longer than the whole exam's time_limit_s")
        return self
