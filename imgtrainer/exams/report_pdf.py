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
    """A bordered table whose cells wrap (widths in mm); the heading row repeats on new pages."""
    from fpdf.fonts import FontFace

    pdf.set_font("Helvetica", "", 8)
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        align="LEFT",
        line_height=4.2,
        first_row_as_headings=True,
        headings_style=FontFace(emphasis="BOLD"),
    ) as table:
        for values in [headers, *rows]:
            row = table.row()
            for v in values:
                row.cell(_t(v))
    pdf.ln(3)


def _mmss(seconds: Any) -> str:
    if seconds is None:
        return "-"
    sec = round(float(seconds))
    return f"{sec // 60}:{sec % 60:02d}"


def _pct(fraction: Any) -> str:
    return "-" if fraction is None else f"{100 * float(fraction):.0f}%"


def _num(value: Any, digits: int = 2) -> str:
    return "-" if value is None else f"{float(value):.{digits}f}"


def _date(iso: Any) -> str:
    return str(iso or "")[:10] or "-"


def _heading(pdf: Any, text: str) -> None:
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, _t(text), new_x="LMARGIN", new_y="NEXT")


def write_pdf(rep: dict[str, Any], path: Path) -> Path:
    """Scores in percent throughout, times as mm:ss, questions by their prompt and case title."""
    from fpdf import FPDF

    s = rep["summary"]
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _t(f"Exam report: {s['title']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    sittings = (
        _date(s.get("first_sitting"))
        if s.get("first_sitting") == s.get("last_sitting")
        else f"{_date(s.get('first_sitting'))} to {_date(s.get('last_sitting'))}"
    )
    n_att = s.get("n_attempts", s["n_candidates"])
    lines = [
        f"Sat on {sittings} (exam built {_date(s.get('created_at'))}; exam id {s['exam_id']})",
        f"{s['n_candidates']} candidates"
        + (f" ({n_att} attempts including re-takes)" if n_att != s["n_candidates"] else "")
        + f", {s['n_items']} scored questions, pass mark {_pct(s['pass_mark'])}",
        f"Mean score {_num(s.get('mean_percent'), 1)}% (SD {_num(s.get('sd_percent'), 1)} percentage points), "
        f"pass rate {_pct(s['pass_rate'])} (first attempts)",
        f"Reliability: Cronbach's alpha {_num(s['cronbach_alpha'])}"
        + (
            f", KR-20 {_num(s['kr20'])}"
            if s["kr20"] is not None
            else " (partial-credit questions: KR-20 not applicable)"
        ),
        f"Questions flagged for review: {s['flagged_items']} (difficulty p < 0.2 or > 0.95, corrected "
        "item-rest correlation < 0.2, or a distractor preferred to the key by the upper 27%)",
    ]
    if s["n_candidates"] < 20:
        lines.append(
            f"Caution: only {s['n_candidates']} candidates; item statistics and reliability are unstable below ~20-30."
        )
    for line in lines:
        pdf.multi_cell(0, 5, _t(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _heading(pdf, "Candidates")
    _table(
        pdf,
        [
            "candidate",
            "attempt",
            "date",
            "score",
            "result",
            "answered",
            "time used",
            "submitted by",
            "time notes",
        ],
        [
            [
                c["candidate"],
                c.get("attempt", 1),
                c.get("date") or "-",
                f"{c['percent']:.0f}%",
                "PASS" if c["passed"] else "FAIL",
                c["n_answers"],
                _mmss(c["elapsed_s"]),
                c["submit_reason"],
                c.get("time_notes") or "",
            ]
            for c in rep["candidates"]
        ],
        [40, 15, 22, 15, 15, 18, 20, 25, 107],
    )
    _heading(pdf, "Question analysis (first attempts)")
    pdf.set_font("Helvetica", "", 8)
    pdf.multi_cell(
        0, 4, _t("p: share of the marks earned (difficulty); r_pb / r_ir: point-biserial and corrected "
                 "item-rest correlation; D: upper minus lower 27%."), new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    _table(
        pdf,
        ["case", "question", "p", "r_pb", "r_ir", "D", "flags"],
        [
            [
                i.get("case_title") or i["case_id"],
                i.get("prompt") or i["item"],
                _num(i["p"]),
                _num(i["r_pb"]),
                _num(i["r_ir"]),
                _num(i["d_index"]),
                i["flags"],
            ]
            for i in rep["items"]
        ],
        [55, 95, 12, 12, 12, 12, 75],
    )
    flagged = [d for d in rep["distractors"] if d["flag"]]
    if flagged:
        _heading(pdf, "Distractors preferred by the upper group")
        _table(
            pdf,
            ["question", "option", "upper 27%", "lower 27%", "all"],
            [
                [
                    d["item"],
                    d["label"] or d["option"],
                    _pct(d["upper_share"]),
                    _pct(d["lower_share"]),
                    _pct(d["share"]),
                ]
                for d in flagged
            ],
            [70, 110, 25, 25, 25],
        )
    _heading(pdf, "Per-finding performance")
    _table(
        pdf,
        ["finding", "TP", "FP", "TN", "FN", "sensitivity", "specificity", "question mean"],
        [
            [
                f.get("label") or f["finding"],
                f["TP"],
                f["FP"],
                f["TN"],
                f["FN"],
                _pct(f["sensitivity"]),
                _pct(f["specificity"]),
                _pct(f["question_mean_score"]),
            ]
            for f in rep["findings"]
        ],
        [70, 15, 15, 15, 15, 30, 30, 30],
    )
    pdf.set_font("Helvetica", "I", 7)
    pdf.multi_cell(0, 4, _t(DISCLAIMER), new_x="LMARGIN", new_y="NEXT")
    return atomic_write_bytes(path, bytes(pdf.output()))
