"""Dataset mapping files: how a labelled spreadsheet (one row per clip) becomes cases and keys.

A mapping (TOML) names the file column, the constant or column-driven case fields (application,
probe, licence, source, tags, teaching text) and, per label column, the finding or question it
keys and how each cell value translates. A cell whose value is not in the table is reported and
left unassessed, never guessed. See ``assets/mappings/pocus_dataset.toml``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from imgtrainer.errors import CaseFormatError
from imgtrainer.library._files import describe_validation_error, format_loc
from imgtrainer.library.models import CaseStatus, Domain
from imgtrainer.library.taxonomy import Taxonomy
from imgtrainer.library.toml_lines import line_for, read_toml

FindingState = Literal["present", "absent", "not_assessed"]
NOT_ASSESSED = "not_assessed"
EMPTY = "empty"
"""Key of a ``values`` table that matches an empty cell (same as the key ``""``)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _lower_keys(v: dict[str, Any]) -> dict[str, Any]:
    return {str(k).strip().lower(): val for k, val in v.items()}


class FindingRule(_Strict):
    """A 0/1 or yes/no column that says whether one finding is present."""

    column: str
    finding: str
    question: str = "findings"
    values: dict[str, FindingState] = Field(
        default_factory=lambda: {
            "1": "present", "0": "absent", "yes": "present", "no": "absent",
            "true": "present", "false": "absent", EMPTY: NOT_ASSESSED,
        }
    )  # fmt: skip

    _keys = field_validator("values")(classmethod(lambda cls, v: _lower_keys(v)))


class AnswerRule(_Strict):
    """A column that answers one question (category, ordinal, count or measurement)."""

    column: str
    question: str
    values: dict[str, str | int | float] = Field(default_factory=dict)  # cell -> answer value
    parse: Literal["table", "int", "float", "text"] = "table"  # how a cell not in ``values`` reads
    unit: str | None = None  # measurement
    tolerance: int = 0  # count

    _keys = field_validator("values")(classmethod(lambda cls, v: _lower_keys(v)))


class Distrust(_Strict):
    """Rows whose ``column`` contains ``contains`` get no key answers (reported, tagged)."""

    column: str
    contains: str
    tag: str = "labels_unreliable"


class CaseRules(_Strict):
    """How case.json fields are filled: constants, ``*_column`` names and value tables.

    Templates (``title``) may use ``{column name}``, ``{stem}`` (file name without suffix) and
    ``{row}`` (1-based data row).
    """

    domain: Domain | None = None
    domain_column: str | None = None
    domain_values: dict[str, Domain] = Field(default_factory=dict)
    title: str = "{stem}"
    probe: Literal["linear", "convex", "phased", "unknown"] = "unknown"
    probe_column: str | None = None
    probe_values: dict[str, Literal["linear", "convex", "phased", "unknown"]] = Field(default_factory=dict)
    source: str = "unknown"
    source_column: str | None = None
    licence: str = "unknown"
    licence_column: str | None = None
    indication: str = ""
    teaching_columns: list[str] = Field(default_factory=list)
    teaching_split: str = " | "
    teaching_prefix: dict[str, str] = Field(default_factory=dict)  # column -> text put before
    tags: list[str] = Field(default_factory=list)
    tag_columns: list[str] = Field(default_factory=list)
    age_column: str | None = None
    weight_column: str | None = None
    difficulty: Literal[1, 2, 3] = 2
    status: CaseStatus = "pending_review"
    question_set: str = "default"

    _dk = field_validator("domain_values", "probe_values")(classmethod(lambda cls, v: _lower_keys(v)))


