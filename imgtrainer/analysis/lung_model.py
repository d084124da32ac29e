"""Fitting, saving and loading the lung assist's decision model (``LungModel``).

The default model was set on one probe (a Philips Lumify convex) and loses accuracy on other
machines (B-lines: balanced accuracy about 0.63 instead of 0.75). A department that has
labelled clips from its own machines can refit it with the same recipe and use the result
with ``imgtrainer assist --model``. The recipe has almost nothing to overfit: equal signed
weights on standardised measurements, the threshold midway between the two classes' median
scores.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from imgtrainer.analysis.lung import A_FEATURES, B_FEATURES, DEFAULT_MODEL, FEATURES, LungModel
from imgtrainer.errors import CaseFormatError
from imgtrainer.fileio import atomic_write_json

MIN_PER_CLASS = 5
"""Fewest clips with and without a finding needed to refit its weights (else they are kept)."""

MODEL_FORMAT = "imgtrainer-lung-model"


def balanced_accuracy(pairs: list[tuple[bool, bool]]) -> tuple[float, float, float, int]:
    """(balanced accuracy, sensitivity, specificity, n) of (label, prediction) pairs; nan when a
    class is missing."""
    tp = sum(bool(y and p) for y, p in pairs)
    fn = sum(bool(y and not p) for y, p in pairs)
    tn = sum(bool(not y and not p) for y, p in pairs)
    fp = sum(bool(not y and p) for y, p in pairs)
    sens = tp / (tp + fn) if tp + fn else float("nan")
    spec = tn / (tn + fp) if tn + fp else float("nan")
    return (sens + spec) / 2, sens, spec, len(pairs)


def fit_weights(xs: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Equal signed weights and class-median threshold on standardised features ``xs``.

    With few patients, freely fitted weights over correlated features swing from one half of
    the patients to the other, and so does a threshold searched for the best training
    accuracy; signs and two medians do not. Returns (weights, bias).
    """
    y = np.asarray(y, bool)
    sign = np.array([np.sign(np.corrcoef(xs[:, j], y)[0, 1]) or 1.0 for j in range(xs.shape[1])])
    sign = np.nan_to_num(sign, nan=1.0)
    w = sign / xs.shape[1]
    z = xs @ w
    return w, float(-0.5 * (np.median(z[y]) + np.median(z[~y])))


def fit_lung_model(
    features: list[dict[str, float]],
    b_labels: list[bool | None],
    a_labels: list[bool | None],
    base: LungModel = DEFAULT_MODEL,
) -> tuple[LungModel, dict[str, str]]:
    """Refit the B-line and A-line weights on labelled clips' ``features`` (None = unlabelled).

    A finding with fewer than ``MIN_PER_CLASS`` clips on either side keeps ``base``'s weights,
    means and spreads. Returns the model and, per finding, what was done.
    """
    x = (
        np.array([[f[k] for k in FEATURES] for f in features], float)
        if features
        else np.zeros((0, len(FEATURES)))
    )
    mu, sd = np.array(base.mu), np.array(base.sd)
    weights = {"b": (np.array(base.b_weights), base.b_bias), "a": (np.array(base.a_weights), base.a_bias)}
    notes: dict[str, str] = {}
    sel_all = np.zeros(len(features), bool)
    fits = {}
    for which, labels, names in (("b", b_labels, B_FEATURES), ("a", a_labels, A_FEATURES)):
        lab = np.array([v is not None for v in labels], bool)
        y = np.array([bool(v) for v in labels], bool)
        n_pos, n_neg = int((lab & y).sum()), int((lab & ~y).sum())
        if n_pos < MIN_PER_CLASS or n_neg < MIN_PER_CLASS:
            notes[which] = (
                f"kept the default weights: {n_pos} clips with, {n_neg} without (need {MIN_PER_CLASS} each)"
            )
            continue
        fits[which] = (lab, y[lab], [FEATURES.index(k) for k in names])
        sel_all |= lab
    if fits:  # standardise on every labelled clip, so both findings share one scale
        mu = x[sel_all].mean(axis=0)
        sd = x[sel_all].std(axis=0) + 1e-9
        for which, (lab, y, cols) in fits.items():
            w, b = fit_weights((x[lab][:, cols] - mu[cols]) / sd[cols], y)
            full = np.zeros(len(FEATURES))
            full[cols] = w
            weights[which] = (full, b)
            notes[which] = f"refitted on {int(y.sum())} clips with and {int((~y).sum())} without"
        for which in ("b", "a"):
            if which not in fits:  # re-express the kept weights on the new scale
                w_old, b_old = weights[which]
                w_new = w_old * sd / np.array(base.sd)
                b_new = b_old + float(np.sum(w_old * (mu - np.array(base.mu)) / np.array(base.sd)))
                weights[which] = (w_new, b_new)
    model = dataclasses.replace(
        base,
        mu=tuple(round(float(v), 6) for v in mu),
        sd=tuple(round(float(v), 6) for v in sd),
        b_weights=tuple(round(float(v), 6) for v in weights["b"][0]),
        b_bias=round(float(weights["b"][1]), 6),
        a_weights=tuple(round(float(v), 6) for v in weights["a"][0]),
        a_bias=round(float(weights["a"][1]), 6),
    )
    return model, notes


def save_lung_model(model: LungModel, path: Path, *, notes: dict[str, str] | None = None) -> Path:
    """Write ``model`` as JSON (atomically), with the feature names it expects."""
    data = {"format": MODEL_FORMAT, "version": 1, "features": list(FEATURES), **dataclasses.asdict(model)}
    if notes:
        data["notes"] = notes
    return atomic_write_json(path, data)


def load_lung_model(path: Path) -> LungModel:
    """Read a model written by ``save_lung_model``; a clear error names the file and the problem."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CaseFormatError(f"{path}: cannot read the lung model: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
        raise CaseFormatError(f"{path}: not an imgtrainer lung model (format is not {MODEL_FORMAT!r})")
    if data.get("features") != list(FEATURES):
        raise CaseFormatError(
            f"{path}: the model was made for features {data.get('features')}, this version measures "
            f"{list(FEATURES)}; refit it with `imgtrainer assist-fit`"
        )
    n = len(FEATURES)
    fields = {}
    for name in ("mu", "sd", "b_weights", "a_weights"):
        v = data.get(name)
        if not isinstance(v, list) or len(v) != n or not all(isinstance(t, int | float) for t in v):
            raise CaseFormatError(f"{path}: field {name!r} must be a list of {n} numbers")
        fields[name] = tuple(float(t) for t in v)
    if any(s <= 0 for s in fields["sd"]):
        raise CaseFormatError(f"{path}: field 'sd' must hold positive numbers")
    for name in ("b_bias", "a_bias", "min_bline_ridge", "confluent_fraction", "aline_prominence_present"):
        v = data.get(name, getattr(DEFAULT_MODEL, name))
        if not isinstance(v, int | float) or not np.isfinite(v):
            raise CaseFormatError(f"{path}: field {name!r} must be a number")
        fields[name] = float(v)
    return LungModel(**fields)
