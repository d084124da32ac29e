"""Classical item analysis: difficulty, discrimination, reliability, distractors (pure numpy).

``X`` is a candidates x items matrix of item scores in [0, 1] (partial credit allowed; an
unanswered item is 0). The total is the unweighted sum of item scores (classical test theory).

- difficulty p: mean item score (proportion correct for 0/1 items).
- point-biserial r_pb: Pearson correlation of the item with the total; the corrected item-rest
  correlation r_ir correlates the item with the total *without* it (no self-inflation) and is the
  discrimination that is flagged.
- upper-lower index D = p(upper 27 %) - p(lower 27 %) (Kelley's groups by total score).
- Cronbach's alpha = k/(k-1) (1 - sum var_i / var_total); with 0/1 items it equals KR-20
  = k/(k-1) (1 - sum p q / var_total). Population variances (ddof 0) are used throughout,
  so the two agree exactly.
- distractors: per option, the share choosing it overall and in the upper and lower groups; a
  distractor the upper group picks more often than the key is flagged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

P_LOW, P_HIGH, DISC_MIN, GROUP_FRACTION = 0.2, 0.95, 0.2, 0.27


def difficulty(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, float).mean(axis=0)


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    den = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return float((a * b).sum() / den) if den > 1e-12 else float("nan")


def point_biserial(x: np.ndarray, corrected: bool = False) -> np.ndarray:
    """Item-total correlation per item; ``corrected`` uses the total minus the item."""
    x = np.asarray(x, float)
    total = x.sum(axis=1)
    return np.array([_pearson(x[:, j], total - x[:, j] if corrected else total) for j in range(x.shape[1])])


def cronbach_alpha(x: np.ndarray) -> float:
    x = np.asarray(x, float)
    k = x.shape[1]
    var_total = float(x.sum(axis=1).var())
    if k < 2 or var_total <= 1e-12:
        return float("nan")
    return k / (k - 1) * (1.0 - float(x.var(axis=0).sum()) / var_total)


def kr20(x: np.ndarray) -> float:
    """KR-20 for dichotomous (0/1) items; raises ValueError for partial-credit scores."""
    x = np.asarray(x, float)
    if not np.isin(x, (0.0, 1.0)).all():
        raise ValueError("KR-20 needs 0/1 item scores; use cronbach_alpha for partial credit")
    k = x.shape[1]
    p = x.mean(axis=0)
    var_total = float(x.sum(axis=1).var())
    if k < 2 or var_total <= 1e-12:
        return float("nan")
    return k / (k - 1) * (1.0 - float((p * (1 - p)).sum()) / var_total)


def groups(totals: Sequence[float], fraction: float = GROUP_FRACTION) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the upper and lower groups (at least one candidate each, ties by order)."""
    t = np.asarray(totals, float)
    n = max(1, round(len(t) * fraction))
    order = np.argsort(-t, kind="stable")
    return order[:n], order[::-1][:n]


@dataclass
class DistractorRow:
    item: str
    option: str
    label: str
    is_key: bool
    share: float
    upper_share: float
    lower_share: float
    flag: str = ""


@dataclass
class ItemRow:
    item: str
    kind: str
    n: int
    p: float
    r_pb: float
    r_ir: float
    d_index: float
    flags: list[str] = field(default_factory=list)


@dataclass
class ItemAnalysis:
    items: list[ItemRow]
    distractors: list[DistractorRow]
    alpha: float
    kr20: float | None  # only when every item is scored 0/1
    n_candidates: int
    n_items: int


def _nan_none(v: float) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else round(float(v), 4)


def analyse(
    x: np.ndarray,
    item_ids: Sequence[str],
    kinds: Sequence[str],
    choices: dict[str, Sequence[str | None]] | None = None,
    keys: dict[str, str | None] | None = None,
    options: dict[str, Sequence[tuple[str, str]]] | None = None,
) -> ItemAnalysis:
    """Full item analysis. ``choices[item][c]`` is candidate c's option id (None: no answer)."""
    x = np.asarray(x, float)
    n, k = x.shape
    choices, keys, options = choices or {}, keys or {}, options or {}
    p = difficulty(x) if n else np.zeros(k)
    rpb = point_biserial(x) if n else np.full(k, np.nan)
    rir = point_biserial(x, corrected=True) if n else np.full(k, np.nan)
    upper, lower = groups(x.sum(axis=1)) if n else (np.array([], int), np.array([], int))
    rows, drows = [], []
    for j, item in enumerate(item_ids):
        d = float(x[upper, j].mean() - x[lower, j].mean()) if n else float("nan")
        flags = []
        if p[j] < P_LOW:
            flags.append(f"hard (p<{P_LOW})")
        if p[j] > P_HIGH:
            flags.append(f"easy (p>{P_HIGH})")
        if math.isnan(rir[j]):
            flags.append("no variance")
        elif rir[j] < DISC_MIN:
            flags.append(f"low discrimination (r<{DISC_MIN})")
        if item in choices and options.get(item):
            picked = list(choices[item])
            key = keys.get(item)

            def share(idx: np.ndarray, opt: str, picked: list = picked) -> float:
                return sum(1 for i in idx if picked[i] == opt) / len(idx) if len(idx) else 0.0

            key_upper = share(upper, key) if key is not None else 0.0
            for opt, label in options[item]:
                row = DistractorRow(
                    item,
                    opt,
                    label,
                    opt == key,
                    share(np.arange(n), opt),
                    share(upper, opt),
                    share(lower, opt),
                )
                if opt != key and key is not None and row.upper_share > key_upper:
                    row.flag = "upper group prefers this distractor to the key"
                    flags.append(f"distractor '{opt}' beats the key in the upper group")
                drows.append(row)
        rows.append(ItemRow(item, kinds[j], n, float(p[j]), float(rpb[j]), float(rir[j]), d, flags))
    binary = bool(n) and bool(np.isin(x, (0.0, 1.0)).all())
    return ItemAnalysis(
        rows, drows, cronbach_alpha(x) if n else float("nan"), kr20(x) if binary else None, n, k
    )
