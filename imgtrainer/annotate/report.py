"""Agreement across a library: for every case with two or more rater keys (``keys/*.json``),
statistics per question, per finding and per case.

Kinds map to statistics: category and decision answers -> Cohen's kappa (2 raters) or
Fleiss' kappa (3+); ordinal -> quadratic-weighted kappa (2 raters) or Fleiss (3+);
findings -> kappa per finding (present vs absent); count and measurement -> ICC(2,1);
marks -> mark-level F1 between each pair of raters after one-to-one matching;
frame ranges -> temporal IoU between each pair.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from imgtrainer.annotate.adjudicate import answer_content
from imgtrainer.annotate.agreement import cohen_kappa, fleiss_kappa, fleiss_table, icc_a1, percent_agreement
from imgtrainer.annotate.marks import frame_ranges_iou, marks_f1
from imgtrainer.errors import CaseFormatError
from imgtrainer.library.case_io import is_case_folder, load_rater_keys
from imgtrainer.library.models import AnswerKey


@dataclass
class Statistic:
    """One row of the agreement table."""

    item: str  # question id, or "finding:<id>"
    kind: str
    statistic: str  # "cohen_kappa", "weighted_kappa", "fleiss_kappa", "icc_a1", "mark_f1", "frame_iou"
    value: float
    n_cases: int
    n_raters: int
    percent_agreement: float | None = None
    note: str = ""


@dataclass
class CaseAgreement:
    case_id: str
    raters: list[str]
    questions_compared: int
    questions_identical: int
    mean_mark_f1: float | None


@dataclass
class AgreementReport:
    library: str
    cases_with_multiple_raters: int
    raters: list[str]
    statistics: list[Statistic] = field(default_factory=list)
    cases: list[CaseAgreement] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        def clean(v: Any) -> Any:
            return None if isinstance(v, float) and math.isnan(v) else v

        out = asdict(self)
        for row in out["statistics"]:
            for k, v in row.items():
                row[k] = clean(v)
        for row in out["cases"]:
            for k, v in row.items():
                row[k] = clean(v)
        return out


def _nominal(
    item: str, kind: str, subjects: list[list[Any]], categories: list[Any] | None, ordinal: bool
) -> Statistic:
    n_r = {len(s) for s in subjects}
    if len(n_r) != 1:
        keep = max(n_r, key=lambda n: sum(1 for s in subjects if len(s) == n))
        subjects = [s for s in subjects if len(s) == keep]
        note = f"cases with a different number of raters left out (kept {keep}-rater cases)"
    else:
        note = ""
    n = len(subjects[0])
    pa = percent_agreement(subjects)
    if n == 2:
        a, b = zip(*subjects, strict=True)
        weights = "quadratic" if ordinal else "none"
        value = cohen_kappa(a, b, weights=weights, categories=categories)
        name = "weighted_kappa" if ordinal else "cohen_kappa"
    else:
        value = fleiss_kappa(fleiss_table(subjects, categories))
        name = "fleiss_kappa"
    return Statistic(item, kind, name, value, len(subjects), n, pa, note)


def _continuous(item: str, kind: str, subjects: list[list[float]]) -> Statistic:
    n = max(len(s) for s in subjects)
    rows = [s for s in subjects if len(s) == n]
    value = icc_a1(np.array(rows)) if len(rows) >= 2 else math.nan
    note = "" if len(rows) >= 2 else "ICC needs at least 2 cases"
    return Statistic(item, kind, "icc_a1", value, len(rows), n, None, note)


def compare_keys(keys: dict[str, AnswerKey]) -> tuple[dict[str, list[tuple[str, Any]]], CaseAgreement]:
    """Per-question answers of each rater for one case, and the case's agreement summary."""
    raters = sorted(keys)
    per_q: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for r in raters:
        for qid, ans in keys[r].answers.items():
            per_q[qid].append((r, ans))
    compared = identical = 0
    f1s: list[float] = []
    for answers in per_q.values():
        if len(answers) < 2:
            continue
        compared += 1
        contents = [answer_content(a) for _, a in answers]
        identical += all(c == contents[0] for c in contents)
        if answers[0][1].kind == "marks":
            for (_, x), (_, y) in itertools.combinations(answers, 2):
                f1s.append(marks_f1(x.marks, y.marks, x.tolerance_px, x.tolerance_deg))
    case_id = next(iter(keys.values())).case_id
    summary = CaseAgreement(case_id, raters, compared, identical, float(np.mean(f1s)) if f1s else None)
    return per_q, summary


def library_agreement(library: Path) -> AgreementReport:
    """Agreement statistics over every case folder below ``library`` with 2+ rater keys."""
    library = Path(library)
    folders = sorted(p.parent for p in library.rglob("case.json") if is_case_folder(p.parent))
    report = AgreementReport(str(library), 0, [])
    all_raters: set[str] = set()
    nominal: dict[str, list[list[Any]]] = defaultdict(list)
    kinds: dict[str, str] = {}
    findings: dict[str, list[list[str]]] = defaultdict(list)
    continuous: dict[str, list[list[float]]] = defaultdict(list)
    pairwise: dict[str, list[float]] = defaultdict(list)
    for folder in folders:
        try:
            keys = load_rater_keys(folder)
        except CaseFormatError as exc:
            report.problems.append(str(exc))
            continue
        if len(keys) < 2:
            continue
        report.cases_with_multiple_raters += 1
        all_raters.update(keys)
        per_q, summary = compare_keys(keys)
        report.cases.append(summary)
        for qid, answers in per_q.items():
            if len(answers) < 2:
                continue
            kind = answers[0][1].kind
            kinds[qid] = kind
            vals = [a for _, a in answers]
            if kind == "category":
                nominal[qid].append([a.value for a in vals])
            elif kind in ("ordinal", "decision"):
                nominal[qid].append([a.value if kind == "ordinal" else a.correct for a in vals])
            elif kind == "findings":
                assessed = set.intersection(*[set(a.present) | set(a.absent) for a in vals])
                for f in assessed:
                    findings[f].append(["present" if f in a.present else "absent" for a in vals])
            elif kind in ("count", "measurement"):
                continuous[qid].append([float(a.value) for a in vals])
            elif kind == "marks":
                for x, y in itertools.combinations(vals, 2):
                    pairwise[qid].append(marks_f1(x.marks, y.marks, x.tolerance_px, x.tolerance_deg))
            elif kind == "frame_ranges":
                for x, y in itertools.combinations(vals, 2):
                    pairwise[qid].append(frame_ranges_iou(x.ranges, y.ranges))
    report.raters = sorted(all_raters)
    for qid, subjects in sorted(nominal.items()):
        ordinal = kinds[qid] == "ordinal"
        cats = sorted({v for s in subjects for v in s}) if ordinal else None
        if ordinal and cats:
            cats = list(range(min(cats), max(cats) + 1))
        report.statistics.append(_nominal(qid, kinds[qid], subjects, cats, ordinal))
    for f, subjects in sorted(findings.items()):
        report.statistics.append(_nominal(f"finding:{f}", "findings", subjects, ["absent", "present"], False))
    for qid, subjects in sorted(continuous.items()):
        report.statistics.append(_continuous(qid, kinds[qid], subjects))
    for qid, values in sorted(pairwise.items()):
        name = "mark_f1" if kinds[qid] == "marks" else "frame_iou"
        report.statistics.append(
            Statistic(
                qid, kinds[qid], name, float(np.mean(values)), len(values), 2, None, "mean over rater pairs"
            )
        )
    return report