class Mapping(_Strict):
    schema_version: Literal[1] = 1
    name: str = Field(pattern=r"^[a-z0-9_.-]+$")
    description: str = ""
    file_column: str = "file"
    id_column: str | None = None
    id_prefix: str = Field(default="", pattern=r"^[a-z0-9._-]*$")
    rater: str = "dataset"
    deidentify: Literal["none", "deid"] = "deid"
    empty_values: list[str] = Field(default_factory=lambda: ["", "na", "n/a", "nan", "none", "-"])
    case: CaseRules = Field(default_factory=CaseRules)
    findings: list[FindingRule] = Field(default_factory=list)
    answers: list[AnswerRule] = Field(default_factory=list)
    distrust: list[Distrust] = Field(default_factory=list)

    def columns(self) -> set[str]:
        """Every column the mapping reads (a manifest must have them all)."""
        c = self.case
        cols = {self.file_column, *(r.column for r in self.findings), *(r.column for r in self.answers)}
        cols |= {r.column for r in self.distrust} | set(c.teaching_columns) | set(c.tag_columns)
        cols |= {x for x in (self.id_column, c.domain_column, c.probe_column, c.source_column,
                             c.licence_column, c.age_column, c.weight_column) if x}  # fmt: skip
        return cols


def _err(path: Path, text: str, loc: tuple[Any, ...], problem: str) -> CaseFormatError:
    line = line_for(text, loc)
    field = format_loc(loc)
    return CaseFormatError(f"{path}: line {line or '?'}: {field}: {problem}")


def load_mapping(path: Path, taxonomies: dict[str, Taxonomy] | None = None) -> Mapping:
    """Read and check a mapping file; with ``taxonomies``, also check every finding and question.

    Errors name the file, the line and the field (``findings[2].finding``).
    """
    path = Path(path)
    data, text = read_toml(path)
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-")))
        raise _err(path, text, loc, describe_validation_error(exc, 1)[0][1]) from exc
    if mapping.case.domain is None and mapping.case.domain_column is None:
        raise CaseFormatError(
            f"{path}: line {line_for(text, ('case',)) or '?'}: case: give domain or domain_column"
        )
    if taxonomies is not None:
        _check_against_taxonomy(path, text, mapping, taxonomies)
    return mapping


def _check_against_taxonomy(path: Path, text: str, m: Mapping, taxonomies: dict[str, Taxonomy]) -> None:
    domains = [m.case.domain] if m.case.domain else sorted(set(m.case.domain_values.values()))
    for domain in domains:
        tax = taxonomies.get(domain)
        if tax is None:
            raise _err(path, text, ("case", "domain"), f"no taxonomy for {domain!r}")
        qids = {q.id for q in tax.questions}
        if m.case.question_set != "default" and m.case.question_set not in tax.question_sets:
            raise _err(
                path, text, ("case", "question_set"), f"{domain} has no question set {m.case.question_set!r}"
            )
        for i, r in enumerate(m.findings):
            if r.question not in qids or tax.question(r.question).kind != "findings":
                raise _err(
                    path,
                    text,
                    ("findings", i, "question"),
                    f"{r.question!r} is not a findings question of {domain}",
                )
            if r.finding not in tax.question(r.question).findings:
                raise _err(
                    path,
                    text,
                    ("findings", i, "finding"),
                    f"{r.finding!r} is not a finding asked by {domain}:{r.question}",
                )
        for i, r in enumerate(m.answers):
            if r.question not in qids:
                raise _err(path, text, ("answers", i, "question"), f"no question {r.question!r} in {domain}")
            kind = tax.question(r.question).kind
            if kind not in ("category", "ordinal", "count", "measurement"):
                raise _err(
                    path,
                    text,
                    ("answers", i, "question"),
                    f"{r.question!r} is a {kind} question: not mappable from one cell",
                )


def slug(text: str, limit: int = 80) -> str:
    """Lower-case id fragment: ``[a-z0-9._-]``, no leading punctuation."""
    s = re.sub(r"[^a-z0-9._-]+", "-", text.lower())
    s = re.sub(r"-{2,}", "-", s).strip("-._")
    return s[:limit].rstrip("-._") or "case"
