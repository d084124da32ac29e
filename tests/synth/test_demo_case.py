"""A demo case is a deterministic, valid case folder whose DICOM opens with timing and calibration."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from imgtrainer.library.case_io import load_case, load_key
from imgtrainer.media import open_clip
from imgtrainer.synth.airway import render_transverse
from imgtrainer.synth.demo_case import Rendered
from imgtrainer.synth.demo_library import all_demo_cases, case_seed, write_demo_case


def _demo(case_id: str, tube: str = "none"):
    """A real demo case, rendered with 4 frames to keep the test fast."""

    def small(seed: int) -> Rendered:
        frames, truth = render_transverse(tube, seed, n_frames=4)  # type: ignore[arg-type]
        return Rendered(frames, truth.fps, truth.probe, truth)

    return replace(next(d for d in all_demo_cases() if case_id in (d.id, d.recipe)), render=small)


def test_library_covers_all_applications():
    demos = all_demo_cases()
    assert len(demos) >= 30
    assert {d.domain for d in demos} == {"airway", "lung", "gastric", "cardiac", "fast"}
    assert len({d.id for d in demos}) == len(demos)


def test_demo_case_is_deterministic_and_opens(tmp_path):
    demo = _demo("airway-tube-trachea-01", "trachea")
    a = write_demo_case(tmp_path / "a", demo, seed=9)
    b = write_demo_case(tmp_path / "b", demo, seed=9)
    for name in ("media/clip.dcm", "case.json", "key.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    case = load_case(a)
    key = load_key(a)
    assert key is not None and key.answers["decision"].kind == "decision"
    assert case.decision is not None and case.probe == "linear"
    rendered = demo.render(case_seed(9, demo.recipe or demo.id))
    with open_clip(a / "media" / "clip.dcm") as clip:
        assert clip.n_frames == len(rendered.frames)
        assert np.allclose(np.diff(clip.frame_times_s), 1 / rendered.fps, atol=1e-4)
        (region,) = clip.regions
        assert region.calibrated_cm
        assert abs(region.delta_x - rendered.probe.pixel_cm) < 1e-5
        mae = np.abs(clip.frame(3).astype(int) - rendered.frames[3].astype(int)).mean()
        assert mae < 4  # JPEG baseline round trip
    c = write_demo_case(tmp_path / "c", demo, seed=10)
    assert (c / "media/clip.dcm").read_bytes() != (a / "media/clip.dcm").read_bytes()


def test_demo_case_validates(tmp_path):
    from imgtrainer.library.taxonomy_io import load_all_taxonomies
    from imgtrainer.library.validate import validate_case_folder

    folder = write_demo_case(tmp_path, _demo("airway-tube-oesophagus-01", "oesophagus"), seed=3)
    problems = validate_case_folder(folder, load_all_taxonomies(None), open_media=True)
    assert [p for p in problems if p.severity == "error"] == []
    assert "b_lines" not in (folder / "key.json").read_text() + (folder / "case.json").read_text()
