"""Video DICOM (MPEG-2 .100, H.264 .102, HEVC .107): frame count, timing and pixels against an
ffmpeg CLI decode of the same stream; lazy frames through the cache; ``info`` and ``frame``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from imgtrainer.media import open_clip
from tests.intake.video_factory import CLIPS, make_video_dicom

pytestmark = pytest.mark.skipif(not CLIPS, reason="../shared/data lung clips are not present")


@pytest.fixture(scope="module", params=["mpeg2", "h264", "hevc"])
def video(request, tmp_path_factory) -> tuple[Path, Path, int, str]:
    out = tmp_path_factory.mktemp("vid") / f"{request.param}.dcm"
    es, n = make_video_dicom(CLIPS[5], out, request.param, frames=36)
    return out, es, n, request.param


def _ffmpeg_rgb(es: Path, rows: int, cols: int) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(es), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(-1, rows, cols, 3)


def test_frames_match_ffmpeg_decode(video) -> None:
    path, es, n, codec = video
    with open_clip(path, cache_mb=8) as clip:
        assert clip.n_frames == n == 36
        assert clip.info.transfer_syntax in (
            "1.2.840.10008.1.2.4.100",
            "1.2.840.10008.1.2.4.102",
            "1.2.840.10008.1.2.4.107",
        )
        assert clip.info.extra["codec"] == {"mpeg2": "mpeg2video"}.get(codec, codec)
        ref = _ffmpeg_rgb(es, clip.rows, clip.cols)
        assert len(ref) == n
        order = [0, 7, 35, 3, 3, 20, 19, 34]  # forward, backward (decoder restarts), repeated
        for i in order:
            diff = np.abs(clip.frame(i).astype(int) - ref[i].astype(int))
            assert diff.max() <= 1, (codec, i, diff.max())
        assert not clip.warnings


def test_timing_from_header_and_stream(video) -> None:
    path, _es, n, _codec = video
    with open_clip(path) as clip:
        assert clip.info.extra["timing_source"] == "FrameTime"
        assert clip.fps == pytest.approx(25.0, rel=1e-3)  # the BLUS clips are 25 fps
        assert clip.info.extra["stream_fps"] == pytest.approx(25.0, rel=1e-3)
        assert clip.duration_s == pytest.approx(n / 25.0, rel=1e-3)


def test_read_ahead_fills_the_cache(video) -> None:
    path, _es, _n, _codec = video
    with open_clip(path, cache_mb=64) as clip:
        clip.frame(0)
        clip.prefetch(1, 10)
        for i in range(1, 11):
            clip.frame(i)
        assert clip.cache.hits >= 8


def test_info_and_frame_cli(video, tmp_path: Path) -> None:
    path, es, n, _codec = video
    run = [sys.executable, "-m", "imgtrainer"]
    info = subprocess.run([*run, "info", "--json", str(path)], capture_output=True, text=True, check=True)
    data = json.loads(info.stdout)[0]
    assert data["frames"] == n and data["kind"] == "dicom" and data["codec"]
    png = tmp_path / "f.png"
    subprocess.run(
        [*run, "frame", str(path), "--index", "10", "-o", str(png)], check=True, capture_output=True
    )
    ref = _ffmpeg_rgb(es, data["rows"], data["cols"])[10]
    got = cv2.cvtColor(cv2.imread(str(png)), cv2.COLOR_BGR2RGB)
    assert np.abs(got.astype(int) - ref.astype(int)).max() <= 1


def test_quality_and_assist_run_on_video_dicom(video) -> None:
    path, *_ = video
    run = [sys.executable, "-m", "imgtrainer"]
    for cmd in (["quality", "--json", str(path)], ["assist", "--json", str(path)]):
        r = subprocess.run([*run, *cmd], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        assert "Traceback" not in r.stderr
        json.loads(r.stdout)


def test_corrupt_stream_fails_cleanly(tmp_path: Path) -> None:
    import pydicom
    from pydicom.encaps import encapsulate

    from imgtrainer.errors import MediaError

    good = tmp_path / "good.dcm"
    make_video_dicom(CLIPS[0], good, "h264", frames=8)
    ds = pydicom.dcmread(good)
    ds.PixelData = encapsulate([b"\x00\x00\x00\x01garbage" * 50])
    bad = tmp_path / "bad.dcm"
    ds.save_as(bad)
    with pytest.raises(MediaError), open_clip(bad) as clip:
        clip.frame(0)
