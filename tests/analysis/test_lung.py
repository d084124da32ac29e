from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from imgtrainer.analysis.lung import assess_lung
from imgtrainer.media.clip import ArrayClip
from tests.analysis._synth import lung_clip


@pytest.mark.parametrize(
    ("blines", "sliding"),
    [((), True), ((60, 140), True), ((50, 100, 150), False)],
)
def test_synthetic_lung_truth(blines: tuple[int, ...], sliding: bool) -> None:
    frames = lung_clip(blines=blines, sliding=sliding, pleura=50)
    rep = assess_lung(ArrayClip(frames, fps=20)).to_dict()
    assert rep["pleura"]["present"]
    assert abs(rep["pleura"]["depth_px"] - 49.5) <= 2.0  # pleura drawn on rows 48-51
    counts = list(rep["b_lines"]["per_frame"].values())
    exact = np.mean([c == len(blines) for c in counts])
    assert exact >= 0.9, counts
    assert rep["b_lines"]["present"] is bool(blines)
    xs = sorted({round(p["x0"]) for p in rep["b_lines"]["positions"]})
    for x in blines:
        assert any(abs(x - 0.5 - d) <= 4 for d in xs), (x, xs)
    # A-lines drawn: the best guess is right; with three B-lines erasing part of them the
    # assist may abstain ("uncertain, look again"), but never says they are absent
    assert rep["a_lines"]["probability"] >= 0.5 and rep["a_lines"]["present"] is not False
    assert abs(rep["a_lines"]["spacing_px"] - 50) <= 3  # A-lines repeat the probe-pleura distance
    assert rep["sliding"]["status"] == ("present" if sliding else "absent")
    assert rep["lus_score"] == (1 if len(blines) >= 3 else 0)


def test_report_json_keys() -> None:
    rep = assess_lung(ArrayClip(lung_clip(n=6, blines=(100,)))).to_dict()
    for key in ("pleura", "a_lines", "b_lines", "sliding", "lus_score"):
        assert key in rep
    for key in ("present", "probability", "confidence", "positions"):
        assert key in rep["a_lines"] and key in rep["b_lines"]
    assert "counted_max" in rep["b_lines"] and "drawn" in rep["a_lines"]
    # no count-like key beside "present": a reader (or a check) that falls back to a count when
    # "present" is null would turn "uncertain" into a guess
    for name in ("a_lines", "b_lines"):
        assert not {"count", "max_count", "n", "number"} & set(rep[name])
    assert isinstance(rep["lus_score"], int) and 0 <= rep["lus_score"] <= 3


def test_still_and_blank_inputs() -> None:
    still = assess_lung(ArrayClip(lung_clip(n=1)[0]))
    assert still.sliding["status"] == "not assessable"
    blank = assess_lung(ArrayClip(np.zeros((4, 64, 64), np.uint8)))
    assert blank.pleura["present"] is False
    # nothing to see: no claim of B-lines (uncertain or absent), a finite probability
    assert blank.b_lines["present"] is not True and 0.0 <= blank.b_lines["probability"] <= 1.0


def test_real_blus_clip_finds_its_b_line(shared_data: Path) -> None:
    from imgtrainer.media import open_clip

    with open_clip(shared_data / "lung-blus/lus_videos/patient_35_R1.mp4") as clip:
        rep = assess_lung(clip).to_dict()
    # experts: B-lines present (a bright B-line runs to the bottom in every frame)
    assert rep["b_lines"]["present"]
    assert rep["b_lines"]["counted_max"] >= 1
    assert rep["pleura"]["present"]
    p = rep["b_lines"]["positions"][0]
    assert p["y1"] > 300 and p["y0"] < 150  # drawn from near the pleura to the bottom


