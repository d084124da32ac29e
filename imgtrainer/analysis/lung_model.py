"""Fitting, saving and loading the lung assist's decision model (``LungModel``).

The built-in model (``lung_model.json`` beside this file) is written by
``benchmarks/analysis.py lung --write-model``: the recipe of ``lung_fit.fit_decision`` (feature
set and model family chosen by patient-grouped cross-validation, Platt calibration on the
cross-validated scores, an abstention band) run on the labelled development clips. The same
recipe refits it on a department's own labelled clips (``imgtrainer assist-fit``); the
validation protocol (``benchmarks/analysis.py lung``) measures the recipe on patients it never
saw.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from imgtrainer.analysis.lung_fit import Decision, decision_from_dict, fit_decision
from imgtrainer.analysis.lung_fit import balanced_accuracy as _ba_arrays
from imgtrainer.errors import CaseFormatError
from imgtrainer.fileio import atomic_write_json

BUILT_IN = Path(__file__).with_name("lung_model.json")


@dataclass(frozen=True)
class LungModel:
    """The B-line and A-line decisions (``lung_fit.Decision``: calibrated probability and an
    abstention band) and the fixed thresholds of the line counter."""

    b: Decision
    a: Decision
    min_bline_ridge: float = 0.04  # relative lateral ridge (per depth band) for a counted B-line
    confluent_fraction: float = 0.5  # B-line ridges over this share of the pleura = confluent
    lus_rule: str = "counted"  # "counted" or "pattern" (``lung_lus.suggest_lus``)

    def probability(self, x: dict[str, float], which: str) -> float:
        return (self.b if which == "b" else self.a).probability(x)

    def decide(self, x: dict[str, float], which: str) -> tuple[float, bool | None]:
        """(calibrated probability, present: True / False / None when unsure)."""
        dec = self.b if which == "b" else self.a
        p = dec.probability(x)
        return p, dec.decide(p)


@functools.cache
def default_model() -> LungModel:
    """The built-in model (``lung_model.json``, written by ``benchmarks/analysis.py lung``)."""
    return load_lung_model(BUILT_IN)


MIN_PER_CLASS = 5
"""Fewest clips with and without a finding needed to refit its decision (else it is kept)."""

MODEL_FORMAT = "imgtrainer-lung-model"
MODEL_VERSION = 2

_B = ("orientation_p75", "persistent_ridge_p95", "bline_frames")
_A = ("aline_periodicity", "deep_level")
CANDIDATE_SETS: dict[str, dict[str, tuple[str, ...]]] = {
    # the feature sets the recipe chooses between (by grouped CV inside the training clips):
    # the assist's own measurements ("today"), each published detector alone, and combinations
    "b": {
        "today": _B,
        "brattain": ("brattain_cover", "brattain_ratio", "brattain_persist"),
        "moshavegh": ("moshavegh_frames", "moshavegh_count", "moshavegh_cover", "moshavegh_persist"),
        "radon": ("radon_vertical",),
        "today+brattain": (*_B, "brattain_ratio"),
        "today+moshavegh": (*_B, "moshavegh_frames", "moshavegh_cover"),
        "today+radon": (*_B, "radon_vertical"),
        "today+texture": (*_B, "orientation", "ridge_p90", "persistent_ridge_p75"),
        "all": (*_B, "brattain_ratio", "moshavegh_frames", "moshavegh_cover", "radon_vertical"),
    },
    "a": {
        "today": _A,
        "radon": ("radon_horizontal",),
        "today+radon": (*_A, "radon_horizontal"),
        "today+far": (*_A, "far_field_change"),
        "today+brattain": (*_A, "brattain_ratio"),
        "today+far+texture": (*_A, "far_field_change", "aline_3", "deep_lateral_cv"),
        "all": (*_A, "far_field_change", "radon_horizontal", "brattain_ratio"),
    },
}


def balanced_accuracy(pairs: list[tuple[bool, bool]]) -> tuple[float, float, float, int]:
    """(balanced accuracy, sensitivity, specificity, n) of (label, prediction) pairs; nan when a
    class is missing."""
    y = np.array([bool(a) for a, _ in pairs], bool)
    p = np.array([bool(b) for _, b in pairs], bool)
    sens = float(p[y].mean()) if y.any() else float("nan")
    spec = float((~p[~y]).mean()) if (~y).any() else float("nan")
    return _ba_arrays(y, p) if y.any() and (~y).any() else float("nan"), sens, spec, len(pairs)


def fit_lung_model(
    features: list[dict[str, float]],
    b_labels: list[bool | None],
    a_labels: list[bool | None],
    groups: list[str] | None = None,
    base: LungModel | None = None,
) -> tuple[LungModel, dict[str, str]]:
    """Refit the B-line and A-line decisions on labelled clips' ``features`` (None = unlabelled).

    ``groups`` names each clip's patient (clips of one patient are never split between fitting
    and checking); without it every clip is its own group. A finding with fewer than
    ``MIN_PER_CLASS`` clips on either side keeps ``base``'s decision. Returns the model and, per
    finding, what was done.
    """
    base = base or default_model()
    groups = groups or [str(i) for i in range(len(features))]
    notes: dict[str, str] = {}
    decisions = {"b": base.b, "a": base.a}
    for which, labels in (("b", b_labels), ("a", a_labels)):
        idx = [i for i, v in enumerate(labels) if v is not None]
        y = np.array([bool(labels[i]) for i in idx], bool)
        n_pos, n_neg = int(y.sum()), int((~y).sum())
        if n_pos < MIN_PER_CLASS or n_neg < MIN_PER_CLASS:
            notes[which] = (
                f"kept the built-in decision: {n_pos} clips with, {n_neg} without (need {MIN_PER_CLASS} each)"
            )
            continue
        names = {k for cols in CANDIDATE_SETS[which].values() for k in cols}
        feats = {k: np.array([float(features[i].get(k, 0.0)) for i in idx]) for k in names}
        g = np.array([groups[i] for i in idx])
        dec, _ = fit_decision(feats, y, g, CANDIDATE_SETS[which])
        decisions[which] = dec
        notes[which] = (
            f"refitted on {n_pos} clips with and {n_neg} without ({len(set(g.tolist()))} patients): "
            f"{'+'.join(dec.features)}, {dec.family} weights, cross-validated balanced accuracy {dec.cv_ba:.2f}"
        )
    return dataclasses.replace(base, b=decisions["b"], a=decisions["a"]), notes


def model_to_dict(model: LungModel, notes: dict[str, str] | None = None) -> dict[str, object]:
    data: dict[str, object] = {
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        # not "b_lines"/"a_lines": those name the report's findings, and a dataset mapping
        # (assets/mappings) is found by them; a model file holds decisions, not labels
        "b_line_decision": model.b.to_dict(),
        "a_line_decision": model.a.to_dict(),
    }
    for f in ("min_bline_ridge", "confluent_fraction", "lus_rule"):
        data[f] = getattr(model, f)
    if notes:
        data["notes"] = notes
    return data


def save_lung_model(model: LungModel, path: Path, *, notes: dict[str, str] | None = None) -> Path:
    """Write ``model`` as JSON (atomically)."""
    return atomic_write_json(path, model_to_dict(model, notes))


def load_lung_model(path: Path) -> LungModel:
    """Read a model written by ``save_lung_model``; a clear error names the file and the problem."""
    from imgtrainer.analysis.lung import FEATURES  # the measurements this version makes

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CaseFormatError(f"{path}: cannot read the lung model: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
        raise CaseFormatError(f"{path}: not an imgtrainer lung model (format is not {MODEL_FORMAT!r})")
    if data.get("version") != MODEL_VERSION:
        raise CaseFormatError(
            f"{path}: lung model version {data.get('version')}, this version reads {MODEL_VERSION}; "
            "refit it with `imgtrainer assist-fit`"
        )
    fields: dict[str, object] = {}
    for key, which in (("b_line_decision", "b"), ("a_line_decision", "a")):
        try:
            dec = decision_from_dict(data.get(key))
        except ValueError as exc:
            raise CaseFormatError(f"{path}: field {key!r}: {exc}") from exc
        unknown = [f for f in dec.features if f not in FEATURES]
        if unknown:
            raise CaseFormatError(
                f"{path}: field {key!r} uses {unknown}, which this version does not measure; "
                "refit it with `imgtrainer assist-fit`"
            )
        fields[which] = dec
    for name in ("min_bline_ridge", "confluent_fraction"):
        v = data.get(name, LungModel.__dataclass_fields__[name].default)
        if not isinstance(v, int | float) or not np.isfinite(v):
            raise CaseFormatError(f"{path}: field {name!r} must be a number")
        fields[name] = float(v)
    rule = data.get("lus_rule", "counted")
    if rule not in ("counted", "pattern"):
        raise CaseFormatError(f"{path}: field 'lus_rule' must be 'counted' or 'pattern'")
    fields["lus_rule"] = rule
    return LungModel(**fields)  # type: ignore[arg-type]
