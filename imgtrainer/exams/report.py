"""Exam reports from graded files: CSV tables and a PDF summary for the exam board.

Writes ``candidates.csv`` (score, pass/fail), ``items.csv`` (difficulty, discrimination, flags),
``distractors.csv``, ``findings.csv`` (per-finding sensitivity/specificity and question scores),
``summary.json`` and ``report.pdf``. Items are (case, question) pairs that were scored.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from imgtrainer.errors import ExamError
from imgtrainer.exams.grading import GRADED_FORMAT
from imgtrainer.exams.itemstats import ItemAnalysis, analyse
from imgtrainer.fileio import read_problem


def load_graded(paths: Sequence[Path]) -> dict[str, Any]:
    """Merge graded files of one exam (candidates from several sittings)."""
    merged: dict[str, Any] | None = None
    for path in paths:
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ExamError(f"{path}: cannot read the graded file: {read_problem(exc)}") from None
        if not isinstance(doc, dict) or doc.get("format") != GRADED_FORMAT:
            raise ExamError(f"{path}: not an imgtrainer graded exam file (run 'imgtrainer exam grade')")
        if merged is None:
            merged = {**doc, "candidates": list(doc["candidates"])}
        elif doc["exam_id"] != merged["exam_id"]:
            raise ExamError(f"{path}: graded file of exam {doc['exam_id']}, not {merged['exam_id']}")
        else:
            known = {c["candidate"] for c in merged["candidates"]}
            merged["candidates"] += [c for c in doc["candidates"] if c["candidate"] not in known]
    if merged is None:
        raise ExamError("no graded file given")
    return merged


def _matrix(graded: dict[str, Any]) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Candidates x items score matrix over the questions that were scored."""
    units = []
    for item in graded["items"]:
        for q in item["questions"]:
            units.append({"unit": f"{item['item_id']}/{q['id']}", "item": item, "q": q})
    scored_units = []
    cands = graded["candidates"]
    rows = {c["candidate"]: {} for c in cands}
    for c in cands:
        for case in c["cases"]:
            for qs in case["questions"]:
                if qs["scored"]:
                    rows[c["candidate"]][f"{case['item_id']}/{qs['question_id']}"] = float(qs["score"])
    for u in units:
        if any(u["unit"] in rows[c["candidate"]] for c in cands):
            scored_units.append(u)
    x = np.array([[rows[c["candidate"]].get(u["unit"], 0.0) for u in scored_units] for c in cands], float)
    return x.reshape(len(cands), len(scored_units)), scored_units


def item_analysis(graded: dict[str, Any]) -> tuple[ItemAnalysis, list[dict[str, Any]]]:
    x, units = _matrix(graded)
    ids = [u["unit"] for u in units]
    choices = {
        u["unit"]: [c["choices"].get(u["unit"]) for c in graded["candidates"]]
        for u in units
        if u["q"]["options"]
    }
    keys = {u["unit"]: u["q"]["key"] for u in units}
    options = {
        u["unit"]: [(o["id"], o["label"]) for o in u["q"]["options"]] for u in units if u["q"]["options"]
    }
    return analyse(x, ids, [u["q"]["kind"] for u in units], choices, keys, options), units


def finding_performance(graded: dict[str, Any]) -> list[dict[str, Any]]:
    """Per finding: TP/FP/TN/FN over all candidates and cases, sensitivity, specificity, and the
    mean score of questions about that finding (counts, marks, frames...)."""
    stats: dict[str, dict[str, Any]] = {}
    for c in graded["candidates"]:
        for case in c["cases"]:
            for q in case["questions"]:
                for o in q.get("outcomes", []):
                    s = stats.setdefault(
                        o["finding"],
                        {
                            "finding": o["finding"],
                            "label": o.get("label", ""),
                            "TP": 0,
                            "FP": 0,
                            "TN": 0,
                            "FN": 0,
                            "q_scores": [],
                        },
                    )
                    s[o["outcome"]] += 1
                    s["label"] = s["label"] or o.get("label", "")
                if q.get("finding") and q["scored"]:
                    s = stats.setdefault(
                        q["finding"],
                        {
                            "finding": q["finding"],
                            "label": "",
                            "TP": 0,
                            "FP": 0,
                            "TN": 0,
                            "FN": 0,
                            "q_scores": [],
                        },
                    )
                    s["q_scores"].append(float(q["score"]))
    out = []
    for f in sorted(stats):
        s = stats[f]
        pos, neg = s["TP"] + s["FN"], s["TN"] + s["FP"]
        out.append(
            {
                "finding": f,
                "label": s["label"],
                "TP": s["TP"],
                "FP": s["FP"],
                "TN": s["TN"],
                "FN": s["FN"],
                "sensitivity": round(s["TP"] / pos, 4) if pos else None,
                "specificity": round(s["TN"] / neg, 4) if neg else None,
                "n_questions": len(s["q_scores"]),
                "question_mean_score": round(float(np.mean(s["q_scores"])), 4) if s["q_scores"] else None,
            }
        )
    return out


