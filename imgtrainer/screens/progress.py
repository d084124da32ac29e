"""What the progress screen shows, as text, from a ``progress.logbook.Logbook`` (Qt-free).

Two different "accuracies" live on this screen and must not be confused:
- a **case passes** when its whole score is at least the threshold (80 % by default); the header
  and the logbook table count passed cases (this feeds mastery and the learning curves);
- a **finding answer** is right when the trainee called that one finding present or absent as the
  expert did; the findings table gives accuracy, sensitivity and specificity of those answers.
A trainee can call every finding right and still fail the case on the view, the quality grade or
the decision, so the two figures are named apart and explained (tooltips and the table note).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imgtrainer.screens.labels import DOMAIN_TITLES

LOG_HEADERS: tuple[str, ...] = (
    "Application",
    "Interpreted (Level 2)",
    "Incl. bedside",
    "Passed",
    "Mastery",
    "CUSUM",
)
LOG_TIPS: tuple[str, ...] = (
    "",
    "Distinct cases interpreted here (ASRA Level 2) against the ASRA minimum",
    "Interpreted cases plus bedside scans logged with `imgtrainer log-scan`, against the ASRA "
    "minimum for all studies",
    "Cases whose whole score reached the pass mark, of those finished",
    "Mastery: the last cases all passed in a row; a reminder when the application is not practised",
    "CUSUM status of the latest case (Bolsin & Colls): unacceptable (a fresh rise of h1 above its "
    "lowest point), acceptable (below -h0), or undecided (between the limits)",
)
CUSUM_TONES = {"unacceptable": "warn", "acceptable": "good", "undecided": ""}
FINDING_HEADERS: tuple[str, ...] = ("Finding", "Answers", "Right", "Sens.", "Spec.")
FINDING_TIPS: tuple[str, ...] = (
    "The finding as the question lists it",
    "How many times you called this finding present or absent",
    "Share of those calls that matched the expert (present or absent)",
    "Sensitivity: of the cases where the expert saw it, how often you saw it",
    "Specificity: of the cases without it, how often you said absent",
)


def pct(x: float | None) -> str:
    """A fraction as a whole percentage, or an em dash when there is nothing to divide."""
    return "—" if x is None else f"{x * 100:.0f}%"


def pass_mark(book: Any) -> str:
    return f"{book.params.threshold * 100:.0f}%"


def passed_cases(book: Any) -> int:
    return sum(d.correct for d in book.domains)


def mean_case_score(book: Any) -> float | None:
    """Mean whole-case score (0-1) over every finished case of every application."""
    scores = [s for d in book.domains for s in d.scores]
    return sum(scores) / len(scores) if scores else None


def summary(book: Any) -> tuple[str, str]:
    """The header line and its tooltip: cases finished, passed, mean case score."""
    n = book.attempts
    if not n:
        return "No case finished yet", "Practise a case from the Library; it is counted here."
    text = (
        f"{n} case{'s' if n != 1 else ''} finished · {passed_cases(book)} passed "
        f"(score ≥ {pass_mark(book)}) · mean case score {pct(mean_case_score(book))}"
    )
    tip = (
        f"A case passes when its whole score (every question) reaches {pass_mark(book)}. The "
        "findings table scores each finding answer on its own, so a finding can be 100% right "
        "in a case that did not pass."
    )
    return text, tip


@dataclass(frozen=True)
class LogRow:
    domain: str
    application: str
    interpreted: tuple[int, int]  # (done, ASRA minimum)
    total: tuple[int, int]
    passed: str
    mastery: str
    mastery_tone: str  # "good" | "warn" | "dim" | ""
    mastery_tip: str
    cusum: str = "—"
    cusum_tone: str = "dim"
    cusum_tip: str = ""


def log_rows(book: Any) -> list[LogRow]:
    """One row per application, short enough never to wrap (details go in the tooltip)."""
    rows = []
    streak_goal = book.params.mastery_streak
    for d in book.domains:
        passed = f"{d.correct} of {d.attempts}" if d.attempts else "—"
        if not d.attempts:
            text, tone = "not started", "dim"
        elif d.maintenance_warning:
            text, tone = f"review ({d.days_since_practice} d)", "warn"
        elif d.mastered:
            text, tone = "mastered", "good"
        else:
            text, tone = f"streak {d.streak} of {streak_goal}", ""
        tip = (
            f"Mastered when the last {streak_goal} cases all pass (score ≥ {pass_mark(book)}). "
            f"Current streak: {d.streak}."
        )
        if d.mastered and d.mastered_at:
            tip += f" Mastered at case {d.mastered_at}."
        if d.days_since_practice is not None:
            tip += f" Last practised {d.days_since_practice} day(s) ago"
            tip += (
                f"; review it (more than {book.params.maintenance_days} days)."
                if d.maintenance_warning
                else "."
            )
        rows.append(
            LogRow(
                domain=d.domain,
                application=DOMAIN_TITLES.get(d.domain, d.domain),
                interpreted=(d.interpret_studies, d.interpret_min),
                total=(d.total_studies, d.total_min),
                passed=passed,
                mastery=text,
                mastery_tone=tone,
                mastery_tip=tip,
                **_cusum_cells(d),
            )
        )
    return rows


def _cusum_cells(d: Any) -> dict[str, str]:
    """The CUSUM column: the status, its tone and the latest value against the limits."""
    if not d.attempts or not d.cusum.values:
        return {"cusum": "—", "cusum_tone": "dim", "cusum_tip": "No finished case yet"}
    c = d.cusum
    tip = (
        f"CUSUM {c.values[-1]:+.2f} after {len(c.values)} case(s); limits h1 = {c.h1:.2f} "
        f"(unacceptable), -h0 = {-c.h0:.2f} (acceptable)"
    )
    return {"cusum": c.status, "cusum_tone": CUSUM_TONES.get(c.status, ""), "cusum_tip": tip}


@dataclass(frozen=True)
class FindingRow:
    cells: tuple[str, str, str, str, str]
    tip: str


def finding_rows(book: Any, domain: str) -> list[FindingRow]:
    """The findings of one application that were answered at least once, in the logbook's order."""
    out = []
    for f in book.findings:
        if f.domain != domain or not f.n:
            continue
        label = f.label or f.finding
        tip = (
            f"{label}: called {f.n} time(s); seen when present {f.tp} of {f.tp + f.fn}, "
            f"said absent when absent {f.tn} of {f.tn + f.fp}."
        )
        cells = (label, str(f.n), pct(f.accuracy), pct(f.sensitivity), pct(f.specificity))
        out.append(FindingRow(cells, tip))
    return out


def findings_note(book: Any, domain: str, shown: int) -> str:
    """The line under the findings table: what the figures count."""
    name = DOMAIN_TITLES.get(domain, domain)
    if not shown:
        return f"No {name} finding answered yet."
    return f"{name}: each present/absent call counts once, apart from the case's pass or fail."


def curve_note(book: Any, domain: str) -> str:
    d = book.domain(domain)
    n = len(d.cusum.values)
    verdict = (
        f"competent at case {d.lc_cusum.competent_at}"
        if d.lc_cusum.competent_at
        else "not yet declared competent"
    )
    return (
        f"{DOMAIN_TITLES.get(domain, domain)}: {n} case(s), CUSUM {d.cusum.status}; LC-CUSUM {verdict}. "
        f"A case counts as a failure below {pass_mark(book)}."
    )


def default_domain(book: Any, current: str | None) -> str:
    """Keep the chosen application if it has cases, else the most practised one."""
    practised = sorted((d for d in book.domains if d.attempts), key=lambda d: -d.attempts)
    if current is not None and (not practised or current in {d.domain for d in practised}):
        return current
    return practised[0].domain if practised else (current or next(iter(DOMAIN_TITLES)))
