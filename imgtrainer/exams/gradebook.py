"""The gradebook CSV for a learning-management system: one row per attempt, fixed columns.

Columns (documented in the README; a spreadsheet or an LMS grade import maps them once):
``candidate_id, candidate_name, exam_title, exam_date, percent, result, attempt,
extra_time_min, case_1 ... case_N`` where ``case_k`` is the candidate's score on the k-th case
of the package (percent, in the package's item order, not the candidate's shuffled order).
``candidate_name`` comes from an optional roster CSV with columns ``candidate`` (or
``candidate_id``) and ``name``; ``exam_date`` is the day the attempt started (UTC).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from imgtrainer.errors import ExamError

FIXED_COLUMNS = [
    "candidate_id",
    "candidate_name",
    "exam_title",
    "exam_date",
    "percent",
    "result",
    "attempt",
    "extra_time_min",
]


def read_roster(path: Path) -> dict[str, str]:
    """Candidate id -> name from a CSV with columns candidate (or candidate_id) and name."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            fields = {f.strip().lower(): f for f in reader.fieldnames or []}
            id_col = fields.get("candidate") or fields.get("candidate_id")
            name_col = fields.get("name") or fields.get("candidate_name")
            if not id_col or not name_col:
                raise ExamError(f"{path}: a roster needs the columns candidate and name")
            return {row[id_col].strip(): (row[name_col] or "").strip() for row in reader if row.get(id_col)}
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ExamError(f"{path}: cannot read the roster ({exc.__class__.__name__}: {exc})") from None


def gradebook_rows(graded: dict[str, Any], names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One row per attempt with the fixed columns and ``case_1``... per-case percentages."""
    item_ids = [i["item_id"] for i in graded["items"]]
    rows = []
    for c in graded["candidates"]:
        by_item = {case["item_id"]: case for case in c["cases"]}
        row: dict[str, Any] = {
            "candidate_id": c["candidate"],
            "candidate_name": (names or {}).get(c["candidate"], ""),
            "exam_title": graded.get("title", ""),
            "exam_date": (c.get("started_at") or "")[:10],
            "percent": round(100 * float(c["score"]), 1),
            "result": "pass" if c["passed"] else "fail",
            "attempt": int(c.get("attempt", 1)),
            "extra_time_min": round(float((c.get("time") or {}).get("extra_time_s", 0.0)) / 60, 1),
        }
        for k, item_id in enumerate(item_ids, 1):
            case = by_item.get(item_id)
            row[f"case_{k}"] = "" if case is None else round(100 * float(case["score"]), 1)
        rows.append(row)
    return rows


def write_gradebook(
    graded: dict[str, Any], _report: dict[str, Any], path: Path, roster: Path | None = None
) -> Path:
    """Write gradebook.csv atomically; returns its path."""
    from imgtrainer.fileio import atomic_write_text

    rows = gradebook_rows(graded, read_roster(roster) if roster else None)
    columns = FIXED_COLUMNS + [f"case_{k}" for k in range(1, len(graded["items"]) + 1)]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return atomic_write_text(path, buf.getvalue())
