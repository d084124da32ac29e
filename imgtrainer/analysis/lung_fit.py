"""Fitting a lung-assist decision with everything chosen inside the training data.

One call, ``fit_decision``, does all the fitting the assist needs for a finding (B-lines or
A-lines) from labelled clips: it picks the feature set and the model family by grouped
(by patient) cross-validation *within the clips it is given*, fits the winner on all of them,
calibrates its score to a probability (Platt scaling on the cross-validated scores, so the
probabilities are those of unseen patients, not of the fitted ones) and sets the abstention
band (the margin around 0.5 inside which the assist says "uncertain"). The validation
protocol (``benchmarks/analysis.py lung``) calls it on the training folds only, so every
figure it reports is that of the whole recipe on patients it never saw.

Pure numpy: the data are a few hundred clips and a dozen measurements.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

FAMILIES = ("equal", "logistic")
"""Model families: equal signed weights on standardised features, threshold midway between the
classes' median scores (almost nothing to overfit); and a class-balanced L2 logistic fit."""

TARGET_COMMITTED_BA = 0.90  # the abstention band aims at this accuracy on committed clips...
MIN_COVERAGE = 0.60  # ...while committing on at least this share of clips
CLIP = 3.0  # standardised measurements are clipped to +-3 robust spreads (one odd clip cannot dominate)
MARGINS = tuple(np.round(np.arange(0.0, 0.451, 0.025), 3))


@dataclass(frozen=True)
class Decision:
    """A fitted decision: p = sigmoid(a * (w . (x - mu) / sd + b) + c); present when p is
    outside 0.5 +- ``margin``, else unsure."""

    features: tuple[str, ...]
    family: str
    mu: tuple[float, ...]
    sd: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    platt: tuple[float, float]
    margin: float
    cv_ba: float = field(
        default=float("nan"), compare=False
    )  # grouped-CV balanced accuracy that chose it (within its training data)

    def score(self, x: dict[str, float]) -> float:
        z = self.bias
        for k, m, s, w in zip(self.features, self.mu, self.sd, self.weights, strict=True):
            z += w * min(CLIP, max(-CLIP, (float(x.get(k, m)) - m) / s))
        return z

    def probability(self, x: dict[str, float]) -> float:
        return _sigmoid(self.platt[0] * self.score(x) + self.platt[1])

    def decide(self, p: float) -> bool | None:
        """True / False, or None when ``p`` lies inside the abstention band."""
        if abs(p - 0.5) < self.margin:
            return None
        return p >= 0.5

    def to_dict(self) -> dict[str, object]:
        return {
            "features": list(self.features),
            "family": self.family,
            "mu": list(self.mu),
            "sd": list(self.sd),
            "weights": list(self.weights),
            "bias": self.bias,
            "platt": list(self.platt),
            "margin": self.margin,
            "cv_ba": None if math.isnan(self.cv_ba) else self.cv_ba,
        }


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


def balanced_accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    y, pred = np.asarray(y, bool), np.asarray(pred, bool)
    if y.all() or (~y).all():
        return float("nan")
    return 0.5 * (float(pred[y].mean()) + float((~pred[~y]).mean()))


def fit_equal(xs: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Equal signed weights (sign of each feature's correlation with the label) and the bias
    that puts the threshold midway between the classes' median scores."""
    with np.errstate(all="ignore"):
        c = [np.corrcoef(xs[:, j], y)[0, 1] for j in range(xs.shape[1])]
    sign = np.where(np.nan_to_num(c) < 0, -1.0, 1.0)
    w = sign / xs.shape[1]
    z = xs @ w
    return w, float(-0.5 * (np.median(z[y]) + np.median(z[~y])))


def fit_logistic(xs: np.ndarray, y: np.ndarray, l2: float = 1.0) -> tuple[np.ndarray, float]:
    """Class-balanced L2-penalised logistic regression by Newton's method (bias unpenalised)."""
    n, k = xs.shape
    a = np.column_stack([xs, np.ones(n)])
    sw = np.where(y, 0.5 / max(1, y.sum()), 0.5 / max(1, (~y).sum())) * n
    beta = np.zeros(k + 1)
    pen = np.full(k + 1, l2)
    pen[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ beta, -30, 30)))
        g = a.T @ (sw * (p - y)) + pen * beta
        h = (a * (sw * p * (1 - p))[:, None]).T @ a + np.diag(pen) + 1e-9 * np.eye(k + 1)
        step = np.linalg.solve(h, g)
        beta -= step
        if np.abs(step).max() < 1e-7:
            break
    return beta[:-1], float(beta[-1])


