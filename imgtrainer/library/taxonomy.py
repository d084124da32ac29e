"""Taxonomy: views, findings and I-AIM questions per application, from editable TOML files.

``assets/taxonomy/common.toml`` holds questions every application shares (ACEP quality grade,
the decision question); ``<domain>.toml`` holds one application's views, findings, questions
and named question sets. Faculty extend these files without code.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from imgtrainer.library.models import Domain, Step, Unit

AnswerKind = Literal[
    "category", "ordinal", "findings", "count", "frame_ranges", "marks", "measurement", "decision"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Option(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str
    description: str = ""


class ScalePoint(_Strict):
    value: int
    label: str


class View(Option):
    pass


class Finding(Option):
    """A sign or finding; ``distractor`` marks look-alikes taught as 'not this' (Z-lines)."""

    distractor: bool = False
    group: str = ""


class Question(_Strict):
    """One I-AIM question. Its kind decides the widget, the answer model and the scoring rule."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    step: Step
    kind: AnswerKind
    prompt: str
    help: str = ""
    options: list[Option] = Field(default_factory=list)  # category
    options_from: Literal["views", "applications"] | None = None  # category options source
    scale: list[ScalePoint] = Field(default_factory=list)  # ordinal
    findings: list[str] = Field(default_factory=list)  # findings: which findings are asked
    unit: Unit | None = None  # measurement
    mark_types: list[Literal["point", "line", "polyline", "polygon", "ellipse"]] = Field(default_factory=list)
    weight: float = Field(default=1.0, ge=0)
    partial_credit: bool = True  # ordinal: credit falls with distance; category: ignored
    finding: str | None = None  # the finding this question is about (for per-finding stats)

    @model_validator(mode="after")
    def _kind_fields(self) -> Question:
        k = self.kind
        if k == "category" and not (self.options or self.options_from):
            raise ValueError(f"question {self.id!r}: a category question needs options or options_from")
        if k == "ordinal" and len(self.scale) < 2:
            raise ValueError(f"question {self.id!r}: an ordinal question needs a scale of 2+ points")
        if k == "findings" and not self.findings:
            raise ValueError(f"question {self.id!r}: a findings question needs a findings list")
        if k == "measurement" and self.unit is None:
            raise ValueError(f"question {self.id!r}: a measurement question needs a unit")
        if k == "marks" and not self.mark_types:
            raise ValueError(f"question {self.id!r}: a marks question needs mark_types")
        return self


class CommonTaxonomy(_Strict):
    schema_version: Literal[1] = 1
    questions: list[Question] = Field(default_factory=list)


class Taxonomy(_Strict):
    """One application's vocabulary and questions (common questions merged in by the loader)."""

    schema_version: Literal[1] = 1
    domain: Domain
    title: str
    source: str = ""
    views: list[View] = Field(min_length=1)
    findings: list[Finding] = Field(default_factory=list)
    questions: list[Question] = Field(min_length=1)
    question_sets: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> Taxonomy:
        finding_ids = {f.id for f in self.findings}
        qids = [q.id for q in self.questions]
        dupes = {q for q in qids if qids.count(q) > 1}
        if dupes:
            raise ValueError(f"duplicate question ids: {sorted(dupes)}")
        for q in self.questions:
            unknown = [f for f in q.findings if f not in finding_ids]
            if q.finding and q.finding not in finding_ids:
                unknown.append(q.finding)
            if unknown:
                raise ValueError(f"question {q.id!r} names unknown findings {unknown}")
        for name, ids in self.question_sets.items():
            missing = [i for i in ids if i not in qids]
            if missing:
                raise ValueError(f"question set {name!r} names unknown questions {missing}")
        return self

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(f"{self.domain}: no question {qid!r}")

    def questions_in(self, set_name: str = "default") -> list[Question]:
        """Questions of a named set in I-AIM order; 'default' or an unknown set means all."""
        ids = self.question_sets.get(set_name)
        chosen = self.questions if ids is None else [self.question(i) for i in ids]
        order = {"indication": 0, "acquisition": 1, "interpretation": 2, "decision": 3}
        return sorted(chosen, key=lambda q: order[q.step])

    def category_options(self, q: Question) -> list[Option]:
        from imgtrainer.library.models import DOMAINS

        if q.options_from == "views":
            return [Option(id=v.id, label=v.label) for v in self.views]
        if q.options_from == "applications":
            return [Option(id=d, label=_APPLICATION_LABELS[d]) for d in DOMAINS]
        return q.options


_APPLICATION_LABELS = {
    "airway": "Airway",
    "lung": "Lung and diaphragm",
    "gastric": "Gastric",
    "cardiac": "Focused cardiac (FoCUS)",
    "fast": "FAST",
}
