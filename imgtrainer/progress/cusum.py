"""Learning curves: the standard (Bolsin/Colls) CUSUM and Biau's LC-CUSUM on pass/fail outcomes.

An outcome is a failure when the case score is below the 'correct' threshold (default 0.8).
p0 is the acceptable failure rate, p1 > p0 the unacceptable one; alpha and beta the error rates.

Standard CUSUM (Page 1954 as applied to trainees by Williams et al., Med Educ 1992;26:297-304,
and Bolsin & Colls, Int J Qual Health Care 2000;12:433-438)::

    P = ln(p1/p0)        Q = ln((1-p0)/(1-p1))
    s = Q / (P + Q)       = ln((1-p0)/(1-p1)) / ln(p1(1-p0) / (p0(1-p1)))
    a = ln((1-beta)/alpha)        b = ln((1-alpha)/beta)
    h1 = a / (P + Q)   (upper decision line: failure rate unacceptable, ~p1)
    h0 = b / (P + Q)   (lower decision line, plotted at -h0: failure rate acceptable, ~p0)
    S_0 = 0,  S_n = S_{n-1} + (1 - s) after a failure,  S_n = S_{n-1} - s after a success.

Crossing -h0 (and each further multiple of h0 below) shows acceptable performance; crossing h1
signals a failure rate near p1.

LC-CUSUM (Biau, Williams, Schlup, Nizard, Porcher, Br J Surg 2008;95:925-929; Biau & Porcher,
Stat Med 2010;29:1900-1909) tests H0 "not yet competent" (failure rate p1) against H1
"competent" (failure rate p0) and signals when the trainee has left the learning phase::

    W_n = ln((1-p0)/(1-p1)) = Q   after a success,   W_n = ln(p0/p1) = -P   after a failure
    S_0 = 0,  S_n = max(0, S_{n-1} + W_n);   competence is declared at the first S_n >= h.

Biau chooses h so that the probability of wrongly declaring competence (failure rate really
p1) within the monitored number of cases is alpha. ``lc_cusum_limit`` computes that h exactly
for a given horizon with a Brook & Evans (Biometrika 1972;59:539-549) Markov chain on a fine
lattice (the weights rounded to 1/200 of the success weight), and ``lc_cusum_power`` gives the
probability of declaring competence within n cases when the failure rate really is p0; beta sets
how many cases that takes (``cases_for_power``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

_RES = 200  # lattice points per success weight for the Markov chain


@dataclass(frozen=True)
class CusumParams:
    """p0/p1: acceptable / unacceptable FAILURE rates; horizon: cases monitored (LC-CUSUM)."""

    p0: float = 0.10
    p1: float = 0.30
    alpha: float = 0.05
    beta: float = 0.20
    horizon: int = 100

    def __post_init__(self) -> None:
        if not 0 < self.p0 < self.p1 < 1:
            raise ValueError(f"need 0 < p0 < p1 < 1, got p0={self.p0}, p1={self.p1}")
        if not (0 < self.alpha < 1 and 0 < self.beta < 1):
            raise ValueError(f"alpha and beta must be in (0, 1), got {self.alpha}, {self.beta}")
        if self.horizon < 1:
            raise ValueError(f"horizon must be >= 1 case, got {self.horizon}")

    @property
    def P(self) -> float:
        return math.log(self.p1 / self.p0)

    @property
    def Q(self) -> float:
        return math.log((1 - self.p0) / (1 - self.p1))

    @property
    def s(self) -> float:
        return self.Q / (self.P + self.Q)

    @property
    def h0(self) -> float:
        return math.log((1 - self.alpha) / self.beta) / (self.P + self.Q)

    @property
    def h1(self) -> float:
        return math.log((1 - self.beta) / self.alpha) / (self.P + self.Q)


@dataclass
class CusumResult:
    values: list[float]
    s: float
    h0: float
    h1: float
    acceptable_at: int | None  # 1-based case number where S first reached -h0
    unacceptable_at: int | None  # 1-based case number where S first reached h1
    status: str  # "acceptable" | "unacceptable" | "undecided" (judged on the latest position)


@dataclass
class LcCusumResult:
    values: list[float]
    h: float
    success_weight: float
    failure_weight: float
    competent_at: int | None  # 1-based case number of the first S_n >= h
    alpha_achieved: float
    cases_for_power: int | None  # cases needed for P(declare | p0) >= 1 - beta (within 5 x horizon)
    weights: dict[str, float] = field(default_factory=dict)


def cusum(failures: Sequence[bool], params: CusumParams | None = None) -> CusumResult:
    """Bolsin/Colls CUSUM of a sequence of outcomes (True = failure)."""
    p = params or CusumParams()
    s, h0, h1 = p.s, p.h0, p.h1
    values: list[float] = []
    total = 0.0
    acc = bad = None
    for i, fail in enumerate(failures, 1):
        total += (1 - s) if fail else -s
        values.append(total)
        if acc is None and total <= -h0 + 1e-12:
            acc = i
        if bad is None and total >= h1 - 1e-12:
            bad = i
    status = "undecided"
    if values:
        # position relative to the last decision: a fresh excursion of h1 above the running minimum
        # signals unacceptable; below -h0 overall with no such excursion is acceptable
        run_min = min(0.0, *values)
        if values[-1] - run_min >= h1 - 1e-12:
            status = "unacceptable"
        elif values[-1] <= -h0 + 1e-12:
            status = "acceptable"
    return CusumResult(values, s, h0, h1, acc, bad, status)


def lc_cusum(
    failures: Sequence[bool], params: CusumParams | None = None, h: float | None = None
) -> LcCusumResult:
    """Biau's LC-CUSUM of outcomes (True = failure); ``h`` defaults to ``lc_cusum_limit``."""
    p = params or CusumParams()
    h = lc_cusum_limit(p) if h is None else h
    ws, wf = p.Q, -p.P
    values: list[float] = []
    total = 0.0
    at = None
    for i, fail in enumerate(failures, 1):
        total = max(0.0, total + (wf if fail else ws))
        values.append(total)
        if at is None and total >= h - 1e-12:
            at = i
    return LcCusumResult(
        values=values,
        h=h,
        success_weight=ws,
        failure_weight=wf,
        competent_at=at,
        alpha_achieved=_alpha_and_cases(p, h)[0],
        cases_for_power=_alpha_and_cases(p, h)[1],
        weights={"success": ws, "failure": wf},
    )


