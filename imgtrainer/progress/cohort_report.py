"""The cohort as CSV (one row per trainee and application) and as a PDF for a competency
committee: one landscape summary page for the group, then one page per trainee with the
logbook, weakest findings, latest exam and the CUSUM / LC-CUSUM curves of each application.

Colour only where it means something: green = minimum met or mastered, vermilion = at risk,
orange = overdue (maintenance warning). Okabe-Ito colours, readable in grey too (each colour
comes with a word).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fpdf import FPDF

from imgtrainer.fileio import atomic_write_bytes
from imgtrainer.library.models import DOMAINS
from imgtrainer.progress.cohort import Cohort, CohortEntry, status_of
from imgtrainer.progress.report import _LABELS, _ascii, _fit, _pct, _table, curve_png

CSV_FIELDS = [
    "group",
    "trainee",
    "trainee_id",
    "application",
    "level2_studies",
    "level2_minimum",
    "level2_met",
    "level1_performed",
    "level1_supervised",
    "level1_reviewed",
    "level1_self_reported",
    "qa_mean_acep",
    "qa_agreement",
    "qa_median_review_days",
    "total_studies",
    "total_minimum",
    "total_met",
    "attempts",
    "accuracy",
    "status",
    "cusum",
    "lc_cusum_competent_at",
    "last_practice",
    "days_since_practice",
    "maintenance_warning",
    "weakest_findings",
    "latest_exam",
]
_FILL = {"mastered": (204, 236, 222), "at risk": (246, 208, 190), "overdue": (250, 226, 180)}


def _weak_text(e: CohortEntry) -> str:
    parts = []
    for f in e.weakest:
        se = "-" if f.sensitivity is None else f"{f.sensitivity:.0%}"
        sp = "-" if f.specificity is None else f"{f.specificity:.0%}"
        parts.append(f"{f.domain}/{f.finding} sens {se} spec {sp} (n={f.n})")
    return "; ".join(parts)


def _exam_text(e: CohortEntry, short: bool = False) -> str:
    x = e.latest_exam
    if not x:
        return ""
    when = "" if short else f" {x['submitted_at'][:10]}"
    if x["score"] is None:
        return f"{x['exam_id']}{when} (not verified)"
    return f"{x['exam_id']}{when} {x['score']:.0%} {'pass' if x['passed'] else 'FAIL'}"


def cohort_csv(cohort: Cohort) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for e in cohort.entries:
        for d in e.book.domains:
            w.writerow(
                {
                    "group": e.trainee.group,
                    "trainee": e.trainee.name,
                    "trainee_id": e.trainee.uuid,
                    "application": d.domain,
                    "level2_studies": d.interpret_studies,
                    "level2_minimum": d.interpret_min,
                    "level2_met": d.interpret_met,
                    "level1_performed": d.bedside_scans,
                    "level1_supervised": d.supervised_scans,
                    "level1_reviewed": d.reviewed_scans,
                    "level1_self_reported": d.self_reported_scans,
                    "qa_mean_acep": "" if d.mean_acep is None else round(d.mean_acep, 2),
                    "qa_agreement": "" if d.review_agreement is None else round(d.review_agreement, 3),
                    "qa_median_review_days": ""
                    if d.review_turnaround_days is None
                    else round(d.review_turnaround_days, 1),
                    "total_studies": d.total_studies,
                    "total_minimum": d.total_min,
                    "total_met": d.total_met,
                    "attempts": d.attempts,
                    "accuracy": "" if d.accuracy is None else round(d.accuracy, 4),
                    "status": status_of(d),
                    "cusum": d.cusum.status,
                    "lc_cusum_competent_at": d.lc_cusum.competent_at or "",
                    "last_practice": d.last_practice.isoformat() if d.last_practice else "",
                    "days_since_practice": "" if d.days_since_practice is None else d.days_since_practice,
                    "maintenance_warning": d.maintenance_warning,
                    "weakest_findings": _weak_text(e),
                    "latest_exam": _exam_text(e),
                }
            )
    return buf.getvalue()


def write_cohort_csv(cohort: Cohort, path: str | Path) -> Path:
    return atomic_write_bytes(path, cohort_csv(cohort).encode("utf-8"))


class _Pdf(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "I", 7)
        self.set_text_color(90)
        self.cell(
            0,
            4,
            f"imgtrainer cohort report - page {self.page_no()}/{{nb}} - educational use only, not for diagnosis",
            align="C",
        )
        self.set_text_color(0)


def _summary_page(pdf: FPDF, cohort: Cohort) -> None:
    p = cohort.params
    pdf.add_page(orientation="L")
    pdf.set_font("Helvetica", "B", 15)
    title = "Cohort report" + (f": {cohort.group}" if cohort.group else "")
    pdf.cell(0, 8, _ascii(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8.5)
    pdf.cell(
        0,
        5,
        _ascii(
            f"Generated {cohort.generated_at:%Y-%m-%d %H:%M} UTC - {len(cohort.entries)} trainee(s). Each application: "
            "Level 2 interpreted / ASRA minimum, Level 1 performed, status."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    widths = [44, 11] + [31] * len(DOMAINS) + [28, 38]
    header = ["Trainee", "Cases", *[_LABELS[d] for d in DOMAINS], "Last practice", "Latest exam"]
    pdf.set_font("Helvetica", "B", 7.5)
    pdf.set_fill_color(225, 232, 240)
    for h, w in zip(header, widths, strict=True):
        pdf.cell(w, 6, _ascii(h), border=1, align="C", fill=True)
    pdf.ln()
    for e in cohort.entries:
        if pdf.will_page_break(9):
            pdf.add_page(orientation="L")
        pdf.set_font("Helvetica", "B", 7.5)
        name = e.trainee.name + (f" ({e.trainee.group})" if e.trainee.group and not cohort.group else "")
        pdf.cell(widths[0], 9, _fit(pdf, _ascii(name), widths[0] - 2), border=1)
        pdf.set_font("Helvetica", "", 7.5)
        pdf.cell(widths[1], 9, str(e.attempts), border=1, align="C")
        for d, w in zip(e.book.domains, widths[2:], strict=False):
            st = status_of(d)
            fill = _FILL.get(st)
            if fill:
                pdf.set_fill_color(*fill)
            pdf.set_font("Helvetica", "", 6.8)
            met = " ok" if d.interpret_met else ""
            text = f"{d.interpret_studies}/{d.interpret_min}{met} | L1 {d.bedside_scans} | {st}"
            pdf.cell(w, 9, _fit(pdf, text, w - 1), border=1, align="C", fill=bool(fill))
        pdf.set_font("Helvetica", "", 7.5)
        overdue = any(d.maintenance_warning for d in e.book.domains)
        if overdue:
            pdf.set_fill_color(*_FILL["overdue"])
        days = e.days_since_practice
        lp = "-" if days is None else f"{days} d ago" + (" OVERDUE" if overdue else "")
        pdf.cell(widths[-2], 9, lp, border=1, align="C", fill=overdue)
        pdf.cell(
            widths[-1],
            9,
            _fit(pdf, _ascii(_exam_text(e, short=True) or "-"), widths[-1] - 1),
            border=1,
            align="C",
        )
        pdf.ln()
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 7)
    pdf.multi_cell(
        0,
        3.5,
        _ascii(
            f"Status: mastered = LC-CUSUM declared competence or {p.mastery_streak} correct cases in a row "
            f"(green); at risk = CUSUM crossed h1 (failure rate near p1 = {p.cusum.p1:.0%}) or overdue "
            f"(vermilion); learning = practised, neither. 'ok' = ASRA Level 2 minimum met. OVERDUE (orange): an "
            f"application not practised for more than {p.maintenance_days} days. Correct = case score >= "
            f"{p.threshold:.0%}."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _trainee_page(pdf: FPDF, e: CohortEntry) -> None:
    b = e.book
    pdf.add_page(orientation="P")
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 7, _ascii(e.trainee.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8.5)
    pdf.cell(
        0,
        5,
        _ascii(
            f"Group: {e.trainee.group or '-'}   id {e.trainee.short_id}   cases finished {b.attempts}   "
            f"accuracy {_pct(b.accuracy)}   latest exam: {_exam_text(e) or 'none'}"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    rows = []
    for d in b.domains:
        rows.append(
            [
                _LABELS[d.domain],
                f"{d.interpret_studies}/{d.interpret_min}" + (" ok" if d.interpret_met else ""),
                f"{d.bedside_scans} ({d.supervised_scans} sup.)",
                f"{d.total_studies}/{d.total_min}" + (" ok" if d.total_met else ""),
                _pct(d.accuracy),
                status_of(d),
                d.cusum.status,
                "-"
                if d.days_since_practice is None
                else f"{d.days_since_practice} d" + (" !" if d.maintenance_warning else ""),
            ]
        )
    _table(
        pdf,
        ["Application", "Level 2", "Level 1", "Total", "Accuracy", "Status", "CUSUM", "Last practice"],
        rows,
        [28, 20, 24, 18, 17, 22, 27, 24],
        bold_first=True,
    )
    pdf.ln(1)
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(0, 5, "Three weakest findings (95% Wilson intervals)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8)
    if not e.weakest:
        pdf.cell(0, 5, "none below 100% yet", new_x="LMARGIN", new_y="NEXT")
    for f in e.weakest:
        fd = f.to_dict()

        def ci(v, c):
            return "-" if v is None else f"{v:.0%} ({c[0]:.0%}-{c[1]:.0%})"

        pdf.cell(
            0,
            4.5,
            _ascii(
                f"{_LABELS[f.domain]}: {f.label} - sensitivity {ci(f.sensitivity, fd['sensitivity_ci'])}, "
                f"specificity {ci(f.specificity, fd['specificity_ci'])}, n = {f.n}"
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    practised = [d for d in b.domains if d.attempts]
    x0, y = pdf.l_margin, pdf.get_y() + 2
    cols = 1 if len(practised) <= 3 else 2  # up to three curves full width, else two per row
    w = (pdf.w - pdf.l_margin - pdf.r_margin - 2 * (cols - 1)) / cols
    h = w * 2.5 / 7.2
    for i, d in enumerate(practised):
        col = i % cols
        if col == 0 and i:
            y += h + 1
        if y + h > pdf.h - 16:
            pdf.add_page(orientation="P")
            y = pdf.get_y()
        pdf.image(io.BytesIO(curve_png(d, b.params.threshold)), x=x0 + col * (w + 2), y=y, w=w, h=h)
    if not practised:
        pdf.cell(0, 6, "No finished cases yet.", new_x="LMARGIN", new_y="NEXT")


def build_cohort_pdf(cohort: Cohort, compress: bool = True) -> bytes:
    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    pdf.set_compression(compress)
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.set_margins(10, 10, 10)
    pdf.alias_nb_pages()
    _summary_page(pdf, cohort)
    for e in cohort.entries:
        _trainee_page(pdf, e)
    return bytes(pdf.output())


def write_cohort_pdf(cohort: Cohort, path: str | Path) -> Path:
    return atomic_write_bytes(path, build_cohort_pdf(cohort))
