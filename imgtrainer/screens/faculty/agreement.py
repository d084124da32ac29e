"""The agreement page's table as plain rows (no Qt): human labels, cited interpretation bands, CSV.

Interpretation words are given only where a published scale exists: Landis & Koch (1977) for
kappa and Koo & Li (2016) for the ICC. Mark F1 and frame IoU have no such scale, so they get none.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

STAT_NAMES = {
    "cohen_kappa": "Cohen's κ",
    "weighted_kappa": "weighted κ (quadratic)",
    "fleiss_kappa": "Fleiss' κ",
    "icc_a1": "ICC(2,1)",
    "mark_f1": "mark F1",
    "frame_iou": "frame IoU",
}
SCALES = {"kappa": "Landis & Koch 1977", "icc_a1": "Koo & Li 2016"}
COLUMNS = [
    "Item",
    "Kind",
    "Statistic",
    "Value",
    "Interpretation",
    "Scale",
    "Cases",
    "Raters",
    "% identical",
    "Note",
]
NUMERIC = {"Value", "Cases", "Raters", "% identical"}


def _undefined(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def strength(statistic: str, value: float | None) -> str:
    """Words for a value on a cited scale, or "" when the statistic has none.

    >>> strength("cohen_kappa", 0.7), strength("icc_a1", 0.8), strength("mark_f1", 0.9)
    ('substantial', 'good', '')
    """
    if statistic.endswith("kappa"):
        if _undefined(value):
            return "undefined"
        for bound, word in (
            (0.0, "poor"),
            (0.2, "slight"),
            (0.4, "fair"),
            (0.6, "moderate"),
            (0.8, "substantial"),
        ):
            if value <= bound:  # type: ignore[operator]
                return word
        return "almost perfect"
    if statistic == "icc_a1":
        if _undefined(value):
            return "undefined"
        v = float(value)  # type: ignore[arg-type]
        return "poor" if v < 0.5 else "moderate" if v < 0.75 else "good" if v < 0.9 else "excellent"
    return ""


def scale_of(statistic: str) -> str:
    return SCALES["kappa"] if statistic.endswith("kappa") else SCALES.get(statistic, "")


def item_labels() -> tuple[dict[str, str], dict[str, str]]:
    """Question id -> prompt and finding id -> label over every application's taxonomy."""
    from imgtrainer.library.taxonomy_io import load_all_taxonomies

    questions: dict[str, str] = {}
    findings: dict[str, str] = {}
    for tax in load_all_taxonomies().values():
        for q in tax.questions:
            questions.setdefault(q.id, q.prompt)
        for f in tax.findings:
            findings.setdefault(f.id, f.label)
    return questions, findings


def human_item(item: str, labels: tuple[dict[str, str], dict[str, str]]) -> str:
    """ "finding:blines" -> "Finding: B-lines"; "b_line_marks" -> its question prompt."""
    questions, findings = labels
    if item.startswith("finding:"):
        fid = item.split(":", 1)[1]
        return f"Finding: {findings.get(fid, fid.replace('_', ' '))}"
    return questions.get(item, item.replace("_", " "))


def _fmt(v: float | None, pct: bool = False) -> str:
    if _undefined(v):
        return "n/a"
    return f"{100 * v:.0f}%" if pct else f"{v:.2f}"  # type: ignore[operator]


def agreement_rows(
    report: Any, labels: tuple[dict[str, str], dict[str, str]] | None = None
) -> list[dict[str, str]]:
    """One row per statistic of ``library_agreement``'s report, keyed by ``COLUMNS``."""
    labels = labels or item_labels()
    rows = []
    for s in report.statistics:
        word = strength(s.statistic, s.value)
        if word == "undefined" and s.percent_agreement == 1.0:
            word = "all identical (κ undefined)"
        rows.append(
            {
                "Item": human_item(s.item, labels),
                "Kind": s.kind,
                "Statistic": STAT_NAMES.get(s.statistic, s.statistic),
                "Value": _fmt(s.value),
                "Interpretation": word,
                "Scale": scale_of(s.statistic) if word else "",
                "Cases": str(s.n_cases),
                "Raters": str(s.n_raters),
                "% identical": _fmt(s.percent_agreement, pct=True) if s.percent_agreement is not None else "",
                "Note": s.note,
                "id": s.item,
            }
        )
    return rows


def agreement_csv(rows: list[dict[str, str]]) -> str:
    """The table as CSV text (the item id as a last column, for spreadsheets that join on it)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[*COLUMNS, "id"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write_agreement_csv(rows: list[dict[str, str]], path: Path) -> Path:
    from imgtrainer.fileio import atomic_write_text

    return atomic_write_text(Path(path), agreement_csv(rows))