@functools.lru_cache(maxsize=64)
def _alpha_and_cases(p: CusumParams, h: float) -> tuple[float, int | None]:
    return lc_cusum_crossing_prob(p, h, p.p1, p.horizon), cases_for_power(p, h)


def _lattice(p: CusumParams, h: float) -> tuple[int, int, int]:
    unit = p.Q / _RES
    return _RES, round(p.P / unit), max(1, math.ceil(h / unit - 1e-9))


def lc_cusum_crossing_curve(p: CusumParams, h: float, fail_rate: float, n: int) -> np.ndarray:
    """P(S_k >= h for some k <= n) for n = 1..n, by the Brook-Evans Markov chain."""
    up, down, top = _lattice(p, h)
    dist = np.zeros(top)
    dist[0] = 1.0
    crossed = 0.0
    out = np.empty(n)
    q = 1.0 - fail_rate
    for i in range(n):
        nxt = np.zeros(top)
        # success: move up; beyond the top is absorbed (declared)
        if up < top:
            nxt[up:] += q * dist[: top - up]
        crossed += q * dist[max(0, top - up) :].sum()
        # failure: move down, reflected at 0
        if down < top:
            nxt[: top - down] += fail_rate * dist[down:]
            nxt[0] += fail_rate * dist[:down].sum()
        else:
            nxt[0] += fail_rate * dist.sum()
        dist = nxt
        out[i] = crossed
    return out


def lc_cusum_crossing_prob(p: CusumParams, h: float, fail_rate: float, n: int) -> float:
    return float(lc_cusum_crossing_curve(p, h, fail_rate, n)[-1]) if n > 0 else 0.0


def lc_cusum_limit(p: CusumParams) -> float:
    """Smallest lattice h with P(declare within ``horizon`` | failure rate p1) <= alpha."""
    unit = p.Q / _RES
    lo, hi = 1, _RES
    while lc_cusum_crossing_prob(p, hi * unit, p.p1, p.horizon) > p.alpha:
        lo, hi = hi, hi * 2
        if hi > _RES * 10_000:
            raise ValueError("cannot find an LC-CUSUM limit for these parameters")
    while lo < hi:
        mid = (lo + hi) // 2
        if lc_cusum_crossing_prob(p, mid * unit, p.p1, p.horizon) <= p.alpha:
            hi = mid
        else:
            lo = mid + 1
    return hi * unit


def lc_cusum_power(p: CusumParams, h: float, n: int) -> float:
    """P(declare competence within n cases | failure rate p0)."""
    return lc_cusum_crossing_prob(p, h, p.p0, n)


def cases_for_power(p: CusumParams, h: float) -> int | None:
    """Cases a trainee at failure rate p0 needs for P(declaration) >= 1 - beta."""
    curve = lc_cusum_crossing_curve(p, h, p.p0, 5 * p.horizon)
    hits = np.nonzero(curve >= 1 - p.beta)[0]
    return int(hits[0]) + 1 if hits.size else None