@pytest.mark.parametrize("n_blines", [0, 3])
def test_demo_generator_lung_truth(n_blines: int) -> None:
    lung_synth = pytest.importorskip("imgtrainer.synth.lung")
    frames, truth = lung_synth.render_lung_clip(
        lung_synth.LungParams(probe="linear", n_blines=n_blines, n_frames=8), seed=3
    )
    rep = assess_lung(ArrayClip(frames, fps=truth.fps)).to_dict()
    cm_per_px = truth.probe.pixel_cm
    rows = [p[1] for p in rep["pleura"]["positions"]]
    assert rep["pleura"]["present"]
    assert abs(float(np.median(rows)) - truth.pleura_row_px) * cm_per_px <= 0.2  # within 2 mm
    assert rep["b_lines"]["present"] == (n_blines > 0)
    if n_blines == 0:
        assert max(rep["b_lines"]["per_frame"].values()) == 0


def _grid_series(column_rows: slice | None, n: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Speckle on a (depth, beam) grid with a bright pleura at row 30 and an optional bright column."""
    rng = np.random.default_rng(4)
    series = rng.rayleigh(20.0, size=(n, 160, 120)).astype(np.float32)
    series[:, 29:32, :] += 120.0  # pleural line
    if column_rows is not None:
        series[:, column_rows, 58:63] += 60.0
    return np.clip(series, 0, 255), np.ones((160, 120), bool)


def test_persistent_ridges_need_the_full_depth() -> None:
    from imgtrainer.analysis.lung_lines import persistent_ridges
    from imgtrainer.analysis.lung_pleura import find_pleura

    out = {}
    for name, rows in (("none", None), ("bline", slice(31, 160)), ("near_only", slice(31, 80))):
        series, valid = _grid_series(rows)
        pleura = find_pleura(series.mean(axis=0), valid)
        ridge = persistent_ridges(series, valid, pleura)
        assert ridge.shape == (len(series), 2)
        out[name] = float(np.median(ridge[:, 0]))
    # a column reaching the bottom stands out in every depth band; one that fades does not
    assert out["bline"] > 0.5
    assert out["near_only"] < 0.3 and out["none"] < 0.3


def test_lus_rule_and_wording_when_b_lines_are_a_pattern_without_a_counted_line() -> None:
    """LUS follows the usual definitions: a B-pattern with A-lines still seen is 1 (not
    'confluent'), one or two counted lines with A-lines are normal (0), a B-pattern that erased
    the A-lines is 2; the text says no single B-line was counted instead of 'up to 0'."""
    from imgtrainer.analysis.lung_lus import suggest_lus as _lus
    from imgtrainer.analysis.lung_pleura import Pleura
    from imgtrainer.cli.analysis import _b_text

    nb = 40
    pleura = Pleura(np.zeros(nb, int), np.full(nb, 30.0), np.ones(nb), np.ones(nb, bool), 200, True)
    feats = {"deep_level": 0.3}
    assert _lus(False, 0, 0, False, True, pleura, feats)[0] == 0
    assert _lus(True, 0, 0, False, True, pleura, feats)[0] == 1
    assert _lus(True, 2, 2, False, True, pleura, feats)[0] == 0  # two lines seen in most frames
    assert _lus(True, 2, 0, False, True, pleura, feats)[0] == 1  # a flickering count says little
    assert _lus(True, 4, 3, False, True, pleura, feats)[0] == 1
    assert _lus(True, 0, 0, True, False, pleura, feats)[0] == 2
    assert _lus(True, 5, 4, False, False, pleura, feats) == (
        1,
        "separate B-lines, up to 5 in a frame (score 1)",
    )
    absent = Pleura(np.zeros(nb, int), np.full(nb, 30.0), np.zeros(nb), np.zeros(nb, bool), 200, False)
    assert _lus(True, 0, 0, True, False, absent, {"deep_level": 1.2})[0] == 3
    assert _b_text({"present": True, "confluent": False, "counted_max": 0, "probability": 0.7}).startswith(
        "yes (pattern"
    )
    b3 = {"present": True, "confluent": False, "counted_max": 3, "probability": 0.91}
    assert _b_text(b3) == "yes, up to 3 in a frame (p=0.91)"
    assert (
        _b_text({"present": False, "confluent": False, "counted_max": 2, "probability": 0.1}) == "no (p=0.10)"
    )
    assert _b_text({**b3, "present": None, "probability": 0.55}) == "uncertain, look again (p=0.55)"
    # the "pattern" rule leaves out the counting: B-lines with A-lines 1, without them 2
    assert _lus(True, 2, 2, False, True, pleura, feats, rule="pattern")[0] == 1
    assert _lus(True, 5, 4, True, False, pleura, feats, rule="pattern")[0] == 2


def test_suggested_lus_matches_the_demo_library_keys() -> None:
    """The bundled lung cases (rendered with known truth, keyed by hand): every A-pattern case
    (key 0, no B-lines drawn) gets 0, and the committed suggestions are right on at least 10 of
    the 15. The misses are consolidations (score 3), which the assist rarely recognises, the
    confluent case read as separate lines, and lung-10 (two B-lines over A-lines, key 0), whose
    A-lines the BLUS-fitted model calls absent. Separate, countable B-lines are score 1."""
    import json

    from imgtrainer.media import open_clip
    from imgtrainer.resources import demo_library_dir

    got = {}
    for case in sorted(demo_library_dir().glob("lung-*")):
        answers = json.loads((case / "key.json").read_text())["answers"]
        if answers["view"]["value"].startswith("diaphragm"):
            continue  # the assist reads lung zones; a diaphragm view is mostly liver
        key = answers["lus_score"]["value"]
        media = next((case / "media").iterdir())
        with open_clip(media) as clip:
            rep = assess_lung(clip)
        got[case.name] = (
            key,
            rep.lus_score,
            rep.lus_certain,
            rep.b_lines["confluent"],
            rep.b_lines["counted_max"],
        )
    assert len(got) >= 15
    hits = [name for name, (key, lus, sure, _, _) in got.items() if sure and key == lus]
    assert len(hits) >= 10, got
    for key, lus, _sure, confluent, count in got.values():
        if key == 0 and count == 0:
            assert lus == 0
        if count >= 3 and not confluent:
            assert lus == 1


def test_small_frames_get_the_same_grid_and_true_pixel_positions() -> None:
    """A small clip is sampled up to the full (256 x 192) grid, so measurements in grid rows mean
    the same share of the image at any frame size; positions still come back in stored pixels."""
    from imgtrainer.analysis.beams import beam_grid
    from imgtrainer.media.scanarea import find_imaged_area

    small = lung_clip(n=8, rows=120, cols=100, pleura=25)
    clip = ArrayClip(small, fps=20)
    area = find_imaged_area(clip)
    grid = beam_grid(area, max_depth=256, max_beams=192, fixed_size=True)
    assert grid.valid.shape == (256, 192)
    assert beam_grid(area, max_depth=256, max_beams=192).valid.shape[0] <= 120  # the default keeps rows
    rep = assess_lung(clip).to_dict()
    assert rep["pleura"]["present"] and abs(rep["pleura"]["depth_px"] - 25) <= 2


def test_masked_median_equals_numpy_nanmedian() -> None:
    from imgtrainer.analysis.lung_lines import masked_median

    rng = np.random.default_rng(4)
    values = rng.normal(size=(7, 5, 31)).astype(np.float32)
    ok = rng.random(values.shape) > 0.4
    ok[0, 0] = False  # a row with nothing usable
    ok[1, 1] = False
    ok[1, 1, 3] = True  # a row with one value
    with pytest.warns(RuntimeWarning, match="All-NaN"):  # numpy warns on the empty row; ours does not
        expect = np.nanmedian(np.where(ok, values, np.nan), axis=-1, keepdims=True)
    got = masked_median(values, ok)
    assert got.shape == expect.shape
    np.testing.assert_allclose(got, expect, rtol=1e-6, equal_nan=True)
