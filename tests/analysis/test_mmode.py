from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from imgtrainer.analysis.mmode import build_mmode, parse_line, write_png
from imgtrainer.errors import ImgTrainerError
from imgtrainer.media.clip import ArrayClip


def _dot_clip(times: np.ndarray) -> ArrayClip:
    """A bright dot moving down column x=30 at 20 px/s: y = 10 + 20 t."""
    frames = np.zeros((len(times), 100, 60), np.uint8)
    for i, t in enumerate(times):
        y = round(10 + 20 * t)
        frames[i, y - 1 : y + 2, 28:33] = 255
    return ArrayClip(frames, frame_times_s=times)


def test_uniform_time_columns_follow_true_motion() -> None:
    rng = np.random.default_rng(0)
    times = np.cumsum(np.r_[0.0, rng.uniform(0.02, 0.08, 59)])  # uneven frame spacing
    mm = build_mmode(_dot_clip(times), (30, 0, 30, 99), columns_per_s=50)
    dt = np.diff(mm.times_s)
    assert np.allclose(dt, dt[0])
    assert mm.image.shape == (100, len(mm.times_s))
    rows = mm.image.argmax(axis=0)
    expected = 10 + 20 * mm.times_s
    assert np.median(np.abs(rows - expected)) <= 1.5


def test_png_roundtrip_and_line_parsing(tmp_path: Path) -> None:
    mm = build_mmode(_dot_clip(np.arange(10) / 10.0), parse_line("30,0,30,99"))
    out = write_png(mm.image, tmp_path / "m.png")
    back = cv2.imread(str(out), cv2.IMREAD_GRAYSCALE)
    assert back.shape == mm.image.shape and np.array_equal(back, mm.image)
    assert not list(tmp_path.glob(".mmode-*"))


@pytest.mark.parametrize("text", ["1,2,3", "a,b,c,d", ""])
def test_bad_line_text(text: str) -> None:
    with pytest.raises(ImgTrainerError):
        parse_line(text)


def test_line_outside_frame_is_an_error() -> None:
    with pytest.raises(ImgTrainerError, match="outside"):
        build_mmode(_dot_clip(np.arange(5) / 10.0), (500, 500, 600, 600))
