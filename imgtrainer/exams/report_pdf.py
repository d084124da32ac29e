"""The exam report as a PDF (fpdf2, core fonts): summary, candidates, flagged items, findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from imgtrainer import DISCLAIMER
from imgtrainer.fileio import atomic_write_bytes


def _t(value: Any) -> str:
    """Text for a core (latin-1) font cell."""
    text = "" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))
    return text.encode("latin-1", "replace").decode("latin-1")


def _table(pdf: Any, headers: list[str], rows: list[list[Any]], widths: list[float]) -> None:
    pdf.set_font("Helvetica", "B", 8)
    for h, w in zip(headers, widths, strict=True):
        pdf.cell(w, 6, _t(h), border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 8)
    for row in rows:
        if pdf.get_y() > pdf.h - 20:
            pdf.add_page()
        for v, w in zip(row, widths, strict=True):
            text = _t(v)
            while text and pdf.get_string_width(text) > w - 1.5:
                text = text[:-2] + "~"
            pdf.cell(w, 5, text, border=1)
        pdf.ln()
    pdf.ln(3)


def write_pdf(rep: dict[str, Any], path: Path) -> Path:
    from fpdf import FPDF

    s = rep["summary"]
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _t(f"Exam report: {s['title']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    lines = [
        f"Exam {s['exam_id']} - {s['n_candidates']} candidates, {s['n_items']} scored items, pass mark {s['pass_mark']:.0%}",
        f"Mean score {_t(s['mean_score'])} (SD {_t(s['sd_score'])}), pass rate {_t(s['pass_rate'])}",
        f"Reliability: Cronbach's alpha {_t(s['cronbach_alpha'])}"
        + (
            f", KR-20 {_t(s['kr20'])}"
            if s["kr20"] is not None
            else " (partial-credit items: KR-20 not applicable)"
        ),
        f"Items flagged for review: {s['flagged_items']} (p<0.2, p>0.95, corrected item-rest r<0.2, "
        "or a distractor preferred to the key by the upper 27%)",
    ]
    if s["n_candidates"] < 20:
        lines.append(
            f"Caution: only {s['n_candidates']} candidates; item statistics and reliability are unstable below ~20-30."
        )
    for line in lines:
        pdf.multi_cell(0, 5, _t(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Candidates", new_x="LMARGIN", new_y="NEXT")
    _table(
        pdf,
        ["candidate", "score %", "result", "answers", "time (s)", "submitted by"],
        [
            [
                c["candidate"],
                c["percent"],
                "PASS" if c["passed"] else "FAIL",
                c["n_answers"],
                c["elapsed_s"],
                c["submit_reason"],
            ]
            for c in rep["candidates"]
        ],
        [60, 25, 20, 20, 25, 40],
    )
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Item analysis", new_x="LMARGIN", new_y="NEXT")
    _table(
        pdf,
        ["item", "kind", "p", "r_pb", "r_ir", "D", "flags"],
        [
            [i["item"], i["kind"], i["p"], i["r_pb"], i["r_ir"], i["d_index"], i["flags"]]
            for i in rep["items"]
        ],
        [55, 22, 15, 15, 15, 15, 135],
    )
    flagged = [d for d in rep["distractors"] if d["flag"]]
    if flagged:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 7, "Distractors preferred by the upper group", new_x="LMARGIN", new_y="NEXT")
        _table(
            pdf,
            ["item", "option", "label", "upper", "lower", "all"],
            [
                [d["item"], d["option"], d["label"], d["upper_share"], d["lower_share"], d["share"]]
                for d in flagged
            ],
            [55, 30, 110, 20, 20, 20],
        )
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Per-finding performance", new_x="LMARGIN", new_y="NEXT")
    _table(
        pdf,
        ["finding", "TP", "FP", "TN", "FN", "sensitivity", "specificity", "question mean"],
        [
            [
                f["finding"],
                f["TP"],
                f["FP"],
                f["TN"],
                f["FN"],
                f["sensitivity"],
                f["specificity"],
                f["question_mean_score"],
            ]
            for f in rep["findings"]
        ],
        [60, 15, 15, 15, 15, 30, 30, 30],
    )
    pdf.set_font("Helvetica", "I", 7)
    pdf.multi_cell(0, 4, _t(DISCLAIMER), new_x="LMARGIN", new_y="NEXT")
    return atomic_write_bytes(path, bytes(pdf.output()))
