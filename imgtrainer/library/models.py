"""Case (case.json: what a case shows) and AnswerKey (key.json: what the expert says).

A case holds no answers. Questions come from the taxonomy (assets/taxonomy/); a case adds
only its own decision question (stem and options). Keys map question ids to answers.
Coordinates are (x, y) pixels of the stored frame; frames are 0-based indices.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

SCHEMA_VERSION = 1
Domain = Literal["airway", "lung", "gastric", "cardiac", "fast"]
DOMAINS: tuple[str, ...] = ("airway", "lung", "gastric", "cardiac", "fast")
Step = Literal["indication", "acquisition", "interpretation", "decision"]
STEPS: tuple[str, ...] = ("indication", "acquisition", "interpretation", "decision")
CaseStatus = Literal["draft", "pending_review", "approved", "rejected", "quarantined"]
Unit = Literal["cm", "cm2", "mm", "ml", "ml/kg", "percent", "s", "cm/s", "ratio"]

CASE_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# ---------------------------------------------------------------- case.json


class MediaRef(_Strict):
    """A media file of the case, relative to the case folder."""

    path: str
    role: Literal["primary", "supplementary"] = "primary"
    label: str = ""
    sha256: str | None = None

    @field_validator("path")
    @classmethod
    def _relative(cls, v: str) -> str:
        if not v or v.startswith(("/", "\\")) or ".." in v.replace("\\", "/").split("/"):
            raise ValueError("must be a path inside the case folder (relative, no '..')")
        return v


class PatientContext(_Strict):
    """What a decision needs to know about the patient; never identity."""

    age_years: float | None = Field(default=None, ge=0, le=120)
    weight_kg: float | None = Field(default=None, gt=0, le=400)
    sex: Literal["female", "male", "other"] | None = None
    clinical_context: str = ""


class Provenance(_Strict):
    source: str = "unknown"
    licence: str = "unknown"
    original_file: str | None = None
    imported_at: datetime | None = None
    imported_by: str | None = None
    study_description: str | None = None
    series_description: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    generator: dict[str, object] | None = None
    deid: dict[str, object] | None = None


class DecisionQuestion(_Strict):
    """The case's single-best-answer decision question; the key holds which option is right."""

    stem: str = Field(min_length=1)
    options: list[str] = Field(min_length=2)

    @field_validator("options")
    @classmethod
    def _distinct(cls, v: list[str]) -> list[str]:
        if len({o.strip().lower() for o in v}) != len(v):
            raise ValueError("options must be distinct")
        return v


class Case(_Strict):
    schema_version: Literal[1] = SCHEMA_VERSION
    id: str = Field(pattern=CASE_ID_PATTERN)
    title: str = Field(min_length=1)
    domain: Domain
    media: list[MediaRef] = Field(min_length=1)
    probe: Literal["linear", "convex", "phased", "unknown"] = "unknown"
    patient: PatientContext = Field(default_factory=PatientContext)
    indication: str = ""
    difficulty: Literal[1, 2, 3] = 2
    tags: list[str] = Field(default_factory=list)
    teaching_points: list[str] = Field(default_factory=list)
    question_set: str = "default"
    decision: DecisionQuestion | None = None
    provenance: Provenance = Field(default_factory=Provenance)
    status: CaseStatus = "approved"
    public: bool = False
    created_at: datetime = Field(default_factory=utcnow)

    @model_validator(mode="after")
    def _public_needs_approval(self) -> Case:
        if self.public and self.status != "approved":
            raise ValueError(f"a case can be public only when approved (status is {self.status!r})")
        return self

    @property
    def primary_media(self) -> MediaRef:
        return next((m for m in self.media if m.role == "primary"), self.media[0])


# ----------------------------------------------------------------- key.json


class _AnswerBase(_Strict):
    author: str | None = None
    at: datetime | None = None
    note: str = ""
    agreed_by: list[str] = Field(default_factory=list)  # consensus keys: raters who gave this answer


