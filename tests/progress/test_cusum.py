"""CUSUM and LC-CUSUM against hand computation from the published formulas."""

from __future__ import annotations

import math
import random

import pytest

from imgtrainer.progress.cusum import (
    CusumParams,
    cusum,
    lc_cusum,
    lc_cusum_crossing_prob,
    lc_cusum_limit,
    lc_cusum_power,
)


def test_cusum_boundaries_and_path_by_hand():
    # p0 = 0.1, p1 = 0.2, alpha = beta = 0.1 (a textbook trainee CUSUM setting)
    p = CusumParams(p0=0.1, p1=0.2, alpha=0.1, beta=0.1)
    P = math.log(0.2 / 0.1)  # 0.693147
    Q = math.log(0.9 / 0.8)  # 0.117783
    assert pytest.approx(0.6931472) == p.P and pytest.approx(0.1177830) == p.Q
    assert p.s == pytest.approx(Q / (P + Q)) == pytest.approx(0.1452444, abs=1e-6)
    # brief's form: ln((1-p0)/(1-p1)) / ln(p1(1-p0)/(p0(1-p1)))
    assert p.s == pytest.approx(math.log(0.9 / 0.8) / math.log(0.2 * 0.9 / (0.1 * 0.8)))
    # h1 = ln((1-beta)/alpha)/(P+Q) = ln 9 / 0.810930 = 2.709511 ; h0 = ln((1-alpha)/beta)/(P+Q) = same here
    assert p.h1 == pytest.approx(2.709511, abs=1e-5)
    assert p.h0 == pytest.approx(2.709511, abs=1e-5)
    asym = CusumParams(p0=0.1, p1=0.2, alpha=0.05, beta=0.2)
    assert asym.h1 == pytest.approx(math.log(0.8 / 0.05) / (P + Q))  # 3.419023
    assert asym.h0 == pytest.approx(math.log(0.95 / 0.2) / (P + Q))  # 1.921429

    s = p.s
    outcomes = [False, False, True, False, True, True]  # True = failure
    expected, total = [], 0.0
    for fail in outcomes:
        total += (1 - s) if fail else -s
        expected.append(total)
    res = cusum(outcomes, p)
    assert res.values == pytest.approx(expected)
    assert res.values[-1] == pytest.approx(3 * (1 - s) - 3 * s)  # 3 failures, 3 successes

    # 19 straight successes: -19 s = -2.7596 crosses -h0 = -2.7095 at case 19 (-18 s = -2.6144 does not)
    res = cusum([False] * 25, p)
    assert res.acceptable_at == 19 and res.unacceptable_at is None and res.status == "acceptable"
    # 4 failures: 4 (1 - s) = 3.419 >= h1 at case 4 (3 (1 - s) = 2.564 < h1)
    res = cusum([True] * 6, p)
    assert res.unacceptable_at == 4 and res.status == "unacceptable"


def test_lc_cusum_path_by_hand():
    p = CusumParams(p0=0.1, p1=0.3, alpha=0.05, beta=0.2, horizon=50)
    ws, wf = math.log(0.9 / 0.7), math.log(0.1 / 0.3)  # +0.251314, -1.098612
    res = lc_cusum([False, False, True, False, False, False], p, h=0.7)
    # S: 0.2513, 0.5026, max(0, 0.5026-1.0986)=0, 0.2513, 0.5026, 0.7539 >= 0.7 at case 6
    assert res.values == pytest.approx([ws, 2 * ws, 0.0, ws, 2 * ws, 3 * ws])
    assert res.success_weight == pytest.approx(ws) and res.failure_weight == pytest.approx(wf)
    assert res.competent_at == 6
    assert lc_cusum([True] * 10, p, h=0.7).values == [0.0] * 10


def test_lc_cusum_limit_controls_alpha_and_gives_power():
    p = CusumParams(p0=0.1, p1=0.3, alpha=0.05, beta=0.2, horizon=50)
    h = lc_cusum_limit(p)
    assert lc_cusum_crossing_prob(p, h, p.p1, p.horizon) <= p.alpha
    assert lc_cusum_crossing_prob(p, h * 0.9, p.p1, p.horizon) > p.alpha * 0.9  # h is (nearly) the smallest
    # a perfect trainee crosses after ceil(h / ws) successes
    ws = p.Q
    need = math.ceil(h / ws - 1e-9)
    assert lc_cusum([False] * need, p, h).competent_at == need
    assert lc_cusum_power(p, h, 200) > 0.9
    # Monte Carlo check of the Markov-chain alpha (independent implementation: the score recursion)
    rng = random.Random(3)
    trials = 1500
    hits = sum(
        lc_cusum([rng.random() < p.p1 for _ in range(p.horizon)], p, h).competent_at is not None
        for _ in range(trials)
    )
    se = math.sqrt(p.alpha * (1 - p.alpha) / trials)
    assert hits / trials < p.alpha + 3 * se


def test_params_validation():
    with pytest.raises(ValueError, match="p0 < p1"):
        CusumParams(p0=0.3, p1=0.1)
    with pytest.raises(ValueError, match="alpha"):
        CusumParams(alpha=0)
