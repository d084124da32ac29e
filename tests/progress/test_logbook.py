"""Logbook: ASRA minimums, simulated trainees' competence, mastery, maintenance, per-finding stats."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from imgtrainer.progress.cusum import CusumParams
from imgtrainer.progress.logbook import LogbookParams, build_logbook, wilson
from tests.progress._sim import T0, FakeFinding, FakeScan, simulate, simulate_findings


def test_good_trainee_declared_competent_poor_one_not():
    params = LogbookParams(cusum=CusumParams(p0=0.1, p1=0.3, alpha=0.05, beta=0.2, horizon=100))
    declared_good = declared_poor = 0
    for seed in range(10):
        good = build_logbook("g", simulate("lung", 200, 0.05, seed), [], [], T0 + timedelta(days=60), params)
        poor = build_logbook(
            "p", simulate("lung", 200, 0.45, 100 + seed), [], [], T0 + timedelta(days=60), params
        )
        declared_good += good.domain("lung").competent
        declared_poor += poor.domain("lung").competent
        assert good.domain("lung").attempts == 200
    assert declared_good == 10
    assert declared_poor == 0


def test_competence_needs_a_run_of_successes():
    params = LogbookParams(cusum=CusumParams(p0=0.1, p1=0.3, alpha=0.05, beta=0.2, horizon=100))
    book = build_logbook("x", simulate("cardiac", 10, 0.0, 1), [], [], T0 + timedelta(days=5), params)
    d = book.domain("cardiac")
    assert not d.competent  # h ~ 4.9 needs ~20 straight correct cases
    assert d.lc_cusum.h / d.lc_cusum.success_weight > 15
    assert d.streak == 10 and d.mastered and d.mastered_at == 10


def test_minimums_levels_and_totals():
    atts = simulate("gastric", 30, 0.2, 2, n_cases=25)  # 25 distinct cases, 30 attempts
    scans = [FakeScan("gastric", date(2026, 1, 20), "Dr A")] * 20 + [
        FakeScan("gastric", date(2026, 1, 21))
    ] * 5
    book = build_logbook("t", atts, scans, [], T0 + timedelta(days=30))
    g = book.domain("gastric")
    assert (g.interpret_studies, g.attempts, g.bedside_scans, g.supervised_scans) == (25, 30, 25, 20)
    assert g.interpret_min == 20 and g.interpret_met
    assert g.total_studies == 50 and g.total_min == 50 and g.total_met
    c = book.domain("cardiac")
    assert (c.interpret_min, c.total_min, c.interpret_met, c.total_studies) == (100, 150, False, 0)
    assert book.domain("airway").interpret_min == 20


def test_mastery_streak_and_maintenance_warning():
    atts = simulate("fast", 30, 0.3, 5)
    last = max(a.finished_at for a in atts)
    params = LogbookParams(mastery_streak=3, maintenance_days=90)
    fresh = build_logbook("t", atts, [], [], last + timedelta(days=10), params).domain("fast")
    stale = build_logbook("t", atts, [], [], last + timedelta(days=91), params).domain("fast")
    assert not fresh.maintenance_warning and stale.maintenance_warning
    assert stale.days_since_practice == 91
    fails = [a.score < 0.8 for a in atts]
    expected_streak = next((i for i, f in enumerate(reversed(fails)) if f), len(fails))
    assert fresh.streak == expected_streak
    assert fresh.mastered == (expected_streak >= 3)
    # a bedside scan counts as practice for maintenance
    scan = [FakeScan("fast", (last + timedelta(days=80)).date())]
    assert (
        not build_logbook("t", atts, scan, [], last + timedelta(days=91), params)
        .domain("fast")
        .maintenance_warning
    )


def test_per_finding_sensitivity_specificity():
    recs = simulate_findings("lung", "blines", 200, sens=0.9, spec=0.7, seed=1)
    recs += [
        FakeFinding("lung", "z_lines", "Z-lines (distractor)", "FP", True),
        FakeFinding("lung", "z_lines", "Z-lines (distractor)", "TN", True),
    ]
    book = build_logbook("t", [], [], recs, T0)
    bl = next(f for f in book.findings if f.finding == "blines")
    assert bl.n == 200
    assert bl.sensitivity == pytest.approx(bl.tp / 100)
    assert 0.82 < bl.sensitivity < 0.97 and 0.6 < bl.specificity < 0.8
    z = next(f for f in book.findings if f.finding == "z_lines")
    assert z.distractor and z.specificity == 0.5 and z.sensitivity is None
    lo, hi = wilson(bl.tp, bl.tp + bl.fn)
    assert lo < bl.sensitivity < hi
    assert wilson(0, 0) is None
    d = book.to_dict()
    assert d["findings"][0]["sensitivity_ci"] is not None
