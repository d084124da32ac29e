"""Agreement statistics against published textbook examples and krippendorff's package."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest

from imgtrainer.annotate.agreement import cohen_kappa, fleiss_kappa, fleiss_table, icc_a1, icc_c1


def test_fleiss_1971_example() -> None:
    # Fleiss (1971) table as reproduced in textbooks: 10 subjects, 14 raters, 5 categories.
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    assert fleiss_kappa(table) == pytest.approx(0.210, abs=0.001)


def test_shrout_fleiss_1979_icc() -> None:
    # Shrout & Fleiss (1979), Table 2: 6 targets, 4 judges. ICC(2,1)=0.29, ICC(3,1)=0.71.
    data = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    assert icc_a1(data) == pytest.approx(0.29, abs=0.005)
    assert icc_c1(data) == pytest.approx(0.71, abs=0.005)


def test_cohen_kappa_by_hand() -> None:
    # 2x2 table: yes/yes 20, yes/no 5, no/yes 10, no/no 15 (n=50).
    # po = 35/50 = 0.70; pe = (25*30 + 25*20)/2500 = 0.5; kappa = 0.4.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_weighted_kappa_by_hand() -> None:
    # Two raters, 3 ordinal categories; quadratic weights w = ((i-j)/2)^2.
    a = [0, 0, 1, 1, 2, 2, 2, 0]
    b = [0, 1, 1, 2, 2, 1, 2, 0]
    obs = np.zeros((3, 3))
    for x, y in zip(a, b, strict=True):
        obs[x, y] += 1 / len(a)
    exp = np.outer(obs.sum(1), obs.sum(0))
    w = np.array([[((i - j) / 2) ** 2 for j in range(3)] for i in range(3)])
    expected = 1 - (w * obs).sum() / (w * exp).sum()
    assert cohen_kappa(a, b, weights="quadratic", categories=[0, 1, 2]) == pytest.approx(expected)
    # Every disagreement is one step: weighting gives partial credit, so kappa rises.
    assert cohen_kappa(a, b, weights="linear", categories=[0, 1, 2]) > cohen_kappa(a, b, categories=[0, 1, 2])


def test_nominal_kappa_matches_krippendorff_for_large_samples() -> None:
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 3, 400)
    r1 = np.where(rng.random(400) < 0.8, truth, rng.integers(0, 3, 400))
    r2 = np.where(rng.random(400) < 0.8, truth, rng.integers(0, 3, 400))
    alpha = krippendorff.alpha(reliability_data=np.vstack([r1, r2]), level_of_measurement="nominal")
    kappa = fleiss_kappa(fleiss_table([[int(x), int(y)] for x, y in zip(r1, r2, strict=True)]))
    # Krippendorff's alpha and Fleiss' kappa differ only by a small-sample correction.
    assert kappa == pytest.approx(alpha, abs=0.01)


def test_undefined_statistics_are_nan() -> None:
    assert math.isnan(cohen_kappa(["a", "a"], ["a", "a"]))
    with pytest.raises(ValueError):
        fleiss_kappa([[2, 0], [1, 0]])
