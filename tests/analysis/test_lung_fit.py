"""Fitting a decision inside the training data: calibration, abstention, grouping, selection."""

from __future__ import annotations

import numpy as np
import pytest

from imgtrainer.analysis.lung_fit import (
    Decision,
    balanced_accuracy,
    choose_margin,
    decision_from_dict,
    fit_decision,
    fit_platt,
    forward_select,
    group_folds,
)


def _fixture(n_groups: int = 30, per: int = 4, seed: int = 0):
    """Clips of ``n_groups`` patients: one informative measurement, one pure noise; 70% positive."""
    rng = np.random.default_rng(seed)
    groups = np.repeat([f"p{i}" for i in range(n_groups)], per)
    y = rng.random(len(groups)) < 0.7
    good = np.where(y, 1.0, -1.0) + rng.normal(0, 1.0, len(y))
    noise = rng.normal(0, 1.0, len(y))
    return {"good": good, "noise": noise}, y, groups


def test_group_folds_keep_each_patient_whole() -> None:
    groups = np.repeat(["a", "b", "c", "d", "e", "f"], 3)
    folds = group_folds(groups, 3, seed=1)
    assert sum(f.sum() for f in folds) == len(groups)
    for f in folds:
        for g in set(groups):
            assert f[groups == g].all() or not f[groups == g].any()


def test_platt_is_calibrated_for_an_even_prior() -> None:
    # scores from two unit-variance classes 2 apart, 3:1 imbalanced: for an even prior the
    # true probability is sigmoid(2 z) and p = 0.5 sits at z = 0, whatever the imbalance
    rng = np.random.default_rng(3)
    y = np.r_[np.ones(3000, bool), np.zeros(1000, bool)]
    z = np.where(y, 1.0, -1.0) + rng.normal(0, 1, len(y))
    a, c = fit_platt(z, y)
    assert a == pytest.approx(2.0, abs=0.15)
    assert abs(c) < 0.1


def test_fit_decision_picks_the_informative_set_and_commits_where_sure() -> None:
    feats, y, groups = _fixture()
    dec, table = fit_decision(feats, y, groups, {"good": ("good",), "noise": ("noise",)})
    assert dec.features == ("good",)
    assert table["good/equal"] > 0.7 > table["noise/equal"]
    p = np.array([dec.probability({"good": g}) for g in feats["good"]])
    assert balanced_accuracy(y, p >= 0.5) > 0.75
    sure = np.array([dec.decide(q) is not None for q in p])
    assert 0.6 <= sure.mean() < 1.0  # the band keeps coverage >= 60%
    assert balanced_accuracy(y[sure], p[sure] >= 0.5) > balanced_accuracy(y, p >= 0.5)
    assert dec.decide(0.5) is None or dec.margin == 0.0
    assert decision_from_dict(dec.to_dict()) == dec


def test_probability_holds_out_on_new_patients() -> None:
    """Calibration fitted in the folds: on new patients the mean probability in each half of
    the score matches the (class-balanced) share of positives there within 0.1."""
    feats, y, groups = _fixture(n_groups=60, seed=1)
    dec, _ = fit_decision(feats, y, groups, {"good": ("good",)})
    new, y2, _ = _fixture(n_groups=300, seed=2)
    p = np.array([dec.probability({"good": g}) for g in new["good"]])
    w = np.where(y2, 0.5 / y2.mean(), 0.5 / (1 - y2.mean()))  # even prior
    for sel in (p >= 0.5, p < 0.5):
        observed = float((w[sel] * y2[sel]).sum() / w[sel].sum())
        assert abs(observed - p[sel].mean()) < 0.1


def test_margin_widens_until_committed_accuracy_or_coverage_limit() -> None:
    p = np.r_[np.linspace(0.0, 1.0, 101)]
    y = p >= 0.5
    assert choose_margin(p, y) == 0.0  # already perfect
    rng = np.random.default_rng(0)
    y = rng.random(101) < p  # noisy: the band widens, never below 60% coverage
    m = choose_margin(p, y)
    assert m > 0 and (np.abs(p - 0.5) >= m).mean() >= 0.6


def test_forward_selection_finds_the_signal_and_stops() -> None:
    feats, y, groups = _fixture()
    assert forward_select(feats, y, groups, ("noise", "good")) == ("good",)


def test_decision_from_dict_names_the_problem() -> None:
    good = Decision(("x",), "equal", (0.0,), (1.0,), (1.0,), 0.0, (1.0, 0.0), 0.1).to_dict()
    for bad, text in (
        ({**good, "features": []}, "features"),
        ({**good, "sd": [-1.0]}, "sd"),
        ({**good, "family": "forest"}, "family"),
        ({**good, "platt": [1.0]}, "platt"),
        ({**good, "margin": True}, "margin"),
    ):
        with pytest.raises(ValueError, match=text):
            decision_from_dict(bad)
