"""Refitting, saving and loading the lung assist's decision model, and the CLI around it."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from imgtrainer.analysis.lung_fit import fit_equal
from imgtrainer.analysis.lung_model import (
    default_model,
    fit_lung_model,
    load_lung_model,
    model_to_dict,
    save_lung_model,
)
from imgtrainer.errors import CaseFormatError

REPO = Path(__file__).resolve().parents[2]


def _features(rng: np.random.Generator, n: int, b_shift: float) -> list[dict[str, float]]:
    """Clips whose B-line measurements sit ``b_shift`` built-in spreads off the built-in centre."""
    dec = default_model().b
    out = []
    for _ in range(n):
        f = {k: float(rng.normal(m, s)) for k, m, s in zip(dec.features, dec.mu, dec.sd, strict=True)}
        for k, s in zip(dec.features, dec.sd, strict=True):
            f[k] += b_shift * s
        f.update(
            {
                k: float(rng.normal(m, s))
                for k, m, s in zip(
                    default_model().a.features, default_model().a.mu, default_model().a.sd, strict=True
                )
            }
        )
        out.append(f)
    return out


def test_fit_equal_signs_and_threshold_separate_the_classes() -> None:
    rng = np.random.default_rng(0)
    y = np.r_[np.ones(40, bool), np.zeros(40, bool)]
    xs = np.column_stack(
        [np.where(y, 1.5, -1.5) + rng.normal(0, 0.5, 80), np.where(y, -1.0, 1.0) + rng.normal(0, 0.5, 80)]
    )
    w, b = fit_equal(xs, y)
    assert w[0] > 0 > w[1]
    pred = xs @ w + b > 0
    assert (pred == y).mean() >= 0.95


def test_refit_learns_a_new_machine_and_keeps_what_it_cannot_fit() -> None:
    rng = np.random.default_rng(1)
    feats = _features(rng, 30, 2.0) + _features(rng, 30, -2.0)
    b_labels = [True] * 30 + [False] * 30
    a_labels: list[bool | None] = [None] * 58 + [True, False]  # too few A-line labels to refit
    groups = [f"p{i // 3}" for i in range(60)]  # three clips per patient
    model, notes = fit_lung_model(feats, b_labels, a_labels, groups)
    assert notes["b"].startswith("refitted on 30 clips with and 30 without (20 patients)")
    assert notes["a"].startswith("kept the built-in decision")
    assert model.a == default_model().a
    acc = np.mean([(model.probability(f, "b") >= 0.5) == y for f, y in zip(feats, b_labels, strict=True)])
    assert acc >= 0.9


def test_save_load_round_trip_and_clear_errors(tmp_path: Path) -> None:
    path = save_lung_model(default_model(), tmp_path / "m.json", notes={"b": "built in"})
    assert load_lung_model(path) == default_model()
    good = json.loads(path.read_text())
    b = good["b_line_decision"]
    cases = {
        "not json": "{",
        "other format": json.dumps({**good, "format": "x"}),
        "old version": json.dumps({**good, "version": 1}),
        "unknown feature": json.dumps(
            {**good, "b_line_decision": {**b, "features": ["shoe_size"] * len(b["features"])}}
        ),
        "short mu": json.dumps({**good, "b_line_decision": {**b, "mu": [0.0]}}),
        "zero sd": json.dumps({**good, "b_line_decision": {**b, "sd": [0.0] * len(b["features"])}}),
        "text bias": json.dumps({**good, "a_line_decision": {**good["a_line_decision"], "bias": "high"}}),
        "wide band": json.dumps({**good, "a_line_decision": {**good["a_line_decision"], "margin": 0.7}}),
        "bad rule": json.dumps({**good, "lus_rule": "guess"}),
    }
    expect = {
        "not json": "cannot read",
        "other format": "not an imgtrainer lung model",
        "old version": "refit it",
        "unknown feature": "does not measure",
        "short mu": "'b_line_decision'.*'mu'",
        "zero sd": "'sd'",
        "text bias": "'a_line_decision'.*'bias'",
        "wide band": "'margin'",
        "bad rule": "'lus_rule'",
    }
    for name, text in cases.items():
        bad = tmp_path / f"{name.replace(' ', '_')}.json"
        bad.write_text(text)
        with pytest.raises(CaseFormatError, match=expect[name]) as err:
            load_lung_model(bad)
        assert str(bad) in str(err.value)


def test_built_in_model_file_is_what_the_protocol_wrote() -> None:
    """The shipped JSON parses, carries the protocol's notes, and round-trips unchanged."""
    data = json.loads((REPO / "imgtrainer/analysis/lung_model.json").read_text())
    assert "benchmarks/analysis.py lung --write-model" in data["notes"]["fitted"]
    again = model_to_dict(default_model(), data["notes"])
    assert again == data


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
    assert load_lung_model(out) == default_model()  # two clips: too few to refit, built-in kept
    clip = cases / "lung-07/media/clip.dcm"
    run = [sys.executable, "-m", "imgtrainer", "assist", str(clip), "--json", "--model"]
    res = subprocess.run([*run, str(out)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0 and json.loads(res.stdout)["b_lines"]["counted_max"] == 3
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
