"""Refitting, saving and loading the lung assist's decision model, and the CLI around it."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from imgtrainer.analysis.lung import B_FEATURES, DEFAULT_MODEL, FEATURES
from imgtrainer.analysis.lung_model import fit_lung_model, fit_weights, load_lung_model, save_lung_model
from imgtrainer.errors import CaseFormatError

REPO = Path(__file__).resolve().parents[2]


def _features(rng: np.random.Generator, n: int, b_shift: float, a_shift: float) -> list[dict[str, float]]:
    out = []
    for _ in range(n):
        f = {
            k: float(rng.normal(m, s))
            for k, m, s in zip(FEATURES, DEFAULT_MODEL.mu, DEFAULT_MODEL.sd, strict=True)
        }
        for k in B_FEATURES:  # a shift of b_shift spreads on every B-line measurement
            f[k] += b_shift * DEFAULT_MODEL.sd[FEATURES.index(k)]
        f["deep_level"] -= 0.2 * a_shift
        out.append(f)
    return out


def test_fit_weights_signs_and_threshold_separate_the_classes() -> None:
    rng = np.random.default_rng(0)
    y = np.r_[np.ones(40, bool), np.zeros(40, bool)]
    xs = np.column_stack(
        [np.where(y, 1.5, -1.5) + rng.normal(0, 0.5, 80), np.where(y, -1.0, 1.0) + rng.normal(0, 0.5, 80)]
    )
    w, b = fit_weights(xs, y)
    assert w[0] > 0 > w[1]
    pred = xs @ w + b > 0
    assert (pred == y).mean() >= 0.95


def test_refit_learns_a_new_machine_and_keeps_what_it_cannot_fit() -> None:
    rng = np.random.default_rng(1)
    pos, neg = _features(rng, 30, 2.0, 0.0), _features(rng, 30, -2.0, 0.0)
    feats = pos + neg
    b_labels = [True] * 30 + [False] * 30
    a_labels: list[bool | None] = [None] * 58 + [True, False]  # too few A-line labels to refit
    model, notes = fit_lung_model(feats, b_labels, a_labels)
    assert notes["b"].startswith("refitted on 30 clips with and 30 without")
    assert notes["a"].startswith("kept the default weights")
    acc = np.mean([(model.probability(f, "b") >= 0.5) == y for f, y in zip(feats, b_labels, strict=True)])
    assert acc >= 0.9
    # the kept A-line decision is the same function, re-expressed on the new scale
    for f in feats[:10]:
        assert model.probability(f, "a") == pytest.approx(DEFAULT_MODEL.probability(f, "a"), abs=1e-4)


def test_save_load_round_trip_and_clear_errors(tmp_path: Path) -> None:
    path = save_lung_model(DEFAULT_MODEL, tmp_path / "m.json", notes={"b": "built in"})
    assert load_lung_model(path) == DEFAULT_MODEL
    good = json.loads(path.read_text())
    cases = {
        "not json": "{",
        "other format": json.dumps({**good, "format": "x"}),
        "old features": json.dumps({**good, "features": ["orientation"]}),
        "short mu": json.dumps({**good, "mu": [0.0]}),
        "zero sd": json.dumps({**good, "sd": [0.0] * len(FEATURES)}),
        "text bias": json.dumps({**good, "b_bias": "high"}),
    }
    expect = {
        "not json": "cannot read",
        "other format": "not an imgtrainer lung model",
        "old features": "refit it",
        "short mu": "'mu'",
        "zero sd": "'sd'",
        "text bias": "'b_bias'",
    }
    for name, text in cases.items():
        bad = tmp_path / f"{name.replace(' ', '_')}.json"
        bad.write_text(text)
        with pytest.raises(CaseFormatError, match=expect[name]) as err:
            load_lung_model(bad)
        assert str(bad) in str(err.value)


def test_cli_assist_fit_then_assist_with_the_model(tmp_path: Path) -> None:
    cases = REPO / "cases"
    labels = tmp_path / "labels.csv"
    with open(labels, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "b_lines", "a_lines"])
        w.writerow(["lung-01/media/clip.dcm", "no", ""])
        w.writerow(["lung-07/media/clip.dcm", "yes", "no"])
        w.writerow(["lung-08/media/clip.dcm", "maybe", ""])  # bad label: reported, skipped
        w.writerow(["missing/clip.dcm", "yes", ""])  # no such file: reported, skipped
    out = tmp_path / "model.json"
    cmd = [sys.executable, "-m", "imgtrainer", "assist-fit", "--labels", str(labels), "--root", str(cases)]
    res = subprocess.run([*cmd, "-o", str(out), "--json"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 1, res.stderr  # some rows were skipped
    summary = json.loads(res.stdout)
    assert summary["clips"] == 2 and len(summary["problems"]) == 2
    assert "row 4" in summary["problems"][0] and "maybe" in summary["problems"][0]
    assert "row 5" in summary["problems"][1]
    assert "Traceback" not in res.stderr
    assert load_lung_model(out) == DEFAULT_MODEL  # two clips: too few to refit, defaults kept
    clip = cases / "lung-07/media/clip.dcm"
    run = [sys.executable, "-m", "imgtrainer", "assist", str(clip), "--json", "--model"]
    res = subprocess.run([*run, str(out)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0 and json.loads(res.stdout)["b_lines"]["max_count"] == 3
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    res = subprocess.run([*run, str(bad)], capture_output=True, text=True, timeout=300)
    assert (
        res.returncode != 0 and "not an imgtrainer lung model" in res.stderr and "Traceback" not in res.stderr
    )


def test_balanced_accuracy_by_hand() -> None:
    from imgtrainer.analysis.lung_model import balanced_accuracy

    # 3 positives (2 found), 2 negatives (1 rejected): sens 2/3, spec 1/2
    pairs = [(True, True), (True, True), (True, False), (False, False), (False, True)]
    ba, sens, spec, n = balanced_accuracy(pairs)
    assert (sens, spec, n) == (pytest.approx(2 / 3), 0.5, 5) and ba == pytest.approx(7 / 12)
    assert np.isnan(balanced_accuracy([(True, True)])[0])
