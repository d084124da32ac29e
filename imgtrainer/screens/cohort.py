"""The cohort screen's state (Qt-free): one row per trainee with the cohort report's columns,
sortable, filtered by group, each cell with a tone that means something (minimum met or
mastered = good, at risk = bad, overdue = warn, else none), drill-down and exports.

Only the faculty reach it (the GUI opens it behind the faculty password); a trainee's own
progress screen shows only that trainee.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imgtrainer.library.models import DOMAINS
from imgtrainer.screens.labels import DOMAIN_TITLES
from imgtrainer.screens.signal import Signal

ALL_GROUPS = ""  # the group filter value that shows everybody


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    tip: str


COLUMNS: tuple[Column, ...] = (
    Column("trainee", "Trainee", "Display name (names may repeat: the id tells them apart)"),
    Column("group", "Group", "Training group, e.g. PGY-2 2026"),
    Column("attempts", "Cases", "Finished cases (Level 2 interpretations, repeats included)"),
    *(
        Column(
            d,
            DOMAIN_TITLES.get(d, d),
            f"{DOMAIN_TITLES.get(d, d)}: Level 2 interpreted / ASRA minimum, Level 1 performed, status",
        )
        for d in DOMAINS
    ),
    Column("last_practice", "Last practice", "Days since the last finished case or logged scan"),
    Column("weakest", "Weakest findings", "Lowest sensitivity or specificity (n = calls)"),
    Column("exam", "Latest exam", "Most recent exam result in the store"),
)


@dataclass(frozen=True)
class Cell:
    text: str
    sort: Any  # what the column sorts by
    tone: str | None = None  # good | warn | bad | None (no colour)
    tip: str = ""


def _app_cell(app: dict) -> Cell:
    l2, l1, st = app["level2_interpretation"], app["level1_performed"], app["status"]
    reviewed = l1.get("reviewed", 0)
    text = f"{l2['studies']}/{l2['minimum']} · L1 {l1['studies']}" + (
        f" ({reviewed} rev.)" if reviewed else ""
    )
    text += f" · {st}"
    tone = {"mastered": "good", "at risk": "bad"}.get(st)
    if tone is None and l2["met"]:
        tone = "good"
    tip = (
        f"Level 2 interpreted {l2['studies']} of {l2['minimum']}{' (minimum met)' if l2['met'] else ''}; "
        f"Level 1 performed {l1['studies']} ({l1['supervised']} supervised, {reviewed} reviewed with images, "
        f"{l1.get('self_reported', l1['studies'] - reviewed)} self-reported)"
        + (f", mean ACEP {l1['mean_acep']:.1f}" if l1.get("mean_acep") is not None else "")
        + (
            f", reading agreement {_pct(l1['review_agreement'])}"
            if l1.get("review_agreement") is not None
            else ""
        )
        + (
            f", median review wait {l1['median_review_days']:.1f} d"
            if l1.get("median_review_days") is not None
            else ""
        )
        + f"; CUSUM {app['cusum']}"
        + (
            f"; LC-CUSUM competent at case {app['lc_cusum_competent_at']}"
            if app["lc_cusum_competent_at"]
            else ""
        )
        + (f"; not practised for {app['days_since_practice']} days" if app["maintenance_warning"] else "")
    )
    order = {"mastered": 3, "learning": 2, "at risk": 1, "not started": 0}[st]
    return Cell(text, (order, l2["studies"]), tone, tip)


def row_cells(entry: dict) -> dict[str, Cell]:
    """The cells of one trainee (a ``CohortEntry.to_dict()``), by column key."""
    apps = {a["application"]: a for a in entry["applications"]}
    days = entry["days_since_practice"]
    weak = entry["weakest_findings"]
    exam = entry["latest_exam"]
    overdue = [
        DOMAIN_TITLES.get(a["application"], a["application"])
        for a in entry["applications"]
        if a["maintenance_warning"]
    ]
    cells = {
        "trainee": Cell(entry["trainee"], entry["trainee"].lower(), None, f"id {entry['trainee_id']}"),
        "group": Cell(entry["group"] or "—", entry["group"]),
        "attempts": Cell(str(entry["attempts"]), entry["attempts"]),
        "last_practice": Cell(
            "—" if days is None else (f"{days} d" + (f" · {', '.join(overdue)} overdue" if overdue else "")),
            10**6 if days is None else days,
            "warn" if entry["maintenance_warning"] else None,
            "An application is past its maintenance interval" if entry["maintenance_warning"] else "",
        ),
        "weakest": Cell(
            "; ".join(f"{w['finding']} {_pct(w['sensitivity'])}/{_pct(w['specificity'])}" for w in weak)
            or "—",
            min(
                (min(v for v in (w["sensitivity"], w["specificity"]) if v is not None) for w in weak),
                default=2.0,
            ),
            None,
            "\n".join(
                f"{w['domain']}/{w['label']}: sensitivity {_pct(w['sensitivity'])} {_ci(w['sensitivity_ci'])}, "
                f"specificity {_pct(w['specificity'])} {_ci(w['specificity_ci'])}, n = {w['n']}"
                for w in weak
            ),
        ),
        "exam": _exam_cell(exam),
    }
    for d in DOMAINS:
        cells[d] = _app_cell(apps[d])
    return cells


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f}%"


def _ci(ci: Any) -> str:
    return "" if not ci else f"({ci[0] * 100:.0f}–{ci[1] * 100:.0f}%)"


def _exam_cell(exam: dict | None) -> Cell:
    if not exam:
        return Cell("—", -1.0)
    if exam["score"] is None:
        return Cell(f"{exam['exam_id']}: not verified", -0.5, None, "landed at submission, not yet collected")
    text = f"{exam['score'] * 100:.0f}% {'pass' if exam['passed'] else 'fail'}"
    return Cell(
        text,
        exam["score"],
        "good" if exam["passed"] else "bad",
        f"{exam['exam_id']} {exam['submitted_at'][:10]}",
    )


class CohortState:
    """Rows, sort, group filter; ``changed`` after a reload or a re-sort, ``open_trainee(uuid)``
    when a row is drilled into."""

    def __init__(
        self, engine_factory: Callable[[], Any], clock: Callable[[], datetime] | None = None
    ) -> None:
        self._engine_factory = engine_factory
        self._clock = clock or (lambda: datetime.now(UTC))
        self.changed = Signal()
        self.open_trainee = Signal()
        self.group = ALL_GROUPS
        self.groups: list[str] = []
        self.cohort: Any = None
        self.entries: list[dict] = []
        self.rows: list[dict[str, Cell]] = []
        self.sort_key = "trainee"
        self.descending = False

    def fetch(self, group: str | None = None) -> tuple[str, list[str], Any]:
        """Read the store (safe on a worker thread: changes nothing here)."""
        from imgtrainer.progress.cohort import build_cohort
        from imgtrainer.progress.trainees import TraineeDirectory

        group = self.group if group is None else group
        engine = self._engine_factory()
        return group, TraineeDirectory(engine).groups(), build_cohort(engine, self._clock(), group or None)

    def apply(self, fetched: tuple[str, list[str], Any]) -> None:
        """Take what ``fetch`` read and announce it (on the thread that owns the views)."""
        self.group, self.groups, self.cohort = fetched
        self.entries = [e.to_dict() for e in self.cohort.entries]
        self._resort()

    def load(self) -> None:
        self.apply(self.fetch())

    def set_group(self, group: str) -> None:
        self.apply(self.fetch(group))

    def sort_by(self, key: str, descending: bool | None = None) -> None:
        if descending is None:
            descending = not self.descending if key == self.sort_key else False
        self.sort_key, self.descending = key, descending
        self._resort()

    def _resort(self) -> None:
        pairs = [(row_cells(e), e) for e in self.entries]
        pairs.sort(key=lambda p: (p[0][self.sort_key].sort, p[1]["trainee"].lower()), reverse=self.descending)
        self.rows = [c for c, _ in pairs]
        self.entries = [e for _, e in pairs]
        self.changed.emit()

    def drill_down(self, index: int) -> None:
        self.open_trainee.emit(self.entries[index]["trainee_id"], self.entries[index]["trainee"])

    def export_csv(self, path: Path) -> Path:
        from imgtrainer.progress.cohort_report import write_cohort_csv

        return write_cohort_csv(self.cohort, path)

    def export_pdf(self, path: Path) -> Path:
        from imgtrainer.progress.cohort_report import write_cohort_pdf

        return write_cohort_pdf(self.cohort, path)

    def summary(self) -> str:
        n = len(self.entries)
        risk = sum(any(a["status"] == "at risk" for a in e["applications"]) for e in self.entries)
        overdue = sum(bool(e["maintenance_warning"]) for e in self.entries)
        where = f" in {self.group}" if self.group else ""
        return f"{n} trainee(s){where}: {risk} with an application at risk, {overdue} overdue"