class Mark(_Strict):
    """A mark on the image: point (1 point), line (2), polyline/polygon (>= 3), ellipse (box of 2)."""

    type: Literal["point", "line", "polyline", "polygon", "ellipse"]
    points: list[tuple[float, float]]
    frame: int | None = Field(default=None, ge=0)  # None: valid on every frame
    label: str = ""
    agreed_by: list[str] = Field(default_factory=list)  # consensus keys: raters who drew this mark

    @model_serializer(mode="wrap")
    def _omit_empty_agreement(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Rater keys and older files carry no per-mark agreement: leave the field out then."""
        data = handler(self)
        if isinstance(data, dict) and not data.get("agreed_by"):
            data.pop("agreed_by", None)
        return data

    @model_validator(mode="after")
    def _point_count(self) -> Mark:
        need = {
            "point": (1, 1),
            "line": (2, 2),
            "ellipse": (2, 2),
            "polyline": (2, 10_000),
            "polygon": (3, 10_000),
        }
        lo, hi = need[self.type]
        if not lo <= len(self.points) <= hi:
            raise ValueError(
                f"a {self.type} mark needs {lo}{'' if lo == hi else '+'} points, got {len(self.points)}"
            )
        return self


class CategoryAnswer(_AnswerBase):
    kind: Literal["category"] = "category"
    value: str
    acceptable: list[str] = Field(default_factory=list)  # alternatives that also earn full credit


class OrdinalAnswer(_AnswerBase):
    kind: Literal["ordinal"] = "ordinal"
    value: int


class FindingsAnswer(_AnswerBase):
    """Findings present and absent; a finding in neither list is not assessed in this case."""

    kind: Literal["findings"] = "findings"
    present: list[str] = Field(default_factory=list)
    absent: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _disjoint(self) -> FindingsAnswer:
        both = set(self.present) & set(self.absent)
        if both:
            raise ValueError(f"findings both present and absent: {sorted(both)}")
        return self


class CountAnswer(_AnswerBase):
    kind: Literal["count"] = "count"
    value: int = Field(ge=0)
    tolerance: int = Field(default=0, ge=0)


class FrameRangesAnswer(_AnswerBase):
    """Inclusive 0-based frame ranges [start, end]."""

    kind: Literal["frame_ranges"] = "frame_ranges"
    ranges: list[tuple[int, int]]

    @field_validator("ranges")
    @classmethod
    def _ordered(cls, v: list[tuple[int, int]]) -> list[tuple[int, int]]:
        for start, end in v:
            if start < 0 or end < start:
                raise ValueError(f"range [{start}, {end}] must have 0 <= start <= end")
        return v


class MarksAnswer(_AnswerBase):
    kind: Literal["marks"] = "marks"
    marks: list[Mark]
    tolerance_px: float = Field(default=20.0, gt=0)  # match distance for points/lines, pixels
    tolerance_deg: float = Field(default=15.0, gt=0)  # match angle for lines, degrees


class MeasurementAnswer(_AnswerBase):
    kind: Literal["measurement"] = "measurement"
    value: float
    unit: Unit
    tolerance_rel: float = Field(default=0.15, gt=0)  # full credit within this relative error
    marks: list[Mark] = Field(default_factory=list)  # the expert's calipers, to draw in feedback


class DecisionAnswer(_AnswerBase):
    """Index into the case's decision options, with the explanation shown in feedback."""

    kind: Literal["decision"] = "decision"
    correct: int = Field(ge=0)
    explanation: str = ""


Answer = Annotated[
    CategoryAnswer
    | OrdinalAnswer
    | FindingsAnswer
    | CountAnswer
    | FrameRangesAnswer
    | MarksAnswer
    | MeasurementAnswer
    | DecisionAnswer,
    Field(discriminator="kind"),
]
ANSWER_KINDS: tuple[str, ...] = (
    "category",
    "ordinal",
    "findings",
    "count",
    "frame_ranges",
    "marks",
    "measurement",
    "decision",
)


class AnswerKey(_Strict):
    """One rater's key (keys/<rater>.json) or the adjudicated consensus (key.json)."""

    schema_version: Literal[1] = SCHEMA_VERSION
    case_id: str = Field(pattern=CASE_ID_PATTERN)
    rater: str = Field(min_length=1)
    role: Literal["rater", "consensus"] = "consensus"
    agreed_by: list[str] = Field(default_factory=list)  # consensus: raters whose answers were kept
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    answers: dict[str, Answer] = Field(default_factory=dict)
