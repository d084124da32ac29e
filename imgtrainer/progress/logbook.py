"""A trainee's logbook per application against the ASRA minimums, with accuracy, per-finding
sensitivity/specificity, learning curves, mastery and a maintenance warning.

ASRA minimums (Haskins et al., Reg Anesth Pain Med 2021, part I/II, via ``Minimums``): Level 2
interpret-only studies reviewed: 20 each for airway, lung, FAST and gastric, 100 for cardiac;
total studies including Level 1 (performed at the bedside, logged with ``log-scan``): 50 and 150.
A Level 2 study is a distinct case finished by the trainee (a case repeated for spaced
repetition counts once); exam attempts count too.

'Correct' means a case score >= ``threshold`` (default 0.8). Mastery: the latest
``mastery_streak`` (default 10) finished cases of the application were all correct.
Maintenance: a warning when the application was last practised (a case finished or a bedside
scan logged) more than ``maintenance_days`` (default 90) before ``now``. Clock passed in.
Sensitivity = TP/(TP+FN), specificity = TN/(TN+FP), with 95% Wilson intervals.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime

from imgtrainer.library.models import DOMAINS
from imgtrainer.progress.cusum import CusumParams, CusumResult, LcCusumResult, cusum, lc_cusum, lc_cusum_limit
from imgtrainer.training.scoring import CORRECT_THRESHOLD

ASRA_INTERPRET_MIN: dict[str, int] = {"airway": 20, "lung": 20, "fast": 20, "gastric": 20, "cardiac": 100}
ASRA_TOTAL_MIN: dict[str, int] = {"airway": 50, "lung": 50, "fast": 50, "gastric": 50, "cardiac": 150}


@dataclass(frozen=True)
class LogbookParams:
    threshold: float = CORRECT_THRESHOLD
    mastery_streak: int = 10
    maintenance_days: int = 90
    cusum: CusumParams = field(default_factory=CusumParams)
    interpret_min: dict[str, int] = field(default_factory=lambda: dict(ASRA_INTERPRET_MIN))
    total_min: dict[str, int] = field(default_factory=lambda: dict(ASRA_TOTAL_MIN))


@dataclass
class FindingStats:
    domain: str
    finding: str
    label: str
    distractor: bool
    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.tn + self.fn

    @property
    def accuracy(self) -> float | None:
        return (self.tp + self.tn) / self.n if self.n else None

    @property
    def sensitivity(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def specificity(self) -> float | None:
        return self.tn / (self.tn + self.fp) if self.tn + self.fp else None

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(
            n=self.n,
            accuracy=self.accuracy,
            sensitivity=self.sensitivity,
            sensitivity_ci=wilson(self.tp, self.tp + self.fn),
            specificity=self.specificity,
            specificity_ci=wilson(self.tn, self.tn + self.fp),
        )
        return d


@dataclass
class DomainLog:
    domain: str
    interpret_studies: int
    attempts: int
    bedside_scans: int  # performed studies that count: reviewed + self-reported
    supervised_scans: int
    interpret_min: int
    total_min: int
    correct: int
    mean_score: float | None
    accuracy: float | None
    last_practice: date | None
    days_since_practice: int | None
    maintenance_warning: bool
    streak: int
    mastered: bool
    mastered_at: int | None
    cusum: CusumResult
    lc_cusum: LcCusumResult
    scores: list[float] = field(default_factory=list)
    reviewed_scans: int = 0  # faculty-reviewed submissions with images that count (imgtrainer qa)
    self_reported_scans: int = 0  # progress log-scan lines: "self-reported, no images"
    mean_acep: float | None = None  # reviewed studies: mean ACEP image quality 1-5
    review_agreement: float | None = None  # reviewed studies: mean reading-vs-reviewer score 0-1
    review_turnaround_days: float | None = None  # median days from submission to review

    @property
    def total_studies(self) -> int:
        return self.interpret_studies + self.bedside_scans

    @property
    def interpret_met(self) -> bool:
        return self.interpret_studies >= self.interpret_min

    @property
    def total_met(self) -> bool:
        return self.total_studies >= self.total_min

    @property
    def competent(self) -> bool:
        return self.lc_cusum.competent_at is not None

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(
            total_studies=self.total_studies,
            interpret_met=self.interpret_met,
            total_met=self.total_met,
            competent=self.competent,
            last_practice=self.last_practice.isoformat() if self.last_practice else None,
        )
        return d


@dataclass
class Logbook:
    trainee: str
    generated_at: datetime
    params: LogbookParams
    domains: list[DomainLog]
    findings: list[FindingStats]
    reviewed_studies: list[dict] = field(default_factory=list)  # QA-reviewed performed studies

    @property
    def attempts(self) -> int:
        return sum(d.attempts for d in self.domains)

    @property
    def accuracy(self) -> float | None:
        n = self.attempts
        return sum(d.correct for d in self.domains) / n if n else None

    def domain(self, name: str) -> DomainLog:
        return next(d for d in self.domains if d.domain == name)

    def to_dict(self) -> dict:
        return {
            "trainee": self.trainee,
            "generated_at": self.generated_at.isoformat(),
            "attempts": self.attempts,
            "accuracy": self.accuracy,
            "params": asdict(self.params),
            "domains": [d.to_dict() for d in self.domains],
            "findings": [f.to_dict() for f in self.findings],
            "reviewed_studies": self.reviewed_studies,
        }


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """95% Wilson score interval of k successes in n trials."""
    if n == 0:
        return None
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


def _when(a: object) -> datetime:
    t = getattr(a, "finished_at", None) or a.started_at  # type: ignore[attr-defined]
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def build_logbook(
    trainee: str,
    attempts: Sequence[object],
    scans: Sequence[object],
    findings: Sequence[object],
    now: datetime,
    params: LogbookParams | None = None,
) -> Logbook:
    """Pure: finished attempts (case_id, domain, score, started_at/finished_at), scans (domain,
    scan_date, supervisor) and finding records (domain, finding, label, outcome, distractor)."""
    p = params or LogbookParams()
    h = lc_cusum_limit(p.cusum)  # same parameters for every application: compute once
    logs: list[DomainLog] = []
    for dom in DOMAINS:
        atts = sorted((a for a in attempts if a.domain == dom and a.score is not None), key=_when)  # type: ignore[attr-defined]
        dscans = [s for s in scans if s.domain == dom and getattr(s, "counts", True)]  # type: ignore[attr-defined]
        qa = [s for s in dscans if getattr(s, "source", "self") == "qa"]
        reviewed = len(qa)
        aceps = [s.acep_grade for s in qa if s.acep_grade is not None]
        agrees = [s.agreement for s in qa if s.agreement is not None]
        waits = [
            (s.logged_at - s.submitted_at).total_seconds() / 86400
            for s in qa
            if s.logged_at and s.submitted_at
        ]
        scores = [float(a.score) for a in atts]  # type: ignore[attr-defined]
        fails = [sc < p.threshold for sc in scores]
        streak = 0
        for f in reversed(fails):
            if f:
                break
            streak += 1
        mastered_at = None
        run = 0
        for i, f in enumerate(fails, 1):
            run = 0 if f else run + 1
            if run >= p.mastery_streak and mastered_at is None:
                mastered_at = i
        dates = [_when(a).date() for a in atts] + [s.scan_date for s in dscans]  # type: ignore[attr-defined]
        last = max(dates) if dates else None
        days = (now.date() - last).days if last else None
        logs.append(
            DomainLog(
                domain=dom,
                interpret_studies=len({a.case_id for a in atts}),  # type: ignore[attr-defined]
                attempts=len(atts),
                bedside_scans=len(dscans),
                supervised_scans=sum(1 for s in dscans if s.supervisor),  # type: ignore[attr-defined]
                interpret_min=p.interpret_min.get(dom, 0),
                total_min=p.total_min.get(dom, 0),
                correct=fails.count(False),
                mean_score=sum(scores) / len(scores) if scores else None,
                accuracy=fails.count(False) / len(fails) if fails else None,
                last_practice=last,
                days_since_practice=days,
                maintenance_warning=days is not None and days > p.maintenance_days,
                streak=streak,
                mastered=streak >= p.mastery_streak,
                mastered_at=mastered_at,
                cusum=cusum(fails, p.cusum),
                lc_cusum=lc_cusum(fails, p.cusum, h),
                scores=scores,
                reviewed_scans=reviewed,
                self_reported_scans=len(dscans) - reviewed,
                mean_acep=sum(aceps) / len(aceps) if aceps else None,
                review_agreement=sum(agrees) / len(agrees) if agrees else None,
                review_turnaround_days=statistics.median(waits) if waits else None,
            )
        )
    stats: dict[tuple[str, str], FindingStats] = {}
    for r in findings:
        key = (r.domain, r.finding)  # type: ignore[attr-defined]
        st = stats.get(key)
        if st is None:
            st = stats[key] = FindingStats(r.domain, r.finding, r.label or r.finding, bool(r.distractor))  # type: ignore[attr-defined]
        outcome = r.outcome.lower()  # type: ignore[attr-defined]
        setattr(st, outcome, getattr(st, outcome) + 1)
    ordered = sorted(stats.values(), key=lambda s: (DOMAINS.index(s.domain), s.finding))
    reviewed = [
        {
            "date": s.scan_date.isoformat(),
            "application": s.domain,
            "reviewer": s.reviewer,
            "acep": s.acep_grade,
            "agreement": s.agreement,
            "submission": s.qa_submission,
        }
        for s in sorted(scans, key=lambda s: s.scan_date)  # type: ignore[attr-defined]
        if getattr(s, "source", "self") == "qa" and getattr(s, "counts", True)
    ]
    return Logbook(trainee, now, p, logs, ordered, reviewed)


def logbook_for(store: object, trainee: str, now: datetime, params: LogbookParams | None = None) -> Logbook:
    """Read a trainee's attempts, scans and finding outcomes from an ``AttemptStore``."""
    return build_logbook(
        trainee,
        store.attempts(trainee),  # type: ignore[attr-defined]
        store.scans(trainee),  # type: ignore[attr-defined]
        store.finding_records(trainee),  # type: ignore[attr-defined]
        now,
        params,
    )
