"""Simulated trainees for logbook tests: attempts with a known error rate (pure data, no DB)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class FakeAttempt:
    case_id: str
    domain: str
    score: float
    started_at: datetime
    finished_at: datetime


@dataclass(frozen=True)
class FakeScan:
    domain: str
    scan_date: date
    supervisor: str = ""


@dataclass(frozen=True)
class FakeFinding:
    domain: str
    finding: str
    label: str
    outcome: str
    distractor: bool = False


def simulate(
    domain: str, n: int, error_rate: float, seed: int, start: datetime = T0, n_cases: int = 40
) -> list[FakeAttempt]:
    """``n`` finished attempts, each wrong (score < 0.8) with probability ``error_rate``."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        wrong = rng.random() < error_rate
        score = rng.uniform(0.2, 0.75) if wrong else rng.uniform(0.82, 1.0)
        t = start + timedelta(hours=6 * i)
        out.append(FakeAttempt(f"{domain}-{i % n_cases:03d}", domain, score, t, t + timedelta(minutes=3)))
    return out


def simulate_findings(
    domain: str, finding: str, n: int, sens: float, spec: float, seed: int
) -> list[FakeFinding]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        present = i % 2 == 0
        if present:
            out.append(FakeFinding(domain, finding, finding, "TP" if rng.random() < sens else "FN"))
        else:
            out.append(FakeFinding(domain, finding, finding, "TN" if rng.random() < spec else "FP"))
    return out
