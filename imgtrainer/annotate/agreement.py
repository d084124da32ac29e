"""Inter-rater agreement statistics (pure functions on plain lists).

- Cohen's kappa (two raters), unweighted or weighted (linear / quadratic) for ordinal scales:
  Cohen 1960; Cohen 1968.
- Fleiss' kappa for a fixed number of raters per subject: Fleiss 1971.
- Intraclass correlation for counts and measurements, ICC(2,1) two-way random, absolute
  agreement, single rater (Shrout & Fleiss 1979; McGraw & Wong 1996 "ICC(A,1)").

Each returns ``nan`` when the statistic is undefined (for example every rating identical),
rather than a misleading 0 or 1.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Literal

import numpy as np

Weighting = Literal["none", "linear", "quadratic"]


def _categories(*ratings: Sequence[Hashable]) -> list[Hashable]:
    seen: list[Hashable] = []
    for seq in ratings:
        for r in seq:
            if r not in seen:
                seen.append(r)
    try:
        return sorted(seen)  # type: ignore[type-var]
    except TypeError:
        return seen


def cohen_kappa(
    rater_a: Sequence[Hashable],
    rater_b: Sequence[Hashable],
    weights: Weighting = "none",
    categories: Sequence[Hashable] | None = None,
) -> float:
    """Cohen's kappa between two raters over the same subjects.

    For weighted kappa the ``categories`` order defines the ordinal distance (default: sorted).

    >>> round(cohen_kappa(["y", "y", "n", "n"], ["y", "n", "n", "n"]), 3)
    0.5
    """
    if len(rater_a) != len(rater_b):
        raise ValueError("both raters must rate the same subjects")
    if not rater_a:
        return math.nan
    cats = list(categories) if categories is not None else _categories(rater_a, rater_b)
    index = {c: i for i, c in enumerate(cats)}
    k = len(cats)
    observed = np.zeros((k, k))
    for a, b in zip(rater_a, rater_b, strict=True):
        observed[index[a], index[b]] += 1
    observed /= observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    i, j = np.indices((k, k))
    if weights == "none":
        disagreement = (i != j).astype(float)
    elif weights == "linear":
        disagreement = np.abs(i - j) / max(k - 1, 1)
    elif weights == "quadratic":
        disagreement = ((i - j) / max(k - 1, 1)) ** 2
    else:
        raise ValueError(f"unknown weighting {weights!r}")
    exp_dis = float((disagreement * expected).sum())
    if exp_dis == 0:
        return math.nan
    return 1.0 - float((disagreement * observed).sum()) / exp_dis


def fleiss_kappa(counts: np.ndarray | Sequence[Sequence[int]]) -> float:
    """Fleiss' kappa from a subjects x categories table of how many raters chose each category.

    Every subject must have the same number of raters (at least 2).
    """
    table = np.asarray(counts, dtype=float)
    if table.ndim != 2 or table.shape[0] == 0:
        raise ValueError("counts must be a non-empty subjects x categories table")
    n_raters = table.sum(axis=1)
    if not np.allclose(n_raters, n_raters[0]) or n_raters[0] < 2:
        raise ValueError("every subject needs the same number (>= 2) of ratings")
    n = n_raters[0]
    p_j = table.sum(axis=0) / table.sum()
    p_i = ((table * table).sum(axis=1) - n) / (n * (n - 1))
    p_bar = p_i.mean()
    p_e = float((p_j * p_j).sum())
    if p_e == 1.0:
        return math.nan
    return float((p_bar - p_e) / (1 - p_e))


def fleiss_table(
    ratings: Sequence[Sequence[Hashable]], categories: Sequence[Hashable] | None = None
) -> np.ndarray:
    """Turn per-subject rating lists (one entry per rater) into a Fleiss counts table."""
    cats = list(categories) if categories is not None else _categories(*ratings)
    index = {c: i for i, c in enumerate(cats)}
    table = np.zeros((len(ratings), len(cats)), dtype=int)
    for s, subject in enumerate(ratings):
        for r in subject:
            table[s, index[r]] += 1
    return table


def icc_a1(values: np.ndarray | Sequence[Sequence[float]]) -> float:
    """ICC(2,1): two-way random effects, absolute agreement, single rater.

    ``values`` is subjects x raters with no missing cells.
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError("ICC needs at least 2 subjects and 2 raters")
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_total = ((x - grand) ** 2).sum()
    ss_err = ss_total - ss_rows - ss_cols
    msr = ss_rows / (n - 1)
    msc = ss_cols / (k - 1)
    mse = ss_err / ((n - 1) * (k - 1))
    denom = msr + (k - 1) * mse + k * (msc - mse) / n
    if denom == 0:
        return math.nan
    return float((msr - mse) / denom)


def icc_c1(values: np.ndarray | Sequence[Sequence[float]]) -> float:
    """ICC(3,1): two-way mixed, consistency, single rater (rater bias ignored)."""
    x = np.asarray(values, dtype=float)
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_err = ((x - grand) ** 2).sum() - ss_rows - ss_cols
    msr = ss_rows / (n - 1)
    mse = ss_err / ((n - 1) * (k - 1))
    denom = msr + (k - 1) * mse
    return math.nan if denom == 0 else float((msr - mse) / denom)


def percent_agreement(ratings: Sequence[Sequence[Hashable]]) -> float:
    """Share of subjects on which every rater gave the same answer."""
    if not ratings:
        return math.nan
    return sum(1 for subject in ratings if len(set(subject)) == 1) / len(ratings)
