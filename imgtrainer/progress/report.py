"""The competency portfolio PDF a programme director can sign (fpdf2 + matplotlib PNG plots).

Contents: the trainee and date, the logbook table against the ASRA minimums, a CUSUM and
LC-CUSUM plot per application practised, accuracy by finding (sensitivity/specificity), the
parameters and formulas used, signature lines and the educational-use disclaimer.
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from imgtrainer import DISCLAIMER
from imgtrainer.fileio import atomic_write_bytes
from imgtrainer.progress.logbook import DomainLog, Logbook

_LABELS = {
    "airway": "Airway",
    "lung": "Lung",
    "gastric": "Gastric",
    "cardiac": "Cardiac (FoCUS)",
    "fast": "FAST",
}
# Okabe-Ito colour-blind-safe palette
_BLUE, _ORANGE, _GREEN, _VERMILION, _GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#777777"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def _ascii(text: str) -> str:
    """Core PDF fonts are Latin-1: replace the few characters they lack."""
    table = {"≥": ">=", "≤": "<=", "−": "-", "–": "-", "—": "-", "×": "x", "±": "+/-", "²": "2", "’": "'"}
    for a, b in table.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


CUSUM_STATUS_TEXT = {
    "unacceptable": "unacceptable (above h1: review with the supervisor)",
    "acceptable": "acceptable (below -h0)",
    "undecided": "undecided (between the limits)",
}


def curve_series(d: DomainLog) -> dict[str, list[float]]:
    """What the learning-curve plots draw: the value after case k at x = k (k = 1..n), from 0 at
    x = 0, so the latest case is the last point, inside the axes (x limit n + 0.5)."""
    n = len(d.cusum.values)
    x = [float(k) for k in range(n + 1)]
    return {
        "x": x,
        "cusum": [0.0, *d.cusum.values],
        "lc_cusum": [0.0, *d.lc_cusum.values],
        "xlim": [0.0, n + 0.5],
    }


def curve_png(d: DomainLog, threshold: float) -> bytes:
    """CUSUM (left) and LC-CUSUM (right) of one application as a PNG (data: ``curve_series``)."""
    fig = Figure(figsize=(7.2, 2.5), dpi=150)
    series = curve_series(d)
    n = len(d.cusum.values)
    x = series["x"]
    ax1, ax2 = fig.subplots(1, 2)
    marker = {"marker": "o", "ms": 2.5} if n <= 60 else {}
    ax1.plot(x, series["cusum"], color=_BLUE, lw=1.4, label="CUSUM", **marker)
    ax1.axhline(d.cusum.h1, color=_VERMILION, ls="--", lw=1, label=f"h1 = {d.cusum.h1:.2f} (unacceptable)")
    ax1.axhline(-d.cusum.h0, color=_GREEN, ls="--", lw=1, label=f"-h0 = {-d.cusum.h0:.2f} (acceptable)")
    ax1.axhline(0, color=_GREY, lw=0.5)
    ax1.set_title(
        f"CUSUM (Bolsin/Colls): {d.cusum.status}, latest {d.cusum.values[-1]:+.2f}"
        if n
        else "CUSUM (Bolsin/Colls)",
        fontsize=8,
    )
    ax1.set_xlabel("case number", fontsize=7)
    ax1.set_ylabel("cumulative sum", fontsize=7)
    ax1.legend(fontsize=6, loc="best")
    lc = d.lc_cusum
    ax2.plot(x, series["lc_cusum"], color=_ORANGE, lw=1.4, label="LC-CUSUM", **marker)
    ax2.axhline(lc.h, color=_GREEN, ls="--", lw=1, label=f"h = {lc.h:.2f} (competent)")
    if lc.competent_at:
        ax2.axvline(lc.competent_at, color=_GREEN, lw=0.8, ls=":")
        ax2.annotate(
            f"#{lc.competent_at}",
            (lc.competent_at, lc.h),
            fontsize=7,
            color=_GREEN,
            xytext=(-16 if lc.competent_at > 0.8 * n else 3, -10),
            textcoords="offset points",
        )
    ax2.set_title("LC-CUSUM (Biau)", fontsize=8)
    ax2.set_xlabel("case number", fontsize=7)
    ax2.legend(fontsize=6, loc="upper left")
    for ax in (ax1, ax2):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=6)
        ax.set_xlim(*series["xlim"])
    fig.suptitle(f"{_LABELS[d.domain]}: {n} case(s), correct = score >= {threshold:.0%}", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


class _Pdf(FPDF):
    def __init__(self, trainee: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.trainee = trainee
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "I", 7)
        self.set_text_color(90)
        self.cell(
            0,
            4,
            _ascii(f"imgtrainer competency portfolio - {self.trainee} - page {self.page_no()}/{{nb}}"),
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        self.cell(0, 4, "Educational use only, not for diagnosis.", align="C")
        self.set_text_color(0)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 7, _ascii(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` shortened with '...' to fit ``width`` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "...") > width:
        text = text[:-1]
    return text.rstrip() + "..."


def _table(
    pdf: FPDF, header: list[str], rows: list[list[str]], widths: list[float], bold_first: bool = False
) -> None:
    pdf.set_font("Helvetica", "B", 8)
    pdf.set_fill_color(225, 232, 240)
    for h, w in zip(header, widths, strict=True):
        pdf.cell(w, 6, _ascii(h), border=1, align="C", fill=True)
    pdf.ln()
    pdf.set_font("Helvetica", "", 8)
    for r in rows:
        if pdf.will_page_break(6):
            pdf.add_page()
        for i, (c, w) in enumerate(zip(r, widths, strict=True)):
            pdf.set_font("Helvetica", "B" if (bold_first and i == 0) else "", 8)
            pdf.cell(w, 6, _fit(pdf, _ascii(c), w - 2), border=1, align="L" if i == 0 else "C")
        pdf.ln()


def build_portfolio(book: Logbook, compress: bool = True) -> bytes:
    """The portfolio PDF as bytes (``compress=False`` leaves the text searchable, for tests)."""
    p = book.params
    pdf = _Pdf(book.trainee)
    pdf.set_compression(compress)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, "POCUS competency portfolio", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, _ascii(f"Trainee: {book.trainee}"), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        0,
        6,
        f"Generated: {book.generated_at:%Y-%m-%d %H:%M} UTC    Cases finished: {book.attempts}"
        f"    Cases passed (score >= {book.params.threshold * 100:.0f}%): {_pct(book.accuracy)}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(
        0,
        4,
        _ascii(
            "ASRA I-AIM framework (Indication, Acquisition, Interpretation, Medical decision-making). "
            "Level 2 = interpret-only studies reviewed in imgtrainer (distinct cases); Level 1 = bedside scans "
            "performed by the trainee: 'rev.' = reviewed by faculty with their images (QA review), the rest "
            "self-reported, no images. " + DISCLAIMER
        ),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )

    _heading(pdf, "Logbook against ASRA minimums")
    rows = []
    for d in book.domains:
        lc = f"yes (#{d.lc_cusum.competent_at})" if d.competent else "not yet"
        status = d.cusum.status if d.attempts else "-"
        rows.append(
            [
                _LABELS[d.domain],
                f"{d.interpret_studies}/{d.interpret_min}" + (" ok" if d.interpret_met else ""),
                f"{d.bedside_scans} ({d.reviewed_scans} rev.)",
                f"{d.total_studies}/{d.total_min}" + (" ok" if d.total_met else ""),
                _pct(d.accuracy),
                f"{d.streak}" + (" M" if d.mastered else ""),
                status,
                lc,
                (str(d.last_practice) if d.last_practice else "-") + (" !" if d.maintenance_warning else ""),
            ]
        )
    _table(
        pdf,
        [
            "Application",
            "Level 2",
            "Level 1",
            "Total",
            "Accuracy",
            "Streak",
            "CUSUM",
            "LC-CUSUM",
            "Last practice",
        ],
        rows,
        [26, 18, 22, 16, 16, 13, 24, 22, 23],
        bold_first=True,
    )
    pdf.set_font("Helvetica", "", 7)
    pdf.multi_cell(
        0,
        3.6,
        _ascii(
            f"'ok': minimum met. Streak: consecutive correct cases (score >= {p.threshold:.0%}); M = mastery "
            f"({p.mastery_streak} in a row). CUSUM: the status of the latest position (unacceptable: "
            "h1 above its running minimum; acceptable: below -h0; else undecided). "
            f"'!': not practised for more than {p.maintenance_days} days (maintenance warning)."
        ),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if book.reviewed_studies:
        _heading(pdf, "Performed studies reviewed by faculty (QA review)")
        _table(
            pdf,
            ["Performed", "Application", "Reviewer", "Mean ACEP", "Reading agreement", "Submission"],
            [
                [
                    r["date"],
                    _LABELS[r["application"]],
                    _ascii(r["reviewer"]),
                    "-" if r["acep"] is None else f"{r['acep']:.1f}",
                    _pct(r["agreement"]),
                    r["submission"],
                ]
                for r in book.reviewed_studies
            ],
            [22, 28, 40, 20, 30, 40],
        )
    warn = [d for d in book.domains if d.maintenance_warning]
    if warn:
        pdf.set_text_color(180, 60, 0)
        for d in warn:
            pdf.cell(
                0,
                5,
                _ascii(f"Maintenance: {_LABELS[d.domain]} last practised {d.days_since_practice} days ago."),
                new_x="LMARGIN",
                new_y="NEXT",
            )
        pdf.set_text_color(0)

    _heading(pdf, "Learning curves")
    c = p.cusum
    pdf.set_font("Helvetica", "", 7.5)
    pdf.multi_cell(
        0,
        3.6,
        _ascii(
            f"Failure = case score < {p.threshold:.0%}. p0 = {c.p0:.2f} (acceptable failure rate), p1 = {c.p1:.2f} "
            f"(unacceptable), alpha = {c.alpha:.2f}, beta = {c.beta:.2f}. CUSUM (Bolsin & Colls 2000): s = Q/(P+Q) = {c.s:.3f} "
            f"with P = ln(p1/p0), Q = ln((1-p0)/(1-p1)); +{1 - c.s:.3f} per failure, -{c.s:.3f} per success; "
            f"h1 = ln((1-beta)/alpha)/(P+Q) = {c.h1:.2f}, h0 = ln((1-alpha)/beta)/(P+Q) = {c.h0:.2f}. "
            f"LC-CUSUM (Biau et al. 2008): S = max(0, S + W), W = +{c.Q:.3f} per success, -{c.P:.3f} per failure; "
            f"competence when S >= h, h set for a {c.alpha:.0%} risk of a false declaration within {c.horizon} cases "
            "at failure rate p1 (Markov-chain computation)."
        ),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    practised = [d for d in book.domains if d.attempts]
    if not practised:
        pdf.cell(0, 6, "No finished cases yet.", new_x="LMARGIN", new_y="NEXT")
    for d in practised:
        png = curve_png(d, p.threshold)
        height = 180 * 2.5 / 7.2
        if pdf.will_page_break(height + 8):
            pdf.add_page()
        pdf.set_font("Helvetica", "B", 8.5)
        pdf.cell(
            0,
            5,
            _ascii(
                f"{_LABELS[d.domain]}: {len(d.cusum.values)} case{'s' if len(d.cusum.values) != 1 else ''}, CUSUM {d.cusum.values[-1]:+.2f}, "
                f"{CUSUM_STATUS_TEXT.get(d.cusum.status, d.cusum.status)}"
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.image(io.BytesIO(png), w=180, h=height)
        pdf.ln(1)

    if book.findings:
        _heading(pdf, "Accuracy by finding")
        rows = []
        for f in book.findings:
            rows.append(
                [
                    f"{_LABELS[f.domain]}: {f.label}"
                    + (" [distractor]" if f.distractor and "distractor" not in f.label.lower() else ""),
                    str(f.n),
                    f"{f.tp}/{f.fp}/{f.tn}/{f.fn}",
                    _pct(f.sensitivity),
                    _pct(f.specificity),
                ]
            )
        _table(pdf, ["Finding", "n", "TP/FP/TN/FN", "Sensitivity", "Specificity"], rows, [95, 12, 27, 23, 23])

    if pdf.will_page_break(60):
        pdf.add_page()
    _heading(pdf, "Attestation")
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        0,
        4.5,
        _ascii("I have reviewed this logbook and the learning curves above with the trainee."),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for who in ("Trainee", "Programme director / supervisor"):
        pdf.ln(8)
        y = pdf.get_y()
        pdf.line(15, y, 95, y)
        pdf.line(110, y, 150, y)
        pdf.line(160, y, 195, y)
        pdf.set_font("Helvetica", "", 7.5)
        pdf.cell(95, 4, f"{who}: name and signature")
        pdf.cell(50, 4, "Date")
        pdf.cell(0, 4, "Stamp / ID", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 9)
    pdf.multi_cell(
        0, 4.5, "Educational use only, not for diagnosis.", align="L", new_x="LMARGIN", new_y="NEXT"
    )
    return bytes(pdf.output())


def write_portfolio(book: Logbook, path: str | Path) -> Path:
    """Write the portfolio atomically (temp file in the same folder + os.replace)."""
    return atomic_write_bytes(path, build_portfolio(book))