def fit_platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling p = sigmoid(a z + c) on Platt's smoothed targets, with the two classes
    weighted equally: p is calibrated for an even prior (the assist does not know how common a
    finding is where it is used: 76% of the BLUS clips show B-lines, 24% of the mixed set's),
    so p >= 0.5 is the balanced decision and p / (1 - p) is the evidence's likelihood ratio."""
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    t = np.where(y, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    sw = np.where(y, 0.5 / max(1, n_pos), 0.5 / max(1, n_neg)) * len(y)
    a = np.column_stack([z, np.ones(len(z))])
    beta = np.array([1.0, 0.0])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ beta, -30, 30)))
        g = a.T @ (sw * (p - t)) + 1e-3 * beta
        h = (a * (sw * p * (1 - p))[:, None]).T @ a + 1e-3 * np.eye(2)
        step = np.linalg.solve(h, g)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return float(beta[0]), float(beta[1])


def _fit_raw(x: np.ndarray, y: np.ndarray, family: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    mu, sd = robust_scale(x)
    xs = np.clip((x - mu) / sd, -CLIP, CLIP)
    w, b = fit_equal(xs, y) if family == "equal" else fit_logistic(xs, y)
    return mu, sd, w, b


def robust_scale(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column median and spread (interquartile range / 1.349, the SD of a normal; the SD
    where the IQR is zero)."""
    mu = np.median(x, axis=0)
    q1, q3 = np.percentile(x, [25, 75], axis=0)
    sd = (q3 - q1) / 1.349
    sd = np.where(sd > 1e-9, sd, x.std(axis=0))
    return mu, np.where(sd > 1e-9, sd, 1.0)


def group_folds(groups: np.ndarray, k: int, seed: int = 0) -> list[np.ndarray]:
    """``k`` test masks that keep each group (patient) whole, groups spread at random."""
    ug = np.array(sorted(set(groups.tolist())))
    order = np.random.default_rng(seed).permutation(len(ug))
    k = max(2, min(k, len(ug)))
    return [np.isin(groups, ug[order[i::k]]) for i in range(k)]


def cv_scores(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, family: str, k: int = 5, seeds: tuple[int, ...] = (0,)
) -> np.ndarray:
    """Out-of-fold raw scores (rows: seeds) of ``family`` with patient-grouped ``k``-fold CV."""
    out = np.full((len(seeds), len(y)), np.nan)
    for si, seed in enumerate(seeds):
        for te in group_folds(groups, k, seed):
            tr = ~te
            if y[tr].all() or (~y[tr]).all():
                continue
            mu, sd, w, b = _fit_raw(x[tr], y[tr], family)
            out[si, te] = np.clip((x[te] - mu) / sd, -CLIP, CLIP) @ w + b
    return out


def choose_margin(p: np.ndarray, y: np.ndarray) -> float:
    """The narrowest abstention band whose committed balanced accuracy reaches the target while
    coverage stays >= ``MIN_COVERAGE``; failing that, the widest band keeping that coverage."""
    best = 0.0
    for m in MARGINS:
        sure = np.abs(p - 0.5) >= m
        if sure.mean() < MIN_COVERAGE:
            break
        best = m
        if balanced_accuracy(y[sure], p[sure] >= 0.5) >= TARGET_COMMITTED_BA:
            return float(m)
    return float(best)


def fit_decision(
    feats: dict[str, np.ndarray],
    y: np.ndarray,
    groups: np.ndarray,
    candidates: dict[str, tuple[str, ...]],
    families: tuple[str, ...] = FAMILIES,
    k: int = 5,
    seeds: tuple[int, ...] = (0, 1, 2),
) -> tuple[Decision, dict[str, float]]:
    """Choose a feature set and family by grouped CV on these clips, fit, calibrate, set the band.

    ``feats`` maps feature names to per-clip values, ``y`` the labels, ``groups`` the patient
    of each clip; ``candidates`` names the feature sets to choose between. Returns the decision
    and every candidate's CV balanced accuracy (``"set/family"``).
    """
    y = np.asarray(y, bool)
    table: dict[str, float] = {}
    best = None
    for name, cols in candidates.items():
        x = np.column_stack([feats[c] for c in cols])
        for fam in families:
            z = cv_scores(x, y, groups, fam, k, seeds)
            bas = [balanced_accuracy(y[~np.isnan(r)], r[~np.isnan(r)] > 0) for r in z]
            ba = float(np.nanmean(bas)) if not np.all(np.isnan(bas)) else float("nan")
            table[f"{name}/{fam}"] = ba
            if best is None or (not math.isnan(ba) and ba > best[0] + 1e-9):
                best = (ba, name, fam, z)
    assert best is not None
    ba, name, fam, z = best
    cols = candidates[name]
    x = np.column_stack([feats[c] for c in cols])
    mu, sd, w, b = _fit_raw(x, y, fam)
    zz, yy = z.ravel(), np.tile(y, z.shape[0])
    ok = ~np.isnan(zz)
    platt = fit_platt(zz[ok], yy[ok])
    p_cv = 1.0 / (1.0 + np.exp(-np.clip(platt[0] * zz[ok] + platt[1], -30, 30)))
    margin = choose_margin(p_cv, yy[ok])
    dec = Decision(
        features=tuple(cols),
        family=fam,
        mu=tuple(round(float(v), 6) for v in mu),
        sd=tuple(round(float(v), 6) for v in sd),
        weights=tuple(round(float(v), 6) for v in w),
        bias=round(float(b), 6),
        platt=(round(platt[0], 6), round(platt[1], 6)),
        margin=margin,
        cv_ba=round(ba, 4),
    )
    return dec, table


def decision_from_dict(d: object) -> Decision:
    """A ``Decision`` from ``Decision.to_dict()`` output; ValueError names what is wrong."""
    if not isinstance(d, dict):
        raise ValueError("must be an object")
    feats = d.get("features")
    if not isinstance(feats, list) or not feats or not all(isinstance(f, str) for f in feats):
        raise ValueError("'features' must be a list of feature names")
    n = len(feats)
    vals = {}
    for name in ("mu", "sd", "weights"):
        v = d.get(name)
        if not isinstance(v, list) or len(v) != n or not all(_num(t) for t in v):
            raise ValueError(f"{name!r} must be a list of {n} numbers")
        vals[name] = tuple(float(t) for t in v)
    if any(s <= 0 for s in vals["sd"]):
        raise ValueError("'sd' must hold positive numbers")
    platt = d.get("platt")
    if not isinstance(platt, list) or len(platt) != 2 or not all(_num(t) for t in platt):
        raise ValueError("'platt' must be a list of 2 numbers")
    for name in ("bias", "margin"):
        if not _num(d.get(name)):
            raise ValueError(f"{name!r} must be a number")
    if not 0.0 <= float(d["margin"]) < 0.5:
        raise ValueError("'margin' must be in [0, 0.5)")
    fam = d.get("family")
    if fam not in FAMILIES:
        raise ValueError(f"'family' must be one of {list(FAMILIES)}")
    cv = d.get("cv_ba")
    return Decision(
        features=tuple(feats),
        family=fam,
        mu=vals["mu"],
        sd=vals["sd"],
        weights=vals["weights"],
        bias=float(d["bias"]),
        platt=(float(platt[0]), float(platt[1])),
        margin=float(d["margin"]),
        cv_ba=float(cv) if _num(cv) else float("nan"),
    )


def _num(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def forward_select(
    feats: dict[str, np.ndarray],
    y: np.ndarray,
    groups: np.ndarray,
    pool: tuple[str, ...],
    max_k: int = 4,
    family: str = "equal",
) -> tuple[str, ...]:
    """Greedy forward selection from ``pool`` by grouped-CV balanced accuracy on these clips
    (stops when adding a feature no longer helps). Used by the protocol to measure what choosing
    measurements from scratch, inside the training folds, is worth."""
    y = np.asarray(y, bool)
    chosen: list[str] = []
    best = -1.0
    while len(chosen) < max_k:
        step = None
        for k in pool:
            if k in chosen or np.ptp(feats[k]) == 0:
                continue
            x = np.column_stack([feats[c] for c in (*chosen, k)])
            z = cv_scores(x, y, groups, family)[0]
            ok = ~np.isnan(z)
            ba = balanced_accuracy(y[ok], z[ok] > 0)
            if not math.isnan(ba) and (step is None or ba > step[0]):
                step = (ba, k)
        if step is None or step[0] <= best + 1e-3:
            break
        best = step[0]
        chosen.append(step[1])
    return tuple(chosen)
