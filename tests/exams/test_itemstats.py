"""Item analysis against hand-computed textbook formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from imgtrainer.exams.itemstats import analyse, cronbach_alpha, difficulty, groups, kr20, point_biserial

# 5 candidates x 4 dichotomous items
X = np.array(
    [
        [1, 1, 1, 0],
        [1, 1, 0, 0],
        [1, 0, 1, 1],
        [1, 0, 0, 0],
        [0, 0, 0, 0],
    ],
    float,
)


def test_difficulty_and_kr20_by_hand() -> None:
    assert difficulty(X) == pytest.approx([0.8, 0.4, 0.4, 0.2])
    # totals 3,2,3,1,0: mean 1.8, population variance (1.44+0.04+1.44+0.64+3.24)/5 = 1.36
    # sum pq = .16+.24+.24+.16 = 0.8; KR-20 = 4/3 (1 - 0.8/1.36) = 0.549019...
    assert kr20(X) == pytest.approx(4 / 3 * (1 - 0.8 / 1.36))
    assert kr20(X) == pytest.approx(0.5490196, abs=1e-6)
    # alpha equals KR-20 for 0/1 items, and matches the covariance-matrix form
    c = np.cov(X, rowvar=False, ddof=0)
    assert cronbach_alpha(X) == pytest.approx(4 / 3 * (1 - np.trace(c) / c.sum()))
    assert cronbach_alpha(X) == pytest.approx(kr20(X))
    with pytest.raises(ValueError):
        kr20(X * 0.5)


def test_point_biserial_by_textbook_formula() -> None:
    # r_pb = (M1 - M0) / s_t * sqrt(p q), population SD of totals
    totals = X.sum(axis=1)
    s_t = math.sqrt(1.36)
    for j in range(4):
        item = X[:, j]
        p = item.mean()
        m1, m0 = totals[item == 1].mean(), totals[item == 0].mean()
        assert point_biserial(X)[j] == pytest.approx((m1 - m0) / s_t * math.sqrt(p * (1 - p)))
    assert point_biserial(X)[0] == pytest.approx(2.25 / math.sqrt(1.36) * 0.4)  # 0.77174
    # corrected item-rest for item 1: item [1,1,1,1,0], rest [2,1,2,0,0]: cov .2, var .16 and .8
    assert point_biserial(X, corrected=True)[0] == pytest.approx(0.2 / math.sqrt(0.16 * 0.8))  # 0.5590


def test_groups_and_flags() -> None:
    upper, lower = groups(X.sum(axis=1))
    assert list(upper) == [0] and list(lower) == [4]  # 27% of 5 -> 1 each
    choices = {"q4": ["B", "B", "A", "C", "C"]}  # key A; the top scorer picked B
    options = {"q4": [("A", "a"), ("B", "b"), ("C", "c")]}
    res = analyse(X, ["q1", "q2", "q3", "q4"], ["category"] * 4, choices, {"q4": "A"}, options)
    rows = {r.item: r for r in res.items}
    assert rows["q1"].d_index == 1.0
    assert any("hard" in f for f in rows["q4"].flags) is False  # p = 0.2 is not below 0.2
    assert any("distractor 'B'" in f for f in rows["q4"].flags)
    dis = next(d for d in res.distractors if d.option == "B")
    assert dis.share == pytest.approx(0.4) and dis.upper_share == 1.0 and dis.flag
    easy = analyse(np.ones((4, 2)), ["a", "b"], ["count", "count"])
    assert all("easy (p>0.95)" in r.flags and "no variance" in r.flags for r in easy.items)
    assert math.isnan(easy.alpha)
    hard = analyse(np.array([[0, 1], [0, 0], [1, 1], [0, 1], [0, 0], [0, 1]], float), ["h", "x"], ["c", "c"])
    assert "hard (p<0.2)" in hard.items[0].flags
    assert res.kr20 == pytest.approx(kr20(X))
    partial = analyse(X * 0.5 + 0.25, ["a", "b", "c", "d"], ["ordinal"] * 4)
    assert partial.kr20 is None and partial.alpha == pytest.approx(cronbach_alpha(X))
