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
            known = {_who(c) for c in merged["candidates"]}
            merged["candidates"] += [c for c in doc["candidates"] if _who(c) not in known]
    if merged is None:
        raise ExamError("no graded file given")
    return merged


def _who(c: dict[str, Any]) -> tuple[str, int]:
    """A graded candidate row's identity: candidate id and attempt number (re-takes)."""
    return c["candidate"], int(c.get("attempt", 1))


def _matrix(graded: dict[str, Any]) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Candidates x items score matrix over the questions that were scored."""
    units = []
    for item in graded["items"]:
        for q in item["questions"]:
            units.append({"unit": f"{item['item_id']}/{q['id']}", "item": item, "q": q})
    scored_units = []
    cands = graded["candidates"]
    rows: dict[tuple[str, int], dict[str, float]] = {_who(c): {} for c in cands}
    for c in cands:
        for case in c["cases"]:
            for qs in case["questions"]:
                if qs["scored"]:
                    rows[_who(c)][f"{case['item_id']}/{qs['question_id']}"] = float(qs["score"])
    for u in units:
        if any(u["unit"] in rows[_who(c)] for c in cands):
            scored_units.append(u)
    x = np.array([[rows[_who(c)].get(u["unit"], 0.0) for u in scored_units] for c in cands], float)
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


def first_attempts(graded: dict[str, Any]) -> dict[str, Any]:
    """The graded exam with only each candidate's earliest attempt: item statistics and score
    summaries use these (a re-take has seen the items before)."""
    first: dict[str, dict[str, Any]] = {}
    for c in graded["candidates"]:
        if c["candidate"] not in first or _who(c) < _who(first[c["candidate"]]):
            first[c["candidate"]] = c
    return {**graded, "candidates": sorted(first.values(), key=_who)}


def _candidate_row(c: dict[str, Any]) -> dict[str, Any]:
    from imgtrainer.exams.proctor import describe

    t = c.get("time") or {}
    return {
        "candidate": c["candidate"],
        "attempt": int(c.get("attempt", 1)),
        "date": (c.get("started_at") or "")[:10],
        "score": round(c["score"], 4),
        "percent": round(100 * c["score"], 1),
        "passed": c["passed"],
        "n_answers": c["n_answers"],
        "elapsed_s": None if c.get("elapsed_s") is None else round(float(c["elapsed_s"]), 1),
        "submit_reason": c.get("submit_reason"),
        "extra_time_s": t.get("extra_time_s", 0.0),
        "interruptions": len(t.get("interruptions", [])),
        "downtime_s": t.get("downtime_s", 0.0),
        "downtime_counted_s": t.get("downtime_counted_s", 0.0),
        "granted_s": t.get("granted_s", 0.0),
        "added_s": t.get("added_s", 0.0),
        "time_notes": describe(t) if t else "",
        "case_percent": [round(100 * float(case["score"]), 1) for case in c["cases"]],
    }


def build_report(graded: dict[str, Any]) -> dict[str, Any]:
    """Every table of the report as plain rows (also written as summary.json). Item analysis and
    the score summary use first attempts; the candidate table lists every attempt."""
    all_graded, graded = graded, first_attempts(graded)
    analysis, units = item_analysis(graded)
    by_unit = {u["unit"]: u for u in units}
    cands = [_candidate_row(c) for c in all_graded["candidates"]]
    items = [
        {
            "item": r.item,
            "case_id": by_unit[r.item]["item"]["case_id"],
            "case_title": by_unit[r.item]["item"].get("title", ""),
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
    firsts = graded["candidates"]
    scores = np.array([c["score"] for c in firsts], float)
    dates = sorted(r["date"] for r in cands if r["date"])
    summary = {
        "exam_id": graded["exam_id"],
        "title": graded.get("title", ""),
        "pass_mark": graded["pass_mark"],
        "created_at": graded.get("created_at"),
        "first_sitting": dates[0] if dates else None,
        "last_sitting": dates[-1] if dates else None,
        "n_candidates": len(firsts),
        "n_attempts": len(cands),
        "n_items": analysis.n_items,
        "mean_score": _r(float(scores.mean())) if len(scores) else None,
        "sd_score": _r(float(scores.std())) if len(scores) else None,
        "mean_percent": round(100 * float(scores.mean()), 1) if len(scores) else None,
        "sd_percent": round(100 * float(scores.std()), 1) if len(scores) else None,
        "pass_rate": _r(float(np.mean([c["passed"] for c in firsts]))) if firsts else None,
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


CANDIDATE_COLUMNS = [
    "candidate",
    "attempt",
    "date",
    "score",
    "percent",
    "passed",
    "n_answers",
    "elapsed_s",
    "submit_reason",
    "extra_time_s",
    "interruptions",
    "downtime_s",
    "downtime_counted_s",
    "granted_s",
    "added_s",
    "time_notes",
]


def write_report(graded: dict[str, Any], out_dir: Path, roster: Path | None = None) -> dict[str, Path]:
    """Write the CSV files (with the LMS gradebook), summary.json and report.pdf into ``out_dir``;
    ``roster`` is an optional CSV of candidate ids and names for the gradebook."""
    from imgtrainer.exams.gradebook import write_gradebook
    from imgtrainer.exams.report_pdf import write_pdf
    from imgtrainer.library._files import atomic_write_json

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rep = build_report(graded)
    paths = {name: out_dir / f"{name}.csv" for name in ("candidates", "items", "distractors", "findings")}
    _write_csv(paths["candidates"], rep["candidates"], CANDIDATE_COLUMNS)
    paths["gradebook"] = write_gradebook(graded, rep, out_dir / "gradebook.csv", roster)
    _write_csv(
        paths["items"],
        rep["items"],
        ["item", "case_id", "case_title", "kind", "prompt", "n", "p", "r_pb", "r_ir", "d_index", "flags"],
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
