"""The programme director's cohort view: per trainee and application, the logbook against the
ASRA minimums (Level 2 interpretation and Level 1 performed studies apart), CUSUM / LC-CUSUM
status, days since last practice, the three weakest findings and the latest exam result.

Status of an application (one word, so that a table can colour it):

- ``mastered``: LC-CUSUM declared competence, or the mastery streak is reached;
- ``at risk``: the CUSUM's latest excursion crossed h1 (failure rate near p1), or the
  application is overdue (maintenance warning) after having been practised;
- ``learning``: practised, neither of the above;
- ``not started``: no finished case.

Weakest findings: the findings with at least ``min_n`` assessments, ordered by the lower of
sensitivity and specificity (the point estimates; the 95% Wilson intervals travel with them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from imgtrainer.progress.logbook import DomainLog, FindingStats, Logbook, LogbookParams, build_logbook
from imgtrainer.progress.trainees import Trainee, _to
from imgtrainer.store.attempt_tables import AttemptRow, FindingOutcomeRow, ScanLogRow, TraineeRow

STATUSES = ("mastered", "at risk", "learning", "not started")


@dataclass
class CohortEntry:
    trainee: Trainee
    book: Logbook
    weakest: list[FindingStats]
    latest_exam: dict[str, Any] | None

    @property
    def attempts(self) -> int:
        return self.book.attempts

    @property
    def last_practice(self):
        dates = [d.last_practice for d in self.book.domains if d.last_practice]
        return max(dates) if dates else None

    @property
    def days_since_practice(self) -> int | None:
        lp = self.last_practice
        return (self.book.generated_at.date() - lp).days if lp else None

    def to_dict(self) -> dict[str, Any]:
        b = self.book
        return {
            "trainee": self.trainee.name,
            "trainee_id": self.trainee.uuid,
            "group": self.trainee.group,
            "attempts": self.attempts,
            "interpretation_studies": sum(d.interpret_studies for d in b.domains),
            "performed_studies": sum(d.bedside_scans for d in b.domains),
            "accuracy": b.accuracy,
            "last_practice": self.last_practice.isoformat() if self.last_practice else None,
            "days_since_practice": self.days_since_practice,
            "maintenance_warning": any(d.maintenance_warning for d in b.domains),
            "applications": [application_dict(d) for d in b.domains],
            "weakest_findings": [f.to_dict() for f in self.weakest],
            "latest_exam": self.latest_exam,
        }


def status_of(d: DomainLog) -> str:
    if not d.attempts:
        return "not started"
    if d.competent or d.mastered:
        return "mastered"
    if d.cusum.status == "unacceptable" or d.maintenance_warning:
        return "at risk"
    return "learning"


def application_dict(d: DomainLog) -> dict[str, Any]:
    return {
        "application": d.domain,
        "level2_interpretation": {
            "studies": d.interpret_studies,
            "minimum": d.interpret_min,
            "met": d.interpret_met,
        },
        "level1_performed": {
            "studies": d.bedside_scans,
            "supervised": d.supervised_scans,
            "reviewed": d.reviewed_scans,
            "self_reported": d.self_reported_scans,
            "mean_acep": d.mean_acep,
            "review_agreement": d.review_agreement,
            "median_review_days": d.review_turnaround_days,
        },
        "total_studies": {"studies": d.total_studies, "minimum": d.total_min, "met": d.total_met},
        "attempts": d.attempts,
        "accuracy": d.accuracy,
        "status": status_of(d),
        "cusum": d.cusum.status,
        "lc_cusum_competent_at": d.lc_cusum.competent_at,
        "mastered": d.mastered,
        "streak": d.streak,
        "last_practice": d.last_practice.isoformat() if d.last_practice else None,
        "days_since_practice": d.days_since_practice,
        "maintenance_warning": d.maintenance_warning,
    }


def weakest_findings(findings: Sequence[FindingStats], k: int = 3, min_n: int = 1) -> list[FindingStats]:
    def worst(f: FindingStats) -> float:
        vals = [v for v in (f.sensitivity, f.specificity) if v is not None]
        return min(vals) if vals else 1.0

    ranked = [f for f in findings if f.n >= min_n and worst(f) < 1.0]
    return sorted(ranked, key=lambda f: (worst(f), -f.n, f.domain, f.finding))[:k]


@dataclass
class Cohort:
    generated_at: datetime
    group: str | None
    params: LogbookParams
    entries: list[CohortEntry] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {
            "generated_at": self.generated_at.isoformat(),
            "group": self.group,
            "params": asdict(self.params),
            "n_trainees": len(self.entries),
            "trainees": [e.to_dict() for e in self.entries],
        }


def build_cohort(
    engine: Engine, now: datetime, group: str | None = None, params: LogbookParams | None = None
) -> Cohort:
    """Read every trainee (of ``group``) with all their rows in four queries, then build each
    logbook (pure). Clock passed in."""
    from imgtrainer.exams.department import latest_result
    from imgtrainer.progress.attempts import FindingRecord, _summary, scan_entry

    p = params or LogbookParams()
    out = Cohort(now, group, p)
    with Session(engine) as s:
        q = select(TraineeRow).order_by(TraineeRow.name, TraineeRow.id)
        if group is not None:
            q = q.where(TraineeRow.group_name == group.strip())
        trainees = list(s.scalars(q))
        ids = [t.id for t in trainees]
        names: dict[str, int] = {}
        for name in s.scalars(select(TraineeRow.name)):
            names[name] = names.get(name, 0) + 1
        atts: dict[int, list] = {i: [] for i in ids}
        for a in s.scalars(
            select(AttemptRow)
            .where(AttemptRow.trainee_id.in_(ids), AttemptRow.status == "finished")
            .order_by(AttemptRow.started_at, AttemptRow.id)
        ):
            atts[a.trainee_id].append(_summary(a))
        scans: dict[int, list] = {i: [] for i in ids}
        for r in s.scalars(select(ScanLogRow).where(ScanLogRow.trainee_id.in_(ids))):
            scans[r.trainee_id].append(scan_entry(r))
        finds: dict[int, list] = {i: [] for i in ids}
        q = (
            select(AttemptRow.trainee_id, FindingOutcomeRow)
            .join(AttemptRow, AttemptRow.id == FindingOutcomeRow.attempt_id)
            .where(AttemptRow.trainee_id.in_(ids), AttemptRow.status == "finished")
        )
        for tid, r in s.execute(q):
            finds[tid].append(FindingRecord(r.domain, r.finding, r.label, r.outcome, r.distractor))
        for t in trainees:
            book = build_logbook(t.name, atts[t.id], scans[t.id], finds[t.id], now, p)
            out.entries.append(
                CohortEntry(
                    _to(t), book, weakest_findings(book.findings), latest_result(s, t, names[t.name] == 1)
                )
            )
    return out