def _r(v: float | None) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else round(float(v), 4)


def _write_csv(path: Path, rows: list[dict[str, Any]], fields: list[str]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore")
    w.writeheader()
    for row in rows:
        w.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in fields})
    from imgtrainer.library._files import atomic_write_text

    atomic_write_text(path, buf.getvalue())


def build_report(graded: dict[str, Any]) -> dict[str, Any]:
    """Every table of the report as plain rows (also written as summary.json)."""
    analysis, units = item_analysis(graded)
    by_unit = {u["unit"]: u for u in units}
    cands = [
        {
            "candidate": c["candidate"],
            "score": round(c["score"], 4),
            "percent": round(100 * c["score"], 1),
            "passed": c["passed"],
            "n_answers": c["n_answers"],
            "elapsed_s": c.get("elapsed_s"),
            "submit_reason": c.get("submit_reason"),
        }
        for c in graded["candidates"]
    ]
    items = [
        {
            "item": r.item,
            "case_id": by_unit[r.item]["item"]["case_id"],
            "kind": r.kind,
            "prompt": by_unit[r.item]["q"]["prompt"],
            "n": r.n,
            "p": _r(r.p),
            "r_pb": _r(r.r_pb),
            "r_ir": _r(r.r_ir),
            "d_index": _r(r.d_index),
            "flags": "; ".join(r.flags),
        }
        for r in analysis.items
    ]
    dis = [
        {
            "item": d.item,
            "option": d.option,
            "label": d.label,
            "is_key": d.is_key,
            "share": _r(d.share),
            "upper_share": _r(d.upper_share),
            "lower_share": _r(d.lower_share),
            "flag": d.flag,
        }
        for d in analysis.distractors
    ]
    scores = np.array([c["score"] for c in graded["candidates"]], float)
    summary = {
        "exam_id": graded["exam_id"],
        "title": graded.get("title", ""),
        "pass_mark": graded["pass_mark"],
        "n_candidates": len(cands),
        "n_items": analysis.n_items,
        "mean_score": _r(float(scores.mean())) if len(scores) else None,
        "sd_score": _r(float(scores.std())) if len(scores) else None,
        "pass_rate": _r(float(np.mean([c["passed"] for c in cands]))) if cands else None,
        "cronbach_alpha": _r(analysis.alpha),
        "kr20": _r(analysis.kr20),
        "flagged_items": sum(1 for r in analysis.items if r.flags),
    }
    return {
        "summary": summary,
        "candidates": cands,
        "items": items,
        "distractors": dis,
        "findings": finding_performance(graded),
    }


def write_report(graded: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """Write the CSV files, summary.json and report.pdf into ``out_dir``."""
    from imgtrainer.exams.report_pdf import write_pdf
    from imgtrainer.library._files import atomic_write_json

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rep = build_report(graded)
    paths = {name: out_dir / f"{name}.csv" for name in ("candidates", "items", "distractors", "findings")}
    _write_csv(
        paths["candidates"],
        rep["candidates"],
        ["candidate", "score", "percent", "passed", "n_answers", "elapsed_s", "submit_reason"],
    )
    _write_csv(
        paths["items"],
        rep["items"],
        ["item", "case_id", "kind", "prompt", "n", "p", "r_pb", "r_ir", "d_index", "flags"],
    )
    _write_csv(
        paths["distractors"],
        rep["distractors"],
        ["item", "option", "label", "is_key", "share", "upper_share", "lower_share", "flag"],
    )
    _write_csv(
        paths["findings"],
        rep["findings"],
        [
            "finding",
            "label",
            "TP",
            "FP",
            "TN",
            "FN",
            "sensitivity",
            "specificity",
            "n_questions",
            "question_mean_score",
        ],
    )
    paths["summary"] = atomic_write_json(out_dir / "summary.json", rep)
    paths["pdf"] = write_pdf(rep, out_dir / "report.pdf")
    return paths
